#include <duet/protocol/error_code.hpp>

namespace duet::protocol {

std::string_view wire_name(error_code code) noexcept {
    switch (code) {
    case error_code::bad_json: return "bad_json";
    case error_code::bad_request: return "bad_request";
    case error_code::unknown_type: return "unknown_type";
    case error_code::invalid_room: return "invalid_room";
    case error_code::already_in_room: return "already_in_room";
    case error_code::not_in_room: return "not_in_room";
    case error_code::no_such_peer: return "no_such_peer";
    case error_code::rate_limited: return "rate_limited";
    case error_code::room_limit: return "room_limit";
    case error_code::unauthorized: return "unauthorized";
    case error_code::unavailable: return "unavailable";
    case error_code::bad_resume: return "bad_resume";
    case error_code::peer_unavailable: return "peer_unavailable";
    }
    return "unknown";
}

}  // namespace duet::protocol
