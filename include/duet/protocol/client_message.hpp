#pragma once

#include <duet/protocol/error_code.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace duet::protocol {

// The requests are views, so parsing a frame copies nothing. Each view points into
// the frame's text, or, for a JSON string that had escapes, into decoded storage
// owned by the parse_result (codec.hpp): it stays valid while both the text and that
// parse_result (or a copy or move of it) live.

/// `join`: enter a room, with a join token when the daemon asks for one (rule 14), or
/// take a held seat back with its `resume` secret (rule 12).
struct join_request {
    std::string_view room;
    std::optional<std::string_view> token;
    // As written between the quotes: a secret is [A-Za-z0-9_-], so one written with
    // escapes matches no seat and gets bad_resume.
    std::optional<std::string_view> resume;
};

/// `leave`: leave the room you are in.
struct leave_request {
    std::string_view room;
};

/// `message`: relay `data` to the other member(s) of your room, or only to `to`.
struct relay_request {
    std::string_view room;
    std::string_view data;  // the `data` value's JSON text as the sender wrote it, relayed as it is
    std::optional<std::string_view> to;
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
