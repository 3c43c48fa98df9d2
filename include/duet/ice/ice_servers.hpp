#pragma once

#include <duet/config/settings.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace duet::ice {

/// The `iceServers` array of `joined`, in the browser's RTCIceServer form, encoded as
/// JSON text. STUN URLs form one entry without credentials; TURN URLs form one entry
/// with a fresh time-limited credential for this peer when `turn_secret` is set, or the
/// static `turn_username`/`turn_credential` otherwise. Pure.
std::string ice_servers_json(config::settings const& s, std::string_view peer_id,
                             std::chrono::system_clock::time_point now);

}  // namespace duet::ice
