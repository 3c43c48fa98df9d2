// metrics::histogram: `le` buckets (a value on a bound belongs to it), the +Inf bucket,
// the sum in seconds, bounds it refuses; and the call_timings bounds are sane.
#include <duet/metrics/histogram.hpp>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <vector>

namespace duet::metrics {
namespace {

using namespace std::chrono_literals;

TEST(histogram, EachObservationLandsInTheFirstBucketItFits) {
    std::array<double, 3> const bounds{1, 5, 15};
    histogram h(bounds);
    h.observe(0ms);
    h.observe(1s);       // on a bound: that bucket
    h.observe(1001ms);   // just above: the next
    h.observe(15s);
    h.observe(16s);      // above every bound: +Inf
    h.observe(2h);
    EXPECT_EQ(h.bucket(0), 2U);
    EXPECT_EQ(h.bucket(1), 1U);
    EXPECT_EQ(h.bucket(2), 1U);
    EXPECT_EQ(h.bucket(3), 2U);
    EXPECT_EQ(h.count(), 6U);
    EXPECT_DOUBLE_EQ(h.sum_seconds(), 0 + 1 + 1.001 + 15 + 16 + 7200);
}

TEST(histogram, ANegativeDurationCountsAsZero) {
    std::array<double, 1> const bounds{1};
    histogram h(bounds);
    h.observe(-5s);  // a clock that went back must not wrap the sum
    EXPECT_EQ(h.bucket(0), 1U);
    EXPECT_EQ(h.sum_seconds(), 0.0);
}

TEST(histogram, RefusesUnsortedOrTooManyBounds) {
    std::array<double, 2> const unsorted{5, 1};
    EXPECT_THROW(histogram{unsorted}, std::invalid_argument);
    std::vector<double> too_many(histogram::max_buckets + 1);
    for (std::size_t i = 0; i < too_many.size(); ++i) {
        too_many[i] = static_cast<double>(i + 1);
    }
    EXPECT_THROW(histogram{too_many}, std::invalid_argument);
}

TEST(call_timings, EachHistogramCoversTheDefaultLease) {
    call_timings const t;
    // A resume inside the default 20 s lease falls in a finite bucket, not +Inf.
    EXPECT_GE(t.lease_down.upper_bounds().back(), 20.0);
    EXPECT_GE(t.partner_wait.upper_bounds().back(), 3600.0);
    EXPECT_GE(t.call_duration.upper_bounds().back(), 3600.0);
}

}  // namespace
}  // namespace duet::metrics
