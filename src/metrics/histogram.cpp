#include <duet/metrics/histogram.hpp>

#include <algorithm>
#include <stdexcept>

namespace duet::metrics {
namespace {

// Seconds. A first member waits from moments (the other had the link) to a meeting's
// late arrival; calls run from a ringing test to an afternoon; a held seat comes back
// within the lease (20 s by default, at most an hour).
constexpr std::array<double, 11> partner_wait_bounds{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400};
constexpr std::array<double, 11> call_duration_bounds{10, 30, 60, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200};
constexpr std::array<double, 12> lease_down_bounds{0.25, 0.5, 1, 2, 3, 5, 10, 15, 20, 30, 60, 300};

}  // namespace

histogram::histogram(std::span<double const> upper_bounds) {
    if (upper_bounds.size() > max_buckets || !std::is_sorted(upper_bounds.begin(), upper_bounds.end())) {
        throw std::invalid_argument("histogram: at most 16 ascending bounds");
    }
    std::copy(upper_bounds.begin(), upper_bounds.end(), bounds_.begin());
    bound_count_ = upper_bounds.size();
}

void histogram::observe(std::chrono::nanoseconds d) noexcept {
    auto const seconds = std::chrono::duration<double>(d).count();
    auto const bounds = upper_bounds();
    // Prometheus buckets are `le`: an observation equal to a bound belongs to it.
    auto const i = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    auto const micros = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    sum_micros_.fetch_add(micros > 0 ? static_cast<std::uint64_t>(micros) : 0, std::memory_order_relaxed);
}

std::uint64_t histogram::count() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bound_count_; ++i) {
        total += bucket(i);
    }
    return total;
}

double histogram::sum_seconds() const noexcept {
    return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

call_timings::call_timings()
    : partner_wait(partner_wait_bounds), call_duration(call_duration_bounds), lease_down(lease_down_bounds) {}

// 100 us on loopback to a second over a congested link.
constexpr std::array<double, 10> redis_round_trip_bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                            0.005,  0.01,    0.05,   0.25,  1.0};

cluster_timings::cluster_timings() : redis_round_trip(redis_round_trip_bounds) {}

}  // namespace duet::metrics
