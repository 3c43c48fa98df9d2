#pragma once

#include <duet/protocol/error_code.hpp>

#include <optional>
#include <string>
#include <variant>

namespace duet::protocol {

/// `join`: enter a room.
struct join_request {
    std::string room;
};

/// `leave`: leave the room you are in.
struct leave_request {
    std::string room;
};

/// `message`: relay `data` to the other member(s) of your room, or only to `to`.
struct relay_request {
    std::string room;
    std::string data;  // the `data` value as JSON text, relayed as it is
    std::optional<std::string> to;
};

/// `ping`: application keepalive, answered with `pong`.
struct ping_request {};

using client_message = std::variant<join_request, leave_request, relay_request, ping_request>;

/// Why a request was refused: becomes an `error` message.
struct request_error {
    error_code code;
    std::string message;  // for people; clients branch on `code`
    std::string ref;      // the request's `type`, when it had one
};

}  // namespace duet::protocol
