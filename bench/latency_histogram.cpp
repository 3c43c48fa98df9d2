#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace duet::bench {

std::size_t latency_histogram::index_of(std::uint64_t value) {
    if (value < linear) {
        return value;  // size_t is 64 bits on the platforms duet targets
    }
    // msb >= sub_bits + 1; keep the top sub_bits + 1 bits: a mantissa in [128, 256).
    auto const msb = static_cast<unsigned>(std::bit_width(value)) - 1u;
    auto const shift = msb - sub_bits;
    std::size_t const mantissa = value >> shift;
    return linear + (msb - (sub_bits + 1)) * per_octave + (mantissa - per_octave);
}

double latency_histogram::value_of(std::size_t index) {
    if (index < linear) {
        return static_cast<double>(index);
    }
    auto const octave = (index - linear) / per_octave;
    auto const mantissa = per_octave + (index - linear) % per_octave;
    auto const shift = static_cast<int>(octave) + 1;
    double const low = std::ldexp(static_cast<double>(mantissa), shift);
    double const width = std::ldexp(1.0, shift);
    return low + width / 2;
}

void latency_histogram::record(std::int64_t nanoseconds) {
    auto const value = std::max<std::int64_t>(nanoseconds, 0);
    ++buckets_[index_of(static_cast<std::uint64_t>(value))];
    min_ = count_ == 0 ? value : std::min(min_, value);
    max_ = std::max(max_, value);
    sum_ += static_cast<long double>(value);
    ++count_;
}

double latency_histogram::percentile_ns(double fraction) const {
    if (count_ == 0) {
        return 0;
    }
    // The rank of the sample asked for, 1-based: p99 of 1,000 samples is the 990th.
    auto const wanted = std::clamp(std::ceil(fraction * static_cast<double>(count_)), 1.0,
                                   static_cast<double>(count_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (static_cast<double>(seen) >= wanted) {
            // Never report outside what was seen.
            return std::clamp(value_of(i), static_cast<double>(min_), static_cast<double>(max_));
        }
    }
    return static_cast<double>(max_);
}

double latency_histogram::mean_ns() const {
    return count_ == 0 ? 0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

}  // namespace duet::bench
