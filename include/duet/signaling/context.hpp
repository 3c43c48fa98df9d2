#pragma once

#include <duet/access/spent_tokens.hpp>
#include <duet/config/settings.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/rooms/room_registry.hpp>

namespace duet::signaling {

/// What every connection's rules share: the settings, the rooms, the counters and the
/// spent once-tokens. Owned by app::server, which outlives every connection.
struct context {
    config::settings const& settings;
    rooms::room_registry& rooms;
    metrics::counters& counters;
    access::spent_tokens& spent_tokens;
};

}  // namespace duet::signaling
