#pragma once

#include <duet/protocol/client_message.hpp>

#include <memory>
#include <optional>
#include <string_view>

namespace duet::protocol {

/// The outcome of parsing one text frame: a message, or the error to answer with.
struct parse_result {
    std::optional<client_message> message;
    request_error error{};  // meaningful only when !message
    // The decoded text of the strings that had escapes, which `message` views. Null
    // for almost every frame. Shared and on the heap, so the views stay valid when the
    // result is moved or copied.
    std::shared_ptr<char const[]> decoded;

    explicit operator bool() const noexcept { return message.has_value(); }
};

/// Parses and validates one client frame (pure; throws nothing but std::bad_alloc).
/// The message's views point into `text` (or into the result's `decoded`),
/// so `text` must outlive their use. Checks, in order: bad_json (not JSON, not an
/// object, no string `type`), unknown_type, bad_request (a member missing or of the
/// wrong type), invalid_room (the room-name rule). Members not listed in docs/protocol.md
/// are ignored. One scan of the frame, linear in its length whatever its content; an
/// accepted frame allocates nothing unless a string the message views had escapes.
parse_result parse_client_message(std::string_view text);

}  // namespace duet::protocol
