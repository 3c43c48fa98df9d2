#pragma once

#include <chrono>

namespace duet::signaling {

/// A token bucket (docs/protocol.md rule 8): `burst` tokens at most, refilled at
/// `per_second`; each request takes one. Pure: the caller passes the time, so tests
/// need no clock. Owned by one connection.
class rate_limiter {
public:
    using clock = std::chrono::steady_clock;

    rate_limiter(double per_second, double burst, clock::time_point now);

    /// Takes a token if one is there; false means the request is over the limit.
    bool try_acquire(clock::time_point now);

private:
    double const per_second_;
    double const burst_;
    double tokens_;
    clock::time_point last_;
};

}  // namespace duet::signaling
