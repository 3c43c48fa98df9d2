#include <duet/signaling/rate_limiter.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace duet::signaling {
namespace {

using namespace std::chrono_literals;
using clock_type = rate_limiter::clock;

// A fixed origin: the limiter is pure, so the tests never read a clock.
clock_type::time_point const epoch{std::chrono::hours(1000)};

/// How many requests succeed at `now` before the first refusal (stops at `cap`).
int take_all(rate_limiter& limiter, clock_type::time_point now, int cap = 1000) {
    int n = 0;
    while (n < cap && limiter.try_acquire(now)) {
        ++n;
    }
    return n;
}

TEST(rate_limiter, BurstThenRefusal) {
    rate_limiter limiter(10.0, 3.0, epoch);
    EXPECT_TRUE(limiter.try_acquire(epoch));
    EXPECT_TRUE(limiter.try_acquire(epoch));
    EXPECT_TRUE(limiter.try_acquire(epoch));
    EXPECT_FALSE(limiter.try_acquire(epoch));
    EXPECT_FALSE(limiter.try_acquire(epoch));
}

TEST(rate_limiter, RefillsAtTheRate) {
    rate_limiter limiter(10.0, 3.0, epoch);
    ASSERT_EQ(take_all(limiter, epoch), 3);
    // 10 per second: one token per 100 ms.
    EXPECT_FALSE(limiter.try_acquire(epoch + 50ms));
    EXPECT_TRUE(limiter.try_acquire(epoch + 100ms));
    EXPECT_FALSE(limiter.try_acquire(epoch + 100ms));
    EXPECT_EQ(take_all(limiter, epoch + 300ms), 2);
    EXPECT_EQ(take_all(limiter, epoch + 350ms), 0);
    EXPECT_EQ(take_all(limiter, epoch + 400ms), 1);
}

TEST(rate_limiter, FractionsOfATokenAccumulate) {
    rate_limiter limiter(10.0, 1.0, epoch);
    ASSERT_EQ(take_all(limiter, epoch), 1);
    EXPECT_FALSE(limiter.try_acquire(epoch + 40ms));
    EXPECT_FALSE(limiter.try_acquire(epoch + 80ms));
    EXPECT_TRUE(limiter.try_acquire(epoch + 100ms));
}

TEST(rate_limiter, SlowRate) {
    rate_limiter limiter(0.5, 2.0, epoch);
    ASSERT_EQ(take_all(limiter, epoch), 2);
    EXPECT_EQ(take_all(limiter, epoch + 1s), 0);
    EXPECT_EQ(take_all(limiter, epoch + 2s), 1);
    EXPECT_EQ(take_all(limiter, epoch + 5s), 1);
}

TEST(rate_limiter, NeverAboveBurst) {
    rate_limiter limiter(50.0, 5.0, epoch);
    EXPECT_EQ(take_all(limiter, epoch + 1h), 5);
    EXPECT_EQ(take_all(limiter, epoch + 2h), 5);
    // Idle time before the first request does not bank more than the burst either.
    rate_limiter fresh(50.0, 5.0, epoch);
    EXPECT_EQ(take_all(fresh, epoch + 24h), 5);
}

TEST(rate_limiter, SustainedRateMatchesPerSecond) {
    rate_limiter limiter(20.0, 1.0, epoch);
    int granted = 0;
    // One attempt every millisecond for 10 s: 20/s plus the initial token.
    for (int ms = 0; ms < 10'000; ++ms) {
        if (limiter.try_acquire(epoch + std::chrono::milliseconds(ms))) {
            ++granted;
        }
    }
    EXPECT_GE(granted, 200);
    EXPECT_LE(granted, 201);
}

TEST(rate_limiter, TimeGoingBackwardsAddsNoTokens) {
    rate_limiter limiter(10.0, 3.0, epoch);
    auto const t1 = epoch + 10s;
    ASSERT_EQ(take_all(limiter, t1), 3);
    EXPECT_FALSE(limiter.try_acquire(t1 - 5s));
    EXPECT_FALSE(limiter.try_acquire(epoch));
    EXPECT_FALSE(limiter.try_acquire(t1));
    // Had the clock step back been taken as the new reference, the step forward would
    // now refill the whole bucket; only 100 ms have passed since t1.
    EXPECT_EQ(take_all(limiter, t1 + 100ms), 1);
}

TEST(rate_limiter, TimeGoingBackwardsTakesNoTokens) {
    rate_limiter limiter(10.0, 3.0, epoch);
    // A step back neither refills nor drains: the bucket still holds what it held.
    EXPECT_EQ(take_all(limiter, epoch - 1h, 1), 1);
    EXPECT_EQ(take_all(limiter, epoch), 2);
}

}  // namespace
}  // namespace duet::signaling
