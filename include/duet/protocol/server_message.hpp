#pragma once

#include <duet/protocol/client_message.hpp>
#include <duet/protocol/role.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace duet::protocol {

/// Builders for the server-to-client messages of docs/protocol.md. Each returns the frame
/// text, ready to send; a frame relayed to several peers is encoded once and shared.
/// Room names and peer ids are validated before they get here, so they need no escaping.

/// What version 1.1 adds to `joined` (rules 12, 13); each member is left out of the
/// frame when it is empty, `none` or false, so a 1.0 answer stays byte for byte 1.0.
struct joined_extras {
    role seat_role = role::none;
    std::string_view resume;  // the secret that takes this seat back
    bool resumed = false;     // this `joined` answers a resume
};

/// `joined`; `ice_servers_json` is the encoded `iceServers` array for this peer.
std::string encode_joined(std::string_view room, std::string_view id, std::size_t peers,
                          std::string_view ice_servers_json, joined_extras const& extras = {});
std::string encode_otherjoin(std::string_view room, std::string_view id);
std::string encode_full(std::string_view room);
std::string encode_leaved(std::string_view room, std::string_view id);
std::string encode_bye(std::string_view room, std::string_view id);
/// Rule 12: `peerdown` and `peerup` about another member's held seat.
std::string encode_peerdown(std::string_view room, std::string_view id);
std::string encode_peerup(std::string_view room, std::string_view id);
/// `message`; `data_json` is the sender's `data` as JSON text, spliced in unchanged.
std::string encode_relay(std::string_view room, std::string_view from, std::string_view data_json);
/// The same into `out` (replacing its text, keeping its capacity): a sender encodes each
/// relay into one buffer it reuses, so relaying allocates nothing in the steady state.
void encode_relay_into(std::string& out, std::string_view room, std::string_view from, std::string_view data_json);
std::string encode_pong();
std::string encode_error(request_error const& error);

}  // namespace duet::protocol
