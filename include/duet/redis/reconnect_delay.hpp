#pragma once

#include <chrono>

namespace duet::redis {

/// How long an owner waits before creating a new connection after one was lost or
/// failed to connect: `first`, doubled after each failure up to `ceiling`, back to
/// `first` after a success. A connection never reconnects by itself; this is the small
/// piece of the owner's loop that is worth sharing. A pure value.
class reconnect_delay {
public:
    using duration = std::chrono::milliseconds;

    explicit reconnect_delay(duration first = duration(100), duration ceiling = std::chrono::seconds(5))
        : first_(first), ceiling_(ceiling < first ? first : ceiling), next_(first) {}

    /// The delay before the next attempt; each call doubles the one after it.
    duration next() noexcept {
        auto now = next_;
        next_ = next_ > ceiling_ / 2 ? ceiling_ : next_ * 2;
        return now;
    }

    /// After a connect that succeeded.
    void reset() noexcept { next_ = first_; }

private:
    duration first_;
    duration ceiling_;
    duration next_;
};

}  // namespace duet::redis
