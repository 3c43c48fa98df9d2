#include <duet/protocol/json_unescape.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace duet::protocol {
namespace {

/// The whole decoding of `inner`, in a buffer that is always large enough.
std::string unescape(std::string_view inner) {
    std::string out(inner.size(), '\0');
    auto const r = unescape_json_string(inner, out);
    EXPECT_TRUE(r.complete) << inner;
    EXPECT_EQ(r.consumed, inner.size()) << inner;
    out.resize(r.size);
    return out;
}

TEST(unescape_json_string, DecodesAsNlohmannDoes) {
    std::vector<std::string> const strings{
        "", "plain", R"(\")", R"(\\)", R"(\/)", R"(\b\f\n\r\t)", R"(\u0074ype)", R"(\u0000)", R"(\u007F\u0080)",
        R"(\u07FF\u0800)", R"(\uFFFF)", R"(\uffFf)", R"(\ud83d\ude00)", R"(\uD83D\uDE00x)", R"(\udbff\udfff)",
        R"(\ud800\udc00)", "a\xc3\xa9" R"(\u00e9)", R"(caf\u00e9 \"q\" \\ \/ \n)", R"(\/\/\/\/\/\/\/\/)"};
    for (auto const& inner : strings) {
        auto const reference = nlohmann::json::parse("\"" + inner + "\"").get<std::string>();
        EXPECT_EQ(unescape(inner), reference) << inner;
    }
}

TEST(unescape_json_string, StopsWhenTheBufferIsFull) {
    std::array<char, 6> out{};
    auto const fits = unescape_json_string(R"(re\u0073ume)", out);
    EXPECT_TRUE(fits.complete);
    EXPECT_EQ(std::string_view(out.data(), fits.size), "resume");

    // Seven `\/`: six are written, the seventh is read and does not fit; the rest of
    // the input is never looked at.
    auto const longer = unescape_json_string(R"(\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/)", out);
    EXPECT_FALSE(longer.complete);
    EXPECT_EQ(longer.size, 6u);
    EXPECT_EQ(longer.consumed, 14u);
    EXPECT_EQ(std::string_view(out.data(), longer.size), "//////");
}

TEST(unescape_json_string, CutsACharacterAsSubstrWould) {
    // "ab" then U+1F600 (four bytes): a six-byte buffer keeps "ab" and all four; a
    // five-byte one keeps the first three of them, like std::string::substr(0, 5).
    std::string const whole = unescape(R"(ab\ud83d\ude00c)");
    std::array<char, 5> out{};
    auto const r = unescape_json_string(R"(ab\ud83d\ude00c)", out);
    EXPECT_FALSE(r.complete);
    EXPECT_EQ(std::string(out.data(), r.size), whole.substr(0, 5));
}

TEST(unescape_json_string, MalformedInputStaysInBounds) {
    std::array<char, 16> out{};
    for (std::string_view inner : {R"(\)", R"(ab\)", R"(\u12)", R"(\uZZZZ)", R"(\ud83d)", R"(\ud83d\u)"}) {
        auto const r = unescape_json_string(inner, out);
        EXPECT_LE(r.consumed, inner.size()) << inner;
        EXPECT_LE(r.size, out.size()) << inner;
    }
}

}  // namespace
}  // namespace duet::protocol
