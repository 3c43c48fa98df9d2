#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace duet::metrics {

/// A Prometheus histogram of durations with fixed bucket bounds (seconds). Updated on
/// the event loop, read by a scrape on any thread: relaxed atomics, as the counters.
/// Each bucket counts only its own observations; the exposition adds them up into
/// Prometheus's cumulative `le` buckets.
class histogram {
public:
    static constexpr std::size_t max_buckets = 16;

    /// `upper_bounds`: ascending, at most max_buckets; +Inf is implied.
    explicit histogram(std::span<double const> upper_bounds);

    void observe(std::chrono::nanoseconds d) noexcept;

    std::span<double const> upper_bounds() const noexcept { return {bounds_.data(), bound_count_}; }
    /// Observations in bucket `i` alone (i == upper_bounds().size(): above the last bound).
    std::uint64_t bucket(std::size_t i) const noexcept { return buckets_[i].load(std::memory_order_relaxed); }
    /// The buckets' total, so that a scrape racing an observation still sees +Inf == count.
    std::uint64_t count() const noexcept;
    double sum_seconds() const noexcept;

private:
    std::array<double, max_buckets> bounds_{};
    std::size_t bound_count_ = 0;
    std::array<std::atomic<std::uint64_t>, max_buckets + 1> buckets_{};
    std::atomic<std::uint64_t> sum_micros_{0};  // an integer sum needs no CAS loop
};

/// The shape of calls (issue 12, item 4), without room names: one histogram each.
struct call_timings {
    call_timings();

    /// How long a member alone in its room waited for a second one (observed when the
    /// second arrives; a wait that ends with the room closing is not a call).
    histogram partner_wait;
    /// How long a room held two members or more (observed when it drops below two; a
    /// held seat still counts, so a call that resumed is one call).
    histogram call_duration;
    /// How long a held seat stayed down before its resume (rule 12).
    histogram lease_down;
};

/// A cluster node's round trips to Redis (docs/cluster.md): every script, from send to
/// answer, so an operator sees what a cross-node message or a join costs in waiting.
struct cluster_timings {
    cluster_timings();

    histogram redis_round_trip;
};

}  // namespace duet::metrics
