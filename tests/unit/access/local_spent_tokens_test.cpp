// access::local_spent_tokens: a once token's jti is claimed once, given back by a
// refused join, forgotten after its time, and at the bound new claims are refused
// rather than old ones forgotten.
#include <duet/access/local_spent_tokens.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace duet::access {
namespace {

using namespace std::chrono_literals;
using status = spent_tokens::claim_status;
using clock = spent_tokens::clock;

struct fixture {
    clock::time_point now = clock::time_point(1'700'000'000s);
    local_spent_tokens store;

    explicit fixture(std::size_t max) : store(max, [this] { return now; }) {}

    std::optional<status> claim(std::string const& jti, clock::duration kept_for = 60s) {
        std::optional<status> got;
        int calls = 0;
        store.claim(jti, now + kept_for, [&](status s) {
            got = s;
            ++calls;
        });
        EXPECT_EQ(calls, 1) << "the local store completes every claim before returning, exactly once";
        return got;
    }
};

TEST(local_spent_tokens, SecondClaimIsAlreadyUsed) {
    fixture f(10);
    EXPECT_EQ(f.claim("a"), status::claimed);
    EXPECT_EQ(f.claim("a"), status::already_used);
    EXPECT_EQ(f.claim("b"), status::claimed);
    EXPECT_EQ(f.store.size(), 2U);
}

TEST(local_spent_tokens, ReleasedClaimCanBeClaimedAgain) {
    fixture f(10);
    EXPECT_EQ(f.claim("a"), status::claimed);
    f.store.release("a");
    EXPECT_EQ(f.store.size(), 0U);
    EXPECT_EQ(f.claim("a"), status::claimed);
    f.store.release("never-claimed");  // nothing happens
    EXPECT_EQ(f.store.size(), 1U);
}

TEST(local_spent_tokens, ForgottenAfterItsTime) {
    fixture f(10);
    EXPECT_EQ(f.claim("a", 60s), status::claimed);
    f.now += 59s;
    EXPECT_EQ(f.claim("a"), status::already_used);
    f.now += 1s;
    EXPECT_EQ(f.claim("a"), status::claimed);
}

TEST(local_spent_tokens, AtTheBoundNewClaimsAreRefusedNotOldOnesForgotten) {
    fixture f(2);
    EXPECT_EQ(f.claim("a", 60s), status::claimed);
    EXPECT_EQ(f.claim("b", 120s), status::claimed);
    EXPECT_EQ(f.claim("c"), status::full);
    // The spent ones are still spent.
    EXPECT_EQ(f.claim("a"), status::already_used);
    EXPECT_EQ(f.claim("b"), status::already_used);
    // Once "a" expires, there is room again.
    f.now += 60s;
    EXPECT_EQ(f.claim("c"), status::claimed);
    EXPECT_EQ(f.claim("d"), status::full);
}

TEST(local_spent_tokens, ReleaseKeepsTheExpiryIndexRight) {
    fixture f(10);
    // Same expiry for three: releasing the middle one must not drop the others.
    EXPECT_EQ(f.claim("a", 60s), status::claimed);
    EXPECT_EQ(f.claim("b", 60s), status::claimed);
    EXPECT_EQ(f.claim("c", 60s), status::claimed);
    f.store.release("b");
    EXPECT_EQ(f.claim("a"), status::already_used);
    EXPECT_EQ(f.claim("c"), status::already_used);
    f.now += 61s;
    EXPECT_EQ(f.claim("z"), status::claimed);
    EXPECT_EQ(f.store.size(), 1U);
}

}  // namespace
}  // namespace duet::access
