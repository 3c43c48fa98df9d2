#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace duet::bench {

/// Durations in nanoseconds in log-linear buckets (HdrHistogram's idea): exact below
/// 256 ns, then 128 buckets per power of two, so a percentile is within 0.8% of the
/// true value whatever the count, in fixed memory (about 60 KB). Not thread-safe;
/// the benchmark records from its single thread.
class latency_histogram {
public:
    void record(std::int64_t nanoseconds);

    std::uint64_t count() const { return count_; }
    /// The value below which `fraction` (0..1) of the samples lie; 0 when empty.
    double percentile_ns(double fraction) const;
    double mean_ns() const;
    std::int64_t min_ns() const { return count_ == 0 ? 0 : min_; }
    std::int64_t max_ns() const { return max_; }

private:
    static constexpr unsigned sub_bits = 7;
    static constexpr std::size_t linear = std::size_t{1} << (sub_bits + 1);  // 256 exact buckets
    static constexpr std::size_t per_octave = std::size_t{1} << sub_bits;    // then 128 per power of two
    static constexpr std::size_t bucket_count = linear + (64 - (sub_bits + 1)) * per_octave;

    static std::size_t index_of(std::uint64_t value);
    /// The middle of the bucket's range of values.
    static double value_of(std::size_t index);

    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    long double sum_ = 0;
    std::int64_t min_ = 0;
    std::int64_t max_ = 0;
};

}  // namespace duet::bench
