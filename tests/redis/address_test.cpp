#include <duet/redis/address.hpp>

#include <gtest/gtest.h>

namespace duet::redis {
namespace {

address parsed(std::string_view url) {
    auto result = parse_address(url);
    if (auto const* why = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << url << " was refused: " << *why;
        return {};
    }
    return std::get<address>(result);
}

std::string refusal(std::string_view url) {
    auto result = parse_address(url);
    if (std::holds_alternative<address>(result)) {
        ADD_FAILURE() << url << " was accepted";
        return {};
    }
    return std::get<std::string>(result);
}

TEST(redis_address, host_alone_takes_the_default_port_and_db) {
    auto a = parsed("redis://localhost");
    EXPECT_EQ(a.kind, address::transport::tcp);
    EXPECT_EQ(a.host, "localhost");
    EXPECT_EQ(a.port, 6379);
    EXPECT_EQ(a.db, 0);
    EXPECT_TRUE(a.password.empty());
    EXPECT_TRUE(a.user.empty());
}

TEST(redis_address, password_port_and_db) {
    auto a = parsed("redis://:s3cret@10.0.0.5:6380/2");
    EXPECT_EQ(a.host, "10.0.0.5");
    EXPECT_EQ(a.port, 6380);
    EXPECT_EQ(a.db, 2);
    EXPECT_EQ(a.password, "s3cret");
    EXPECT_TRUE(a.user.empty());
}

TEST(redis_address, user_and_password) {
    auto a = parsed("redis://alice:pw@cache.internal:7000/0");
    EXPECT_EQ(a.user, "alice");
    EXPECT_EQ(a.password, "pw");
    EXPECT_EQ(a.host, "cache.internal");
    EXPECT_EQ(a.port, 7000);
}

TEST(redis_address, password_without_colon_is_a_password) {
    EXPECT_EQ(parsed("redis://pw@h").password, "pw");
}

TEST(redis_address, percent_encoded_password_may_hold_at_colon_and_slash) {
    EXPECT_EQ(parsed("redis://:p%40ss%3Aw%2Fd@h:1/3").password, "p@ss:w/d");
}

TEST(redis_address, ipv6_host_in_brackets) {
    auto a = parsed("redis://[::1]:7001/4");
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, 7001);
    EXPECT_EQ(a.db, 4);
    EXPECT_EQ(parsed("redis://[::1]").port, 6379);
}

TEST(redis_address, trailing_slash_means_db_0) {
    EXPECT_EQ(parsed("redis://h:1/").db, 0);
}

TEST(redis_address, unix_socket_with_db) {
    auto a = parsed("unix:///run/redis/redis.sock?db=4");
    EXPECT_EQ(a.kind, address::transport::unix_socket);
    EXPECT_EQ(a.path, "/run/redis/redis.sock");
    EXPECT_EQ(a.db, 4);
}

TEST(redis_address, redis_plus_unix_scheme) {
    auto a = parsed("redis+unix:///tmp/r.sock");
    EXPECT_EQ(a.kind, address::transport::unix_socket);
    EXPECT_EQ(a.path, "/tmp/r.sock");
    EXPECT_EQ(a.db, 0);
}

TEST(redis_address, unix_socket_password_as_userinfo_or_parameter) {
    auto a = parsed("unix://:pw@/tmp/r.sock?db=1");
    EXPECT_EQ(a.password, "pw");
    EXPECT_EQ(a.path, "/tmp/r.sock");
    EXPECT_EQ(a.db, 1);
    auto b = parsed("unix:///tmp/r.sock?password=p%26w&db=2");
    EXPECT_EQ(b.password, "p&w");
    EXPECT_EQ(b.db, 2);
}

struct bad_url {
    char const* url;
    char const* says;  // a word the refusal must contain
};

class redis_address_refused : public ::testing::TestWithParam<bad_url> {};

TEST_P(redis_address_refused, with_a_reason) {
    auto why = refusal(GetParam().url);
    EXPECT_NE(why.find(GetParam().says), std::string::npos) << GetParam().url << " -> " << why;
}

INSTANTIATE_TEST_SUITE_P(
    all, redis_address_refused,
    ::testing::Values(bad_url{"http://h:6379", "not a Redis URL"}, bad_url{"", "not a Redis URL"},
                      bad_url{"redis://", "no host"}, bad_url{"redis://:pw@:6379", "no host"},
                      bad_url{"redis://h:0", "port"}, bad_url{"redis://h:65536", "port"},
                      bad_url{"redis://h:abc", "port"}, bad_url{"redis://h:", "empty port"},
                      bad_url{"redis://h:1/x", "database"}, bad_url{"redis://h:1/-1", "database"},
                      bad_url{"redis://[::1", "IPv6"}, bad_url{"redis://[::1]x", "IPv6"},
                      bad_url{"redis://:%zz@h", "percent"}, bad_url{"redis://:%4@h", "percent"},
                      bad_url{"rediss://h", "TLS"}, bad_url{"unix://relative.sock", "absolute path"},
                      bad_url{"unix://", "absolute path"}, bad_url{"unix:///", "socket path"},
                      bad_url{"unix:///s.sock?db=x", "database"}, bad_url{"unix:///s.sock?tls=1", "unknown parameter"}));

TEST(redis_address, to_string_never_shows_the_password) {
    auto a = parsed("redis://alice:hunter2@h:1/2");
    EXPECT_EQ(to_string(a), "redis://alice:***@h:1/2");
    EXPECT_EQ(to_string(parsed("redis://:hunter2@h")), "redis://:***@h:6379");
    EXPECT_EQ(to_string(parsed("unix://:hunter2@/tmp/r.sock?db=3")), "unix://:***@/tmp/r.sock?db=3");
    EXPECT_EQ(to_string(parsed("redis://[::1]:5")), "redis://[::1]:5");
    EXPECT_EQ(to_string(parsed("unix:///tmp/r.sock")), "unix:///tmp/r.sock");
}

TEST(redis_address, refusals_never_repeat_the_password) {
    for (auto url : {"redis://:hunter2@h:99999", "redis://:hunter2@h/x", "redis://:hunter2@", "unix:///s?password=hunter2&x=1"})
        EXPECT_EQ(refusal(url).find("hunter2"), std::string::npos) << url;
}

}  // namespace
}  // namespace duet::redis
