#include <duet/protocol/json_scan.hpp>

#include <nlohmann/json.hpp>

#include "support/hostile_frames.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace duet::protocol {
namespace {

bool nlohmann_accepts(std::string const& text) {
    return !nlohmann::json::parse(text, nullptr, false).is_discarded();
}

// The scanner must accept exactly what nlohmann::json::parse accepts: the codec's
// bad_json answers must not change with the faster path, and a relayed frame must be
// one a receiver parsing with nlohmann accepts. Each input is checked against
// nlohmann itself, so the expectation cannot drift from the reference.
std::vector<std::string> const corpus{
    "{}", "[]", "\"x\"", "0", "-0", "1.5e3", "-1E-2", "true", "false", "null", " {} ", "\xEF\xBB\xBF{}",
    R"({"a":1})", R"({"a":[1,2,{"b":null}],"c":{"d":"e"}})", R"({"s":"\"\\\/\b\f\n\r\t\u00e9"})",
    R"({"s":"\ud83d\ude00"})", "{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", R"([[[[[[[[[[]]]]]]]]]])",
    R"({"a":{"b":{"c":{"d":[1,[2,[3]]]}}}})", "{\"a\" :\t1 ,\n\"b\": 2}",
    // numbers out of range, anywhere in the frame (nlohmann: "number overflow")
    "1e999", "-1e999", "1e-999", R"({"a":1e999})", R"({"type":"message","room":"r","data":[1,{"x":-1E+999}]})",
    R"({"data":{"deep":[[[[1e309]]]]}})", R"({"a":1e-999})", R"([0.1e310])", R"([0.01e310])",
    // malformed
    "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]", "{\"a\" 1}", "{a:1}", "{'a':1}",
    "01", "1.", ".5", "1e", "1e+", "-", "+1", "0x10", "NaN", "Infinity", "tru", "nul", "True", "{} {}", "{}x",
    "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud83d\"", "\"\\ude00\"",
    "\"\\ud83d\\u0041\"", "\"tab\tinside\"", "\"nl\ninside\"", "\"\xff\"", "\"\xc3\"", "\"\xc0\xaf\"",
    "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe0\x80\xaf\"", "{\"a\":[}", "{\"a\":{]}", "[{]}", "[\"a\",]",
    "{\"a\":1}}", "[[]", "[]]", "\xEF\xBB{}", "{\"a\":1,\"b\"}", "{\"\":1}", "[\"\\/\"]", "{\"\\/\":1}",
    "{\"\\u0074ype\":1,}", "{\"\\x\":1}", "{\"type\":\"\\u12\"}", "[-]", "[1e]", "[--1]", "[1.e5]", "[-01]"};

// The one deliberate difference from nlohmann: it stops at a NUL byte and ignores the
// rest; RFC 8259 allows no NUL outside a string (nor, unescaped, inside one).
TEST(scan_json, ANulByteIsRefusedWhereNlohmannStopsReading) {
    using namespace std::string_literals;
    for (auto const& text : {"{\"type\":\"ping\"}\0"s, "{\"type\":\"ping\"}\0garbage"s,
                             "{\"type\":\"p\0ing\"}"s, "\0{}"s}) {
        EXPECT_FALSE(scan_json(text).valid) << "input of " << text.size() << " bytes";
    }
    // nlohmann says yes to the first: the difference is real, not assumed.
    EXPECT_TRUE(nlohmann_accepts("{\"type\":\"ping\"}\0garbage"s));
}

class scan_vs_nlohmann : public ::testing::TestWithParam<std::string> {};

TEST_P(scan_vs_nlohmann, AgreesOnValidity) {
    auto const& text = GetParam();
    bool const reference = nlohmann_accepts(text);
    auto const scanned = scan_json(text);
    EXPECT_EQ(scanned.valid, reference) << "input: " << text;
    if (reference) {
        bool const object = nlohmann::json::parse(text, nullptr, false).is_object();
        EXPECT_EQ(scanned.is_object, object) << "input: " << text;
    }
}

INSTANTIATE_TEST_SUITE_P(Corpus, scan_vs_nlohmann, ::testing::ValuesIn(corpus));

// Strings are skipped eight plain bytes at a time: put each kind of special byte at
// every offset of a long string (so at every place in a block, and in the tail that
// is shorter than a block) and check the verdict against nlohmann each time.
TEST(scan_json, SpecialBytesAtEveryOffsetOfALongString) {
    std::vector<std::string> const specials{
        "\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "\\x", "\\u12", "\t", "\x01", "\x1f", "\x7f",
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\xc3", "\xed\xa0\x80", "\"", " ", "~"};
    std::size_t checked = 0;
    for (std::size_t length = 0; length <= 24; ++length) {
        for (std::size_t at = 0; at <= length; ++at) {
            for (auto const& special : specials) {
                std::string const inner = std::string(at, 'a') + special + std::string(length - at, 'b');
                std::string const text = "{\"d\":\"" + inner + "\",\"n\":1}";
                bool const reference = nlohmann_accepts(text);
                ASSERT_EQ(scan_json(text).valid, reference) << "input: " << text;
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 325u * 20u);
}

TEST(scan_json, MembersKeepTheirExactText) {
    std::string const text =
        R"({ "type" : "message", "data" : { "z" : 1e2 , "s":"a}\"b" } ,"room":-0.0,"to":[1, {"x":"]"}],)"
        R"("token":"a\u00e9","resume":true,"other":"x"})";
    auto const frame = scan_json(text);
    ASSERT_TRUE(frame.valid);
    ASSERT_TRUE(frame.is_object);
    auto const* type = frame.find(member_key::type);
    ASSERT_NE(type, nullptr);
    EXPECT_EQ(type->value, R"("message")");
    EXPECT_EQ(type->kind, json_kind::string);
    EXPECT_FALSE(type->escaped);
    auto const* data = frame.find(member_key::data);
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->value, R"({ "z" : 1e2 , "s":"a}\"b" })");
    EXPECT_EQ(data->kind, json_kind::object);
    auto const* room = frame.find(member_key::room);
    ASSERT_NE(room, nullptr);
    EXPECT_EQ(room->value, "-0.0");
    EXPECT_EQ(room->kind, json_kind::number);
    auto const* to = frame.find(member_key::to);
    ASSERT_NE(to, nullptr);
    EXPECT_EQ(to->value, R"([1, {"x":"]"}])");
    EXPECT_EQ(to->kind, json_kind::array);
    auto const* token = frame.find(member_key::token);
    ASSERT_NE(token, nullptr);
    EXPECT_EQ(token->value, R"("a\u00e9")");
    EXPECT_TRUE(token->escaped);
    auto const* resume = frame.find(member_key::resume);
    ASSERT_NE(resume, nullptr);
    EXPECT_EQ(resume->value, "true");
    EXPECT_EQ(resume->kind, json_kind::literal);
    // Points into the frame: no copy was made.
    EXPECT_GE(data->value.data(), text.data());
    EXPECT_LE(data->value.data() + data->value.size(), text.data() + text.size());
}

TEST(scan_json, NestedKeysAreNotTopLevelMembers) {
    auto const frame = scan_json(R"({"data":{"type":"x","room":"y"},"list":[{"to":1}]})");
    ASSERT_TRUE(frame.valid);
    EXPECT_EQ(frame.find(member_key::type), nullptr);
    EXPECT_EQ(frame.find(member_key::room), nullptr);
    EXPECT_EQ(frame.find(member_key::to), nullptr);
    ASSERT_NE(frame.find(member_key::data), nullptr);
}

TEST(scan_json, NoMembersUnlessAValidObject) {
    auto const invalid = scan_json(R"({"type":"join","room":"r",})");
    EXPECT_FALSE(invalid.valid);
    EXPECT_EQ(invalid.find(member_key::type), nullptr);
    auto const trailing = scan_json(R"({"type":"join"} x)");
    EXPECT_FALSE(trailing.valid);
    EXPECT_EQ(trailing.find(member_key::type), nullptr);
    auto const overflow = scan_json(R"({"type":"join","n":1e999})");
    EXPECT_FALSE(overflow.valid);
    EXPECT_EQ(overflow.find(member_key::type), nullptr);
}

TEST(scan_json, DeepNestingNeitherCrashesNorFails) {
    std::string const deep = std::string(100000, '[') + std::string(100000, ']');
    EXPECT_TRUE(scan_json(deep).valid);
    EXPECT_FALSE(scan_json(std::string(100000, '[')).valid);
    // Past the inline levels, the kinds of the open containers must still be right.
    std::string objects;
    for (int k = 0; k < 3000; ++k) {
        objects += k % 3 == 0 ? "{\"k\":" : "[";
    }
    objects += "1";
    for (int k = 2999; k >= 0; --k) {
        objects += k % 3 == 0 ? "}" : "]";
    }
    EXPECT_TRUE(scan_json(objects).valid);
    EXPECT_TRUE(nlohmann_accepts(objects));
    std::string swapped = objects;
    swapped[swapped.size() - 2] = swapped[swapped.size() - 2] == '}' ? ']' : '}';
    EXPECT_FALSE(scan_json(swapped).valid);
    EXPECT_FALSE(nlohmann_accepts(swapped));
}

// ---------------------------------------------------------------------------------------
// Wanted members against nlohmann: whatever the spelling of the keys (escaped, plain,
// duplicated), the scanner's member for each wanted key is nlohmann's `j[key]`.

std::array<std::string_view, member_key_count> const key_names{"type", "room", "to", "data", "token", "resume"};

/// Checks every wanted member of `text` against nlohmann's reading of it.
void expect_members_match_nlohmann(std::string const& text) {
    auto const reference = nlohmann::json::parse(text, nullptr, false);
    auto const frame = scan_json(text);
    ASSERT_EQ(frame.valid, !reference.is_discarded()) << "input: " << text;
    if (!reference.is_object()) {
        return;
    }
    EXPECT_LE(frame.key_bytes_decoded, text.size());
    for (std::size_t k = 0; k < member_key_count; ++k) {
        auto const* member = frame.find(static_cast<member_key>(k));
        auto const it = reference.find(std::string(key_names[k]));
        if (it == reference.end()) {
            EXPECT_EQ(member, nullptr) << key_names[k] << " in " << text;
            continue;
        }
        ASSERT_NE(member, nullptr) << key_names[k] << " in " << text;
        EXPECT_EQ(nlohmann::json::parse(member->value), *it) << key_names[k] << " in " << text;
        EXPECT_EQ(member->kind == json_kind::string, it->is_string());
        EXPECT_EQ(member->escaped, it->is_string() && member->value.find('\\') != std::string_view::npos);
    }
}

// Keys that name a wanted member, in plain and escaped spellings, and keys that
// nearly do: different case, one byte more or less, a NUL, an escape that decodes to
// something else, keys longer than any wanted one (escaped ones stop decoding early),
// and surrogate pairs that cut the bound in the middle of a character.
std::vector<std::string> const key_spellings{
    "type", "typ\\u0065", "\\u0074ype", "\\u0074\\u0079\\u0070\\u0065", "t\\u0079pe", "\\u0054ype", "Type",
    "room", "r\\u006fom", "\\u0072\\u006F\\u006F\\u006D", "ro\\u006Dm", "to", "\\u0074o", "t\\u006f", "\\u0074\\u006F",
    "data", "d\\u0061ta", "\\u0064\\u0061\\u0074\\u0061", "token", "tok\\u0065n", "resume", "\\u0072esume",
    "resum\\u0065", "typ", "types", "type\\u0000", "\\u0000type", "ty pe", "to\\/", "\\/to", "\\/", "\\\\",
    "\\\"", "resumes", "\\u0072esumeX", "tokens", "", "t", "dat", "datas", "room\\n", "\\troom",
    "\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/", "\\u0074ype\\/\\/\\/\\/\\/\\/\\/\\/",
    "\\ud83d\\ude00", "ty\\ud83d\\ude00pe", "resum\\ud83d\\ude00", "ab\\ud83d\\ude00", "abc\\ud83d\\ude00",
    "\\u00e9\\u00e9\\u00e9", "\\u00e9\\u00e9\\u00e9\\u00e9", "r\xc3\xa9sum\xc3\xa9", "\\u00e9t\\u00e9", "\\b\\f\\n\\r\\t",
    "typ\\u00e9", "\\uD83D\\uDE00\\uD83D\\uDE00"};

std::vector<std::string> const values{
    "1", "\"s\"", "\"\\u0061b\"", "null", "true", "[1,{\"type\":2}]", "{\"room\":\"x\"}", "-0.5e3", "\"demo\"",
    "{}", "[]", "\"\\ud83d\\ude00\"", "\"\"", "\"\\\"\"", "12345678901234567890123"};

TEST(scan_json, WantedMembersMatchNlohmannForEveryKeySpelling) {
    for (auto const& key : key_spellings) {
        for (auto const& value : values) {
            expect_members_match_nlohmann("{\"" + key + "\":" + value + "}");
            expect_members_match_nlohmann("{\"x\":0,\"" + key + "\":" + value + ",\"y\":[]}");
        }
    }
}

TEST(scan_json, DuplicatesTheLastWinsAcrossSpellings) {
    std::vector<std::string> const frames{
        R"({"data":1,"d\u0061ta":2,"type":"x"})", R"({"d\u0061ta":1,"data":2})",
        R"({"type":"a","\u0074ype":"b","typ\u0065":"c"})", R"({"\u0074\u0079\u0070\u0065":"a","type":"b"})",
        R"({"to":"a","t\u006f":{"x":1},"to":"c"})", R"({"room":"a","r\u006Fom":"b","room\/":"c"})",
        R"({"resume":1,"\u0072esume":2,"resume\u0000":3})", R"({"token":1,"tok\u0065n":2,"\u0074oken":3})"};
    for (auto const& text : frames) {
        expect_members_match_nlohmann(text);
    }
    auto const frame = scan_json(R"({"data":1,"d\u0061ta":2,"to":"p","t\u006f":"q","to":"r"})");
    ASSERT_NE(frame.find(member_key::data), nullptr);
    EXPECT_EQ(frame.find(member_key::data)->value, "2");
    ASSERT_NE(frame.find(member_key::to), nullptr);
    EXPECT_EQ(frame.find(member_key::to)->value, R"("r")");
}

TEST(scan_json, RandomFramesOfMixedSpellingsMatchNlohmann) {
    std::mt19937 random(9);
    auto const pick = [&random](auto const& pool) -> auto const& {
        return pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(random)];
    };
    for (int n = 0; n < 5000; ++n) {
        std::string text = "{";
        int const members = std::uniform_int_distribution<int>(1, 10)(random);
        for (int m = 0; m < members; ++m) {
            text += (m == 0 ? "\"" : ",\"") + pick(key_spellings) + "\":" + pick(values);
        }
        text += "}";
        expect_members_match_nlohmann(text);
    }
}

// ---------------------------------------------------------------------------------------
// Numbers: finite as a double, as nlohmann checks ("number overflow"); underflow is fine.

// DBL_MAX written out, then DBL_MAX plus half an ulp: exactly halfway to 2^1024, which
// rounds to even, that is to infinity; one less rounds to DBL_MAX.
std::string const dbl_max_digits =
    "17976931348623157081452742373170435679807056752584499659891747680315726078002853876058955863276687817154"
    "04589535143824642343213268894641827684675467035375169860499105765512820762454900903893289440758685084551"
    "339423045832369032229481658085593321233482747978262041447231687381771809192998812504040261841248583680";
std::string const halfway_digits =
    "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797758720709633"
    "02864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700"
    "698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977920";

std::vector<std::string> number_spellings() {
    std::string halfway_less_one = halfway_digits;
    halfway_less_one.back() = '1';
    std::vector<std::string> numbers{
        "0", "-0", "0.0", "1", "-1", "1.5", "123456789012345678901234567890", "18446744073709551615",
        "18446744073709551616", "-9223372036854775808", "-9223372036854775809", "1e999", "-1e999", "1E999",
        "1e+999", "1e-999", "-1e-999", "0e999999", "0.0e999", "0.000e99999999999999999999999", "1e308", "1e309",
        "-1e309", "9.99e307", "10e307", "18e307", "17.976931348623157e307", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "-1.7976931348623159e308", "17976931348623157e292",
        "17976931348623159e292", "0.17976931348623157e309", "0.17976931348623159e309",
        "0.0000000001797693134862315e318", "0.0000000001797693134862316e318", "0.1e310", "0.01e310",
        "0.001e310", "0.0000000000e310", "1e00000000000000000000000308", "1e00000000000000000000000309",
        "1e-0", "1E+0", "2e-324", "5e-324", "4.9e-324", "2.4703282292062328e-324", "1e-400",
        "0.1e-99999999999999999999", "1e99999999999999999999", "1e-99999999999999999999",
        "99999999999999999999e-99999999999999999999", dbl_max_digits, "-" + dbl_max_digits, halfway_digits,
        "-" + halfway_digits, halfway_less_one, dbl_max_digits + ".999999", dbl_max_digits + "e0",
        dbl_max_digits + "e-1", dbl_max_digits + "e1", "0." + dbl_max_digits + "e309", "0." + halfway_digits + "e309",
        std::string(400, '9'), "-" + std::string(400, '9'), "1" + std::string(308, '0'),
        "1" + std::string(309, '0'), "9" + std::string(307, '9'), "9" + std::string(308, '9'),
        "1" + std::string(308, '0') + ".5", "0." + std::string(400, '0') + "1e400",
        "0." + std::string(400, '0') + "1e709", "0." + std::string(400, '0') + "1e710",
        "0." + std::string(400, '0') + "1", std::string(300, '1') + "e8", std::string(300, '1') + "e9"};
    return numbers;
}

TEST(scan_json, NumbersAreFiniteAsNlohmannRequiresWhereverTheyAre) {
    for (auto const& number : number_spellings()) {
        for (auto const& text :
             {number, "[" + number + "]", R"({"type":"message","room":"r","data":)" + number + "}",
              R"({"type":"message","room":"r","data":{"sdp":"v=0","n":[[{"x":)" + number + "}]]}}",
              R"({"extra":)" + number + R"(,"type":"ping"})", R"({"type":"ping","extra":[1,)" + number + "]}"}) {
            EXPECT_EQ(scan_json(text).valid, nlohmann_accepts(text)) << "input: " << text;
        }
    }
}

TEST(scan_json, RandomNumbersAroundTheLimitsMatchNlohmann) {
    std::mt19937 random(308);
    auto const uniform = [&random](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
    auto const digits = [&](int count, bool leading_nonzero) {
        std::string out;
        for (int k = 0; k < count; ++k) {
            out += static_cast<char>('0' + uniform(k == 0 && leading_nonzero ? 1 : 0, 9));
        }
        return out;
    };
    for (int n = 0; n < 20000; ++n) {
        std::string number = uniform(0, 1) == 0 ? "" : "-";
        // The integer part: short, near 309 digits, or 0 (then a fraction's leading
        // zeros move the magnitude down).
        switch (uniform(0, 3)) {
        case 0: number += digits(uniform(1, 20), true); break;
        case 1: number += digits(uniform(300, 312), true); break;
        case 2: number += "17976931348623" + digits(uniform(0, 6), false); break;
        default: number += "0"; break;
        }
        if (uniform(0, 1) == 0) {
            number += "." + std::string(static_cast<std::size_t>(uniform(0, 20)), '0') + digits(uniform(1, 20), false);
        }
        switch (uniform(0, 3)) {
        case 0: break;
        case 1: number += "e" + std::to_string(uniform(-30, 30)); break;
        case 2: number += (uniform(0, 1) == 0 ? "E+" : "e") + std::to_string(uniform(280, 330)); break;
        default: number += "e-" + std::to_string(uniform(300, 340)); break;
        }
        std::string const text = "[" + number + "]";
        ASSERT_EQ(scan_json(text).valid, nlohmann_accepts(text)) << "input: " << text;
    }
}

// ---------------------------------------------------------------------------------------
// Cost, counted rather than timed: decoding escaped keys reads each key once, and an
// escaped key only as far as it could still match a wanted one.


// At most longest_member_key + 1 characters are decoded, each from at most twelve
// input bytes (a surrogate pair).
constexpr std::size_t max_bytes_per_key = (longest_member_key + 1) * 12;

TEST(scan_json, EscapedKeysAreDecodedOnceEach) {
    // The reported attack: ~9,300 keys `"\/"` in a 64 KiB frame.
    auto const text = testing::relay_frame_with_keys("\\/", 9300);
    auto const frame = scan_json(text);
    ASSERT_TRUE(frame.valid);
    EXPECT_EQ(frame.key_bytes_decoded, 2u * 9300u);
    ASSERT_NE(frame.find(member_key::data), nullptr);
}

TEST(scan_json, LongEscapedKeysStopDecodingEarly) {
    std::string slashes;
    std::string units;
    std::string pairs;
    for (int k = 0; k < 1000; ++k) {
        slashes += "\\/";
        units += "\\u0074";
        pairs += "\\ud83d\\ude00";
    }
    for (auto const& key : {slashes, units, pairs, "\\u0074ype" + slashes}) {
        auto const text = testing::relay_frame_with_keys(key, 50);
        auto const frame = scan_json(text);
        ASSERT_TRUE(frame.valid);
        EXPECT_LE(frame.key_bytes_decoded, 50 * max_bytes_per_key) << key.substr(0, 12);
    }
    // Exactly: six `\/` decoded, the seventh read and found not to fit.
    EXPECT_EQ(scan_json(testing::relay_frame_with_keys(slashes, 50)).key_bytes_decoded, 50u * 7u * 2u);
}

TEST(scan_json, PlainKeysDecodeNothing) {
    auto const frame = scan_json(testing::relay_frame_with_keys("k", 9300));
    ASSERT_TRUE(frame.valid);
    EXPECT_EQ(frame.key_bytes_decoded, 0u);
}

}  // namespace
}  // namespace duet::protocol
