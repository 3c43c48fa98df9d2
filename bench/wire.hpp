#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace duet::bench {

/// The client side of PROTOCOL.md that the scenarios speak: requests as text, and
/// server messages parsed into one flat value. Pure functions.
std::string join_request(std::string_view room);
std::string leave_request(std::string_view room);
/// `data_json` must be one serialised JSON value; it is sent as written.
std::string relay_request(std::string_view room, std::string_view data_json);

/// One server message; members the message type does not have stay empty.
struct server_message {
    std::string type;
    std::string room;
    std::string id;      // joined, otherjoin, leaved, bye
    std::size_t peers = 0;  // joined
    std::string from;    // message
    nlohmann::json data;  // message
    std::string code;    // error
    std::string text;    // error: its `message`
};

/// nullopt when the text is not a JSON object with a string `type`.
std::optional<server_message> parse_server_message(std::string_view text);

/// A one-line account of an unexpected message for a failure report, e.g.
/// "error rate_limited (too many requests; slow down)". Never includes payloads.
std::string describe(server_message const& message);

/// The start of a relayed message as duetd writes it, up to and including `"data":`;
/// what follows is the sender's data as it sent it, then `}`.
std::string relay_prefix(std::string_view room, std::string_view from);

}  // namespace duet::bench
