#include <duet/ice/turn_credentials.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace duet::ice {
namespace {

using namespace std::chrono_literals;

TEST(turn_credentials, HmacSha1KnownVector) {
    EXPECT_EQ(hmac_sha1_base64("key", "The quick brown fox jumps over the lazy dog"),
              "3nybhbi3iqa8ino29wqQcBydtNk=");
}

TEST(turn_credentials, HmacSha1Rfc2202TestCase2) {
    // RFC 2202 section 3, test case 2: effcdf6ae5eb2fa2d27416d5f184df9c259a7c79.
    EXPECT_EQ(hmac_sha1_base64("Jefe", "what do ya want for nothing?"), "7/zfauXrL6LSdBbV8YTfnCWafHk=");
}

TEST(turn_credentials, HmacSha1EmptyKeyAndMessage) {
    // fbdb1d1b18aa6c08324b7d64b71fb76370690e1d
    EXPECT_EQ(hmac_sha1_base64("", ""), "+9sdGxiqbAgyS31ktx+3Y3BpDh0=");
}

TEST(turn_credentials, HmacSha1KeyLongerThanABlock) {
    // RFC 2202 test case 6: key = 80 bytes of 0xaa,
    // digest aa4ae5e15272d00e95705637ce8a3b55ed402112.
    EXPECT_EQ(hmac_sha1_base64(std::string(80, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
              "qkrl4VJy0A6VcFY3zoo7Ve1AIRI=");
}

TEST(turn_credentials, CredentialForAFixedTime) {
    std::chrono::system_clock::time_point const now{std::chrono::seconds{1'700'000'000}};
    auto const c = make_turn_credential("s3cret", "peerA", now, 86400s);
    EXPECT_EQ(c.username, "1700086400:peerA");
    // base64(HMAC-SHA1("s3cret", "1700086400:peerA")), computed independently.
    EXPECT_EQ(c.credential, "dR5sjkvA3JRGiTSnUWpzcmOe9v4=");
    EXPECT_EQ(c.credential, hmac_sha1_base64("s3cret", c.username));
}

TEST(turn_credentials, ExpiryIsWholeSecondsAfterNowPlusTtl) {
    std::chrono::system_clock::time_point const now{std::chrono::seconds{1'700'000'000} + 999ms};
    auto const c = make_turn_credential("s3cret", "k3J_-x", now, 3600s);
    EXPECT_EQ(c.username, "1700003600:k3J_-x");
    EXPECT_EQ(c.credential, "I47rqC8jZnCd80ioxMIshddPCN0=");
}

TEST(turn_credentials, DifferentPeersAndSecretsGiveDifferentCredentials) {
    std::chrono::system_clock::time_point const now{std::chrono::seconds{1'700'000'000}};
    auto const a = make_turn_credential("s3cret", "a", now, 60s);
    auto const b = make_turn_credential("s3cret", "b", now, 60s);
    auto const other_secret = make_turn_credential("other", "a", now, 60s);
    EXPECT_EQ(a.username, "1700000060:a");
    EXPECT_EQ(b.username, "1700000060:b");
    EXPECT_NE(a.credential, b.credential);
    EXPECT_EQ(other_secret.username, a.username);
    EXPECT_NE(other_secret.credential, a.credential);
}

}  // namespace
}  // namespace duet::ice
