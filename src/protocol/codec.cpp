#include <duet/protocol/codec.hpp>

#include <duet/protocol/identifiers.hpp>
#include <duet/protocol/json_scan.hpp>

#include <string>

namespace duet::protocol {
namespace {

// The unknown `type` is echoed back in `ref`; cap it so a client cannot make the
// daemon echo large strings.
constexpr std::size_t max_ref_length = 64;

parse_result refuse(error_code code, std::string message, std::string_view ref = {}) {
    parse_result r;
    r.error = request_error{code, std::move(message), std::string(ref.substr(0, max_ref_length))};
    return r;
}

parse_result accept(client_message message) {
    parse_result r;
    r.message = std::move(message);
    return r;
}

/// Reads the `room` member of a join, leave or message request.
std::optional<parse_result> read_room(scanned_frame const& frame, std::string_view type, std::string& room) {
    auto const* member = find_member(frame, "room");
    if (member == nullptr) {
        return refuse(error_code::bad_request, "'room' is missing", type);
    }
    if (member->kind != json_kind::string) {
        return refuse(error_code::bad_request, "'room' must be a string", type);
    }
    room = decode_string_token(member->value);
    if (!is_valid_room_name(room)) {
        return refuse(error_code::invalid_room, "a room name is 1 to 64 characters of A-Z a-z 0-9 _ . ~ -",
                      type);
    }
    return std::nullopt;
}

parse_result parse_relay(scanned_frame const& frame) {
    static constexpr std::string_view type = "message";
    relay_request request;
    // Member types first (bad_request), the room-name rule after (invalid_room).
    auto const* data = find_member(frame, "data");
    if (data == nullptr) {
        return refuse(error_code::bad_request, "'data' is missing", type);
    }
    auto const* to = find_member(frame, "to");
    if (to != nullptr && to->kind != json_kind::string) {
        return refuse(error_code::bad_request, "'to' must be a string (a peer id)", type);
    }
    if (auto refused = read_room(frame, type, request.room)) {
        return std::move(*refused);
    }
    if (to != nullptr) {
        request.to = decode_string_token(to->value);
    }
    // Relay the sender's own text of `data`, not a re-serialisation (rule 5).
    request.data = std::string(data->value);
    return accept(std::move(request));
}

}  // namespace

parse_result parse_client_message(std::string_view text) {
    // One validating pass that builds no tree: routing needs three short strings, and
    // `data` (an SDP, say) is relayed as the sender wrote it.
    auto const frame = scan_json(text);
    if (!frame.valid) {
        return refuse(error_code::bad_json, "the frame is not valid JSON");
    }
    if (!frame.is_object) {
        return refuse(error_code::bad_json, "the frame must be a JSON object");
    }
    auto const* type_member = find_member(frame, "type");
    if (type_member == nullptr || type_member->kind != json_kind::string) {
        return refuse(error_code::bad_json, "the object must have a string member 'type'");
    }
    std::string const type = decode_string_token(type_member->value);

    if (type == "message") {
        return parse_relay(frame);
    }
    if (type == "join") {
        join_request request;
        if (auto refused = read_room(frame, type, request.room)) {
            return std::move(*refused);
        }
        return accept(std::move(request));
    }
    if (type == "leave") {
        leave_request request;
        if (auto refused = read_room(frame, type, request.room)) {
            return std::move(*refused);
        }
        return accept(std::move(request));
    }
    if (type == "ping") {
        return accept(ping_request{});
    }
    return refuse(error_code::unknown_type, "unknown message type", type);
}

}  // namespace duet::protocol
