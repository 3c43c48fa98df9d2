#include <duet/protocol/json_scan.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace duet::protocol {
namespace {

// The scanner must accept exactly what nlohmann::json::parse accepts: the codec's
// bad_json answers must not change with the faster path. Each input is checked against
// nlohmann itself, so the expectation cannot drift from the reference.
std::vector<std::string> const corpus{
    "{}", "[]", "\"x\"", "0", "-0", "1.5e3", "-1E-2", "true", "false", "null", " {} ", "\xEF\xBB\xBF{}",
    R"({"a":1})", R"({"a":[1,2,{"b":null}],"c":{"d":"e"}})", R"({"s":"\"\\\/\b\f\n\r\t\u00e9"})",
    R"({"s":"\ud83d\ude00"})", "{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", R"([[[[[[[[[[]]]]]]]]]])",
    R"({"a":{"b":{"c":{"d":[1,[2,[3]]]}}}})", "{\"a\" :\t1 ,\n\"b\": 2}",
    // malformed
    "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]", "{\"a\" 1}", "{a:1}", "{'a':1}",
    "01", "1.", ".5", "1e", "1e+", "-", "+1", "0x10", "NaN", "Infinity", "tru", "nul", "True", "{} {}", "{}x",
    "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud83d\"", "\"\\ude00\"",
    "\"\\ud83d\\u0041\"", "\"tab\tinside\"", "\"nl\ninside\"", "\"\xff\"", "\"\xc3\"", "\"\xc0\xaf\"",
    "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe0\x80\xaf\"", "{\"a\":[}", "{\"a\":{]}", "[{]}", "[\"a\",]",
    "{\"a\":1}}", "[[]", "[]]", "\xEF\xBB{}", "{\"a\":1,\"b\"}", "{\"\":1}", "[\"\\/\"]"};

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

}  // namespace
}  // namespace duet::protocol
