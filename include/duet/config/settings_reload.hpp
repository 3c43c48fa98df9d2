#pragma once

#include <duet/config/settings.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace duet::config {

/// What a reload (SIGHUP) did: the settings it changed, and those that differ in the
/// file but only take effect after a restart (the running values stay).
struct reload_result {
    std::vector<std::string> changed;
    std::vector<std::string> need_restart;
};

/// Settings a reload cannot change: the listening socket (address, port), what was
/// read or sized at start (public_dir, threads, room_capacity, max_rooms, the
/// connection limits, fitted to the open-files limit at start, and max_spent_tokens).
bool needs_restart(std::string_view setting);

/// Copies into `running` every setting of `loaded` that can change without dropping a
/// call (limits, keepalive, allowed_origins, ICE servers and TURN secret, join secrets and
/// require_token, logging), on
/// the event-loop thread, which is the only one that reads them. A limit applies from
/// its next use: connections opened after the reload get the new message size limit,
/// every connection the new keepalive at its next ping, every join the new ICE servers.
reload_result apply_reload(settings& running, settings const& loaded);

}  // namespace duet::config
