#include <duet/protocol/json_scan.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace duet::protocol {
namespace {

bool nlohmann_accepts(std::string const& text) {
    return !nlohmann::json::parse(text, nullptr, false).is_discarded();
}

// The scanner must accept exactly what nlohmann::json::parse accepts: the codec's
// bad_json answers must not change with the faster path. Each input is checked against
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
    "{\"a\":1}}", "[[]", "[]]", "\xEF\xBB{}", "{\"a\":1,\"b\"}", "{\"\":1}", "[\"\\/\"]", "[-]", "[1e]", "[--1]",
    "[1.e5]", "[-01]"};

class scan_vs_nlohmann : public ::testing::TestWithParam<std::string> {};

TEST_P(scan_vs_nlohmann, AgreesOnValidity) {
    auto const& text = GetParam();
    bool const reference = !nlohmann::json::parse(text, nullptr, false).is_discarded();
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
                bool const reference = !nlohmann::json::parse(text, nullptr, false).is_discarded();
                ASSERT_EQ(scan_json(text).valid, reference) << "input: " << text;
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 325u * 20u);
}

TEST(scan_json, MembersKeepTheirExactText) {
    std::string const text = R"({ "type" : "message", "data" : { "z" : 1e2 , "s":"a}\"b" } ,"n":-0.0,"l":[1, {"x":"]"}]})";
    auto const frame = scan_json(text);
    ASSERT_TRUE(frame.valid);
    ASSERT_TRUE(frame.is_object);
    ASSERT_EQ(frame.members.size(), 4u);
    EXPECT_EQ(frame.members[0].key, R"("type")");
    EXPECT_EQ(frame.members[0].value, R"("message")");
    EXPECT_EQ(frame.members[0].kind, json_kind::string);
    EXPECT_EQ(frame.members[1].value, R"({ "z" : 1e2 , "s":"a}\"b" })");
    EXPECT_EQ(frame.members[1].kind, json_kind::object);
    EXPECT_EQ(frame.members[2].value, "-0.0");
    EXPECT_EQ(frame.members[2].kind, json_kind::number);
    EXPECT_EQ(frame.members[3].value, R"([1, {"x":"]"}])");
    EXPECT_EQ(frame.members[3].kind, json_kind::array);
}

TEST(scan_json, FindMemberTakesTheLastDuplicateAndDecodesEscapedKeys) {
    auto const frame = scan_json(R"({"data":1,"d\u0061ta":2,"type":"x"})");
    ASSERT_TRUE(frame.valid);
    auto const* data = find_member(frame, "data");
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->value, "2");
    EXPECT_EQ(find_member(frame, "missing"), nullptr);
}

TEST(scan_json, DecodeStringToken) {
    EXPECT_EQ(decode_string_token(R"("plain")"), "plain");
    EXPECT_EQ(decode_string_token(R"("a\"b\u00e9")"), "a\"b\xc3\xa9");
    EXPECT_EQ(decode_string_token(R"("")"), "");
}

TEST(scan_json, DeepNestingNeitherCrashesNorFails) {
    std::string const deep = std::string(100000, '[') + std::string(100000, ']');
    EXPECT_TRUE(scan_json(deep).valid);
    EXPECT_FALSE(scan_json(std::string(100000, '[')).valid);
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

}  // namespace
}  // namespace duet::protocol
