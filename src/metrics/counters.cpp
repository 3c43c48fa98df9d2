#include <duet/metrics/counters.hpp>

namespace duet::metrics {

std::string_view label(close_reason reason) noexcept {
    switch (reason) {
    case close_reason::client_closed: return "client_closed";
    case close_reason::disconnected: return "disconnected";
    case close_reason::shutdown: return "shutdown";
    case close_reason::idle_timeout: return "idle_timeout";
    case close_reason::slow_consumer: return "slow_consumer";
    case close_reason::violations: return "violations";
    case close_reason::too_big: return "too_big";
    case close_reason::binary_frame: return "binary_frame";
    case close_reason::replaced: return "replaced";
    }
    return "unknown";
}

}  // namespace duet::metrics
