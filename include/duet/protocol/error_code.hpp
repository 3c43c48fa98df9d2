#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace duet::protocol {

/// The error codes of docs/protocol.md rule 9, carried in `error` messages as `code`.
enum class error_code : std::size_t {
    bad_json,
    bad_request,
    unknown_type,
    invalid_room,
    already_in_room,
    not_in_room,
    no_such_peer,
    rate_limited,
    room_limit,
    unauthorized,  // 1.1, rule 14: the join's token is missing or not valid
    unavailable,   // 1.1: a store the daemon needs cannot take the request now; try later
    bad_resume,        // 1.1, rule 12: the join's `resume` is unknown, spent, expired or for another room
    peer_unavailable,  // 1.1, rule 12: a held member's keep is full; the message was not kept for it
};

inline constexpr std::size_t error_code_count = 13;

/// Every code, in declaration order (for metrics and tests).
inline constexpr std::array<error_code, error_code_count> all_error_codes{
    error_code::bad_json,        error_code::bad_request, error_code::unknown_type,
    error_code::invalid_room,    error_code::already_in_room, error_code::not_in_room,
    error_code::no_such_peer,    error_code::rate_limited, error_code::room_limit,
    error_code::unauthorized,    error_code::unavailable,     error_code::bad_resume,
    error_code::peer_unavailable,
};

/// The code as it is spelled on the wire, e.g. "bad_json".
std::string_view wire_name(error_code code) noexcept;

}  // namespace duet::protocol
