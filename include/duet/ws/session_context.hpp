#pragma once

#include <duet/config/settings.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/net/session_tracker.hpp>
#include <duet/signaling/context.hpp>

namespace duet::ws {

/// What every WebSocket session shares. Owned by app::server, which outlives them all.
struct session_context {
    config::settings const& settings;
    signaling::context const& signaling;
    metrics::counters& counters;
    net::session_tracker& tracker;
};

}  // namespace duet::ws
