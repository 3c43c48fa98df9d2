// net::client_limits: connection places and the handshake bucket per client address,
// and the bound on the memory it keeps.
#include <duet/net/client_limits.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace duet::net {
namespace {

using namespace std::chrono_literals;
using kind = client_limits::kind;
using clock = client_limits::clock;

client_address addr(std::string const& text) {
    return client_address(asio::ip::make_address(text));
}

client_limits::limits small() {
    return {.websockets = 2, .http_connections = 3, .handshakes_per_second = 1, .handshake_burst = 2};
}

class client_limits_test : public ::testing::Test {
protected:
    clock::time_point const t0 = clock::now();
    client_address const a = addr("198.51.100.1");
    client_address const b = addr("198.51.100.2");
};

TEST_F(client_limits_test, EachClientHasItsOwnConnectionPlaces) {
    client_limits limits(small(), 100);
    std::vector<client_limits::slot> held;
    for (int i = 0; i < 2; ++i) {
        auto slot = limits.try_acquire(kind::websocket, a, t0);
        ASSERT_TRUE(slot) << i;
        EXPECT_EQ(slot->client(), a);
        held.push_back(std::move(*slot));
    }
    EXPECT_FALSE(limits.try_acquire(kind::websocket, a, t0));
    // Another client, and the other kind for the same client, are not affected.
    auto other = limits.try_acquire(kind::websocket, b, t0);
    EXPECT_TRUE(other);
    auto http = limits.try_acquire(kind::http, a, t0);
    EXPECT_TRUE(http);
    EXPECT_EQ(limits.held(kind::websocket, a), 2U);
    EXPECT_EQ(limits.held(kind::http, a), 1U);
    // A place comes back when its slot goes.
    held.pop_back();
    EXPECT_EQ(limits.held(kind::websocket, a), 1U);
    EXPECT_TRUE(limits.try_acquire(kind::websocket, a, t0));
}

TEST_F(client_limits_test, HttpPlacesHaveTheirOwnLimit) {
    client_limits limits(small(), 100);
    std::vector<client_limits::slot> held;
    for (int i = 0; i < 3; ++i) {
        auto slot = limits.try_acquire(kind::http, a, t0);
        ASSERT_TRUE(slot) << i;
        held.push_back(std::move(*slot));
    }
    EXPECT_FALSE(limits.try_acquire(kind::http, a, t0));
    EXPECT_TRUE(limits.try_acquire(kind::http, b, t0));
}

TEST_F(client_limits_test, MovedSlotsGiveTheirPlaceBackOnce) {
    client_limits limits(small(), 100);
    {
        auto first = limits.try_acquire(kind::websocket, a, t0);
        ASSERT_TRUE(first);
        client_limits::slot moved(std::move(*first));
        auto second = limits.try_acquire(kind::websocket, a, t0);
        ASSERT_TRUE(second);
        moved = std::move(*second);  // gives the first place back, takes the second
        EXPECT_EQ(limits.held(kind::websocket, a), 1U);
    }
    EXPECT_EQ(limits.held(kind::websocket, a), 0U);
}

TEST_F(client_limits_test, HandshakeBucketRefillsAtItsRate) {
    client_limits limits(small(), 100);
    EXPECT_TRUE(limits.try_handshake(a, t0).allowed);
    EXPECT_TRUE(limits.try_handshake(a, t0).allowed);
    auto const refused = limits.try_handshake(a, t0);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 1s);
    // Another client has a bucket of its own.
    EXPECT_TRUE(limits.try_handshake(b, t0).allowed);
    // Half a second later half a token: still refused, and told to wait one more second.
    EXPECT_FALSE(limits.try_handshake(a, t0 + 500ms).allowed);
    EXPECT_TRUE(limits.try_handshake(a, t0 + 1001ms).allowed);
    EXPECT_FALSE(limits.try_handshake(a, t0 + 1001ms).allowed);
    // A long pause refills only up to the burst.
    EXPECT_TRUE(limits.try_handshake(a, t0 + 100s).allowed);
    EXPECT_TRUE(limits.try_handshake(a, t0 + 100s).allowed);
    EXPECT_FALSE(limits.try_handshake(a, t0 + 100s).allowed);
}

TEST_F(client_limits_test, RetryAfterSaysWhenTheNextTokenIsDue) {
    client_limits limits({.websockets = 1, .http_connections = 1, .handshakes_per_second = 0.1, .handshake_burst = 1},
                         100);
    EXPECT_TRUE(limits.try_handshake(a, t0).allowed);
    EXPECT_EQ(limits.try_handshake(a, t0).retry_after, 10s);
    EXPECT_EQ(limits.try_handshake(a, t0 + 2500ms).retry_after, 8s);  // 7.5 s, rounded up
}

TEST_F(client_limits_test, NewLimitsApplyToTheNextRequest) {
    client_limits limits(small(), 100);
    auto one = limits.try_acquire(kind::websocket, a, t0);
    auto two = limits.try_acquire(kind::websocket, a, t0);
    limits.set_limits({.websockets = 1, .http_connections = 3, .handshakes_per_second = 1, .handshake_burst = 1});
    EXPECT_FALSE(limits.try_acquire(kind::websocket, a, t0));
    // The bucket is capped at the new burst.
    EXPECT_TRUE(limits.try_handshake(b, t0).allowed);
    EXPECT_FALSE(limits.try_handshake(b, t0).allowed);
}

TEST_F(client_limits_test, AClientWithNothingLeftIsForgottenOnceItsBucketIsFull) {
    client_limits limits(small(), 100);
    {
        auto slot = limits.try_acquire(kind::http, a, t0);
        ASSERT_TRUE(limits.try_handshake(a, t0).allowed);
        EXPECT_EQ(limits.tracked(), 1U);
        EXPECT_EQ(limits.idle(), 0U);
    }
    // Idle, but its bucket is one token short for a second: remembered, or a client
    // could reconnect to get a fresh bucket.
    EXPECT_EQ(limits.tracked(), 1U);
    EXPECT_EQ(limits.idle(), 1U);
    limits.prune(t0 + 500ms);
    EXPECT_EQ(limits.tracked(), 1U);
    limits.prune(t0 + 1s);
    EXPECT_EQ(limits.tracked(), 0U);
    EXPECT_EQ(limits.idle(), 0U);
    EXPECT_EQ(limits.forgotten_early(), 0U);
}

TEST_F(client_limits_test, AClientThatComesBackIsNoLongerIdle) {
    client_limits limits(small(), 100);
    { auto slot = limits.try_acquire(kind::http, a, t0); }
    ASSERT_FALSE(limits.try_handshake(a, t0).allowed == false);  // a token taken while idle
    EXPECT_EQ(limits.idle(), 1U);
    auto again = limits.try_acquire(kind::websocket, a, t0);
    EXPECT_EQ(limits.idle(), 0U);
    limits.prune(t0 + 1h);
    EXPECT_EQ(limits.tracked(), 1U) << "a client holding a place was forgotten";
    // Its bucket was not reset by coming back.
    EXPECT_TRUE(limits.try_handshake(a, t0).allowed);
    EXPECT_FALSE(limits.try_handshake(a, t0).allowed);
}

TEST_F(client_limits_test, MemoryStaysBoundedUnderAddressChurn) {
    // A million addresses, each one connection and one handshake, all within one second:
    // no bucket refills, so only the bound on idle clients keeps the table small.
    std::size_t const max_idle = 1000;
    client_limits limits(small(), max_idle);
    for (std::uint32_t i = 0; i < 1'000'000; ++i) {
        auto const client = client_address(asio::ip::address_v4(0x0A000000U + i));
        auto slot = limits.try_acquire(kind::http, client, t0);
        ASSERT_TRUE(slot);
        ASSERT_TRUE(limits.try_handshake(client, t0).allowed);
        ASSERT_LE(limits.tracked(), max_idle + 1);
    }
    EXPECT_EQ(limits.tracked(), max_idle);
    EXPECT_EQ(limits.idle(), max_idle);
    EXPECT_EQ(limits.forgotten_early(), 1'000'000U - max_idle);
    // Once the buckets are full, nothing is kept at all.
    limits.prune(t0 + 10s);
    EXPECT_EQ(limits.tracked(), 0U);
}

TEST_F(client_limits_test, ClientsHoldingPlacesAreNeverForgotten) {
    std::size_t const max_idle = 10;
    client_limits limits(small(), max_idle);
    std::vector<client_limits::slot> held;
    for (std::uint32_t i = 0; i < 100; ++i) {
        auto slot = limits.try_acquire(kind::websocket, client_address(asio::ip::address_v4(0x0A000000U + i)), t0);
        ASSERT_TRUE(slot);
        held.push_back(std::move(*slot));
    }
    // Churn by others pushes only idle clients out.
    for (std::uint32_t i = 0; i < 1000; ++i) {
        auto const client = client_address(asio::ip::address_v4(0x0B000000U + i));
        ASSERT_TRUE(limits.try_handshake(client, t0).allowed);
    }
    EXPECT_EQ(limits.tracked(), 100U + max_idle);
    for (std::uint32_t i = 0; i < 100; ++i) {
        EXPECT_EQ(limits.held(kind::websocket, client_address(asio::ip::address_v4(0x0A000000U + i))), 1U);
    }
    held.clear();
    limits.prune(t0 + 1h);
    EXPECT_EQ(limits.tracked(), 0U);
}

TEST(client_address, Ipv4MappedIsIpv4) {
    EXPECT_EQ(addr("::ffff:192.0.2.1"), addr("192.0.2.1"));
    EXPECT_EQ(addr("::ffff:192.0.2.1").to_string(), "192.0.2.1");
    EXPECT_EQ(addr("2001:db8::1").to_string(), "2001:db8::1");
    EXPECT_FALSE(addr("::1") == addr("127.0.0.1"));
}

}  // namespace
}  // namespace duet::net
