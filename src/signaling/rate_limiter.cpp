#include <duet/signaling/rate_limiter.hpp>

#include <algorithm>

namespace duet::signaling {

rate_limiter::rate_limiter(double per_second, double burst, clock::time_point now)
    : per_second_(per_second), burst_(burst), tokens_(burst), last_(now) {}

bool rate_limiter::try_acquire(clock::time_point now) {
    if (now > last_) {
        double const elapsed = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
        last_ = now;
    }
    if (tokens_ < 1.0) {
        return false;
    }
    tokens_ -= 1.0;
    return true;
}

}  // namespace duet::signaling
