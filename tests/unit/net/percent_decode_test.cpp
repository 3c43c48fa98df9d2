// net::percent_decode, shared by the public folder's paths (http::static_files) and the
// Redis URL's user and password (redis::parse_address): both rely on exactly this.
#include <duet/net/percent_decode.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace duet::net {
namespace {

TEST(percent_decode, Cases) {
    EXPECT_EQ(percent_decode(""), std::string());
    EXPECT_EQ(percent_decode("abc"), std::string("abc"));
    EXPECT_EQ(percent_decode("%41"), std::string("A"));
    EXPECT_EQ(percent_decode("a%20b"), std::string("a b"));
    EXPECT_EQ(percent_decode("%2f%2F"), std::string("//"));
    EXPECT_EQ(percent_decode("%2e%2E"), std::string(".."));
    EXPECT_EQ(percent_decode("%e2%82%ac"), std::string("\xe2\x82\xac"));
    EXPECT_EQ(percent_decode("%ff"), std::string(1, '\xff'));
    EXPECT_EQ(percent_decode("%2541"), std::string("%41"));  // decoded once only
    EXPECT_EQ(percent_decode("p%3Aw%40d%2F"), std::string("p:w@d/"));  // a password's ':', '@', '/'
}

// Not form decoding: '+' is a plus, in a path as in a password.
TEST(percent_decode, PlusStaysAPlus) {
    EXPECT_EQ(percent_decode("a+b"), std::string("a+b"));
    EXPECT_EQ(percent_decode("%2B"), std::string("+"));
}

// %00 is decoded like any other byte; static_files refuses the NUL itself.
TEST(percent_decode, PercentZeroZeroGivesANul) {
    EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
    EXPECT_EQ(percent_decode("a%00b"), std::string("a\0b", 3));
}

TEST(percent_decode, MalformedGivesNothing) {
    EXPECT_EQ(percent_decode("%"), std::nullopt);
    EXPECT_EQ(percent_decode("%4"), std::nullopt);
    EXPECT_EQ(percent_decode("abc%"), std::nullopt);
    EXPECT_EQ(percent_decode("abc%4"), std::nullopt);
    EXPECT_EQ(percent_decode("%zz"), std::nullopt);
    EXPECT_EQ(percent_decode("%g0"), std::nullopt);
    EXPECT_EQ(percent_decode("%0g"), std::nullopt);
    EXPECT_EQ(percent_decode("%%41"), std::nullopt);
    EXPECT_EQ(percent_decode("% 1"), std::nullopt);
    EXPECT_EQ(percent_decode("ok%41then%"), std::nullopt);  // a bad escape anywhere spoils it all
}

}  // namespace
}  // namespace duet::net
