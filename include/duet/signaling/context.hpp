#pragma once

#include <duet/access/spent_tokens.hpp>
#include <duet/config/join_secrets.hpp>
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
    /// settings.join_secrets split into names and keys: once per start or reload, not
    /// once per join.
    std::vector<config::join_secret> const& join_secrets;
};

}  // namespace duet::signaling
