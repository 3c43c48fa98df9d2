#pragma once

#include <duet/protocol/client_message.hpp>

#include <optional>
#include <string_view>

namespace duet::protocol {

/// The outcome of parsing one text frame: a message, or the error to answer with.
struct parse_result {
    std::optional<client_message> message;
    request_error error{};  // meaningful only when !message

    explicit operator bool() const noexcept { return message.has_value(); }
};

/// Parses and validates one client frame (pure; never throws). Checks, in order:
/// bad_json (not JSON, not an object, no string `type`), unknown_type, bad_request (a
/// member missing or of the wrong type), invalid_room (the room-name rule). Members
/// not listed in PROTOCOL.md are ignored.
parse_result parse_client_message(std::string_view text);

}  // namespace duet::protocol
