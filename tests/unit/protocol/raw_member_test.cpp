#include <duet/protocol/raw_member.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

namespace duet::protocol {
namespace {

using namespace std::string_view_literals;

TEST(raw_member, FindsASimpleMember) {
    EXPECT_EQ(raw_member(R"({"type":"message","data":42})", "data"), "42"sv);
    EXPECT_EQ(raw_member(R"({"type":"message","data":42})", "type"), R"("message")"sv);
}

TEST(raw_member, AbsentKeyGivesNothing) {
    EXPECT_EQ(raw_member(R"({"type":"message","room":"r"})", "data"), std::nullopt);
    EXPECT_EQ(raw_member("{}", "data"), std::nullopt);
    EXPECT_EQ(raw_member("  { }  ", "data"), std::nullopt);
}

TEST(raw_member, KeyPrefixesAndSuffixesDoNotMatch) {
    EXPECT_EQ(raw_member(R"({"dat":1,"datas":2,"xdata":3,"Data":4})", "data"), std::nullopt);
}

TEST(raw_member, KeySpelledAsAValueDoesNotMatch) {
    EXPECT_EQ(raw_member(R"({"x":"data","y":["data"],"z":{"data":1}})", "data"), std::nullopt);
}

TEST(raw_member, NotAnObjectGivesNothing) {
    EXPECT_EQ(raw_member(R"([{"data":1}])", "data"), std::nullopt);
    EXPECT_EQ(raw_member(R"("data")", "data"), std::nullopt);
    EXPECT_EQ(raw_member("", "data"), std::nullopt);
}

TEST(raw_member, StringsContainingBracesQuotesAndEscapedQuotes) {
    EXPECT_EQ(raw_member(R"({"a":"}{","data":1})", "data"), "1"sv);
    EXPECT_EQ(raw_member(R"({"a":"x\"data\":9","data":2})", "data"), "2"sv);
    EXPECT_EQ(raw_member(R"({"data":"say \"hi\" {not an object}","b":1})", "data"),
              R"("say \"hi\" {not an object}")"sv);
    EXPECT_EQ(raw_member(R"({"data":"a\\","b":1})", "data"), R"("a\\")"sv);
    EXPECT_EQ(raw_member(R"({"data":"\\\"","b":1})", "data"), R"("\\\"")"sv);
    EXPECT_EQ(raw_member(R"({"data":"","b":1})", "data"), R"("")"sv);
}

TEST(raw_member, NestedObjectsAndArrays) {
    EXPECT_EQ(raw_member(R"({"a":{"data":1},"data":{"x":{"y":[1,{"z":"}]"}]}},"b":[]})", "data"),
              R"({"x":{"y":[1,{"z":"}]"}]}})"sv);
    EXPECT_EQ(raw_member(R"({"data":[[],[[{}]],"]"],"b":0})", "data"), R"([[],[[{}]],"]"])"sv);
    EXPECT_EQ(raw_member(R"({"a":[{"b":"{"}],"data":true})", "data"), "true"sv);
}

TEST(raw_member, NumbersAndLiteralsKeepTheirSpelling) {
    EXPECT_EQ(raw_member(R"({"data":-1.5e+3})", "data"), "-1.5e+3"sv);
    EXPECT_EQ(raw_member(R"({"data":1E2,"b":0})", "data"), "1E2"sv);
    EXPECT_EQ(raw_member(R"({"data":null})", "data"), "null"sv);
    EXPECT_EQ(raw_member(R"({"data":false,"b":0})", "data"), "false"sv);
}

TEST(raw_member, EscapedKeyNames) {
    EXPECT_EQ(raw_member(R"({"d\u0061ta":5})", "data"), "5"sv);
    EXPECT_EQ(raw_member(R"({"da\"ta":1,"data":2})", "da\"ta"), "1"sv);
    EXPECT_EQ(raw_member(R"({"a\\b":3})", "a\\b"), "3"sv);
    // An escaped key is compared decoded: "da\"ta" is not "data".
    EXPECT_EQ(raw_member(R"({"da\"ta":1})", "data"), std::nullopt);
}

TEST(raw_member, WhitespaceEverywhere) {
    EXPECT_EQ(raw_member(" \n{ \r\n \"data\" \t :  \r\n [ 1 , 2 ] \n , \"b\" : 0 }\n", "data"), "[ 1 , 2 ]"sv);
    EXPECT_EQ(raw_member("{\"a\" : 1 ,\"data\"\t:\t7\t}", "data"), "7"sv);
    EXPECT_EQ(raw_member("{\"data\":{ \"k\" : \"v\" }  }", "data"), R"({ "k" : "v" })"sv);
}

TEST(raw_member, DuplicatedKeyLastWins) {
    EXPECT_EQ(raw_member(R"({"data":1,"data":{"x":2}})", "data"), R"({"x":2})"sv);
    EXPECT_EQ(raw_member(R"({"data":{"x":2},"b":0,"data":"last"})", "data"), R"("last")"sv);
}

TEST(raw_member, ResultPointsIntoTheInput) {
    std::string_view const text = R"({"type":"message","data":{"a":1}})";
    auto const found = raw_member(text, "data");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->data(), text.data() + text.find("{\"a\""));
}

}  // namespace
}  // namespace duet::protocol
