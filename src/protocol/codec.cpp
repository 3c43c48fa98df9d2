#include <duet/protocol/codec.hpp>

#include <duet/protocol/identifiers.hpp>
#include <duet/protocol/json_scan.hpp>
#include <duet/protocol/json_unescape.hpp>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace duet::protocol {
namespace {

// The unknown `type` is echoed back in `ref`; cap it so a client cannot make the
// daemon echo large strings.
constexpr std::size_t max_ref_length = 64;
// docs/protocol.md: a room name is at most 64 characters, so a longer decoding is invalid.
constexpr std::size_t max_room_length = 64;

parse_result refuse(error_code code, std::string message, std::string_view ref = {}) {
    parse_result r;
    r.error = request_error{code, std::move(message), std::string(ref.substr(0, max_ref_length))};
    return r;
}

/// A string value's text between its quotes.
std::string_view inner_text(member_span const& member) {
    return member.value.substr(1, member.value.size() - 2);
}

/// A string value as decoded, but no further than `buffer`'s size: its text in the
/// frame when it has no escape, else its first bytes decoded into `buffer`.
struct bounded_string {
    std::string_view text;
    bool complete = true;  // false: the decoding is longer than `buffer`, `text` is its start
};

template <std::size_t N>
bounded_string read_bounded(member_span const& member, std::array<char, N>& buffer) {
    if (!member.escaped) {
        return {inner_text(member), true};
    }
    auto const decoded = unescape_json_string(inner_text(member), buffer);
    return {std::string_view(buffer.data(), decoded.size), decoded.complete};
}

/// The room of a join, leave or message request, once checked; `refused` holds the
/// answer when it is refused.
struct room_check {
    std::optional<parse_result> refused;
    std::array<char, max_room_length> buffer{};  // the decoding of an escaped room
    std::string_view name;                        // into the frame or into `buffer`
    bool decoded = false;                         // `name` points into `buffer`
};

void check_room(scanned_frame const& frame, std::string_view type, room_check& room) {
    auto const* member = frame.find(member_key::room);
    if (member == nullptr) {
        room.refused = refuse(error_code::bad_request, "'room' is missing", type);
        return;
    }
    if (member->kind != json_kind::string) {
        room.refused = refuse(error_code::bad_request, "'room' must be a string", type);
        return;
    }
    auto const name = read_bounded(*member, room.buffer);
    if (!name.complete || !is_valid_room_name(name.text)) {
        room.refused = refuse(error_code::invalid_room, "a room name is 1 to 64 characters of A-Z a-z 0-9 _ . ~ -",
                              type);
        return;
    }
    room.name = name.text;
    room.decoded = member->escaped;
}

/// Gives the result the decoded strings its views need (rare: only strings with
/// escapes), in one allocation, and points `room` and `to` (a message's `to`, or a
/// join's `token`) at them.
void own_decoded(parse_result& result, room_check const& room, std::string_view& room_view,
                 member_span const* to, std::optional<std::string_view>& to_view) {
    bool const to_decoded = to != nullptr && to->escaped;
    std::size_t const size = (room.decoded ? room.name.size() : 0) + (to_decoded ? inner_text(*to).size() : 0);
    room_view = room.name;
    if (to != nullptr && !to_decoded) {
        to_view = inner_text(*to);
    }
    if (size == 0) {
        return;
    }
    auto storage = std::make_shared_for_overwrite<char[]>(size);
    std::size_t used = 0;
    if (room.decoded) {
        std::memcpy(storage.get(), room.name.data(), room.name.size());
        room_view = std::string_view(storage.get(), room.name.size());
        used = room.name.size();
    }
    if (to_decoded) {
        // A decoding is never longer than its input, so this fits.
        auto const decoded = unescape_json_string(inner_text(*to), std::span<char>(storage.get() + used, size - used));
        to_view = std::string_view(storage.get() + used, decoded.size);
    }
    result.decoded = std::move(storage);
}

/// A leave: a room and nothing else.
parse_result parse_leave(scanned_frame const& frame) {
    room_check room;
    check_room(frame, "leave", room);
    if (room.refused) {
        return std::move(*room.refused);
    }
    parse_result result;
    leave_request request;
    std::optional<std::string_view> no_to;
    own_decoded(result, room, request.room, nullptr, no_to);
    result.message = request;
    return result;
}

/// A join: a room, an optional token (rule 14) and an optional resume (rule 12). Both
/// are only parsed here; signaling::connection checks them, after the room (rule 9:
/// invalid_room first).
parse_result parse_join(scanned_frame const& frame) {
    static constexpr std::string_view type = "join";
    auto const* token = frame.find(member_key::token);
    if (token != nullptr && token->kind != json_kind::string) {
        return refuse(error_code::bad_request, "'token' must be a string (a JWT)", type);
    }
    auto const* resume = frame.find(member_key::resume);
    if (resume != nullptr && resume->kind != json_kind::string) {
        return refuse(error_code::bad_request, "'resume' must be a string (from your last 'joined')", type);
    }
    room_check room;
    check_room(frame, type, room);
    if (room.refused) {
        return std::move(*room.refused);
    }
    parse_result result;
    join_request request;
    own_decoded(result, room, request.room, token, request.token);
    if (resume != nullptr) {
        request.resume = inner_text(*resume);
    }
    result.message = request;
    return result;
}

parse_result parse_relay(scanned_frame const& frame) {
    static constexpr std::string_view type = "message";
    // Member types first (bad_request), the room-name rule after (invalid_room).
    auto const* data = frame.find(member_key::data);
    if (data == nullptr) {
        return refuse(error_code::bad_request, "'data' is missing", type);
    }
    auto const* to = frame.find(member_key::to);
    if (to != nullptr && to->kind != json_kind::string) {
        return refuse(error_code::bad_request, "'to' must be a string (a peer id)", type);
    }
    room_check room;
    check_room(frame, type, room);
    if (room.refused) {
        return std::move(*room.refused);
    }
    parse_result result;
    relay_request request;
    own_decoded(result, room, request.room, to, request.to);
    // Relay the sender's own text of `data`, not a re-serialisation (rule 5).
    request.data = data->value;
    result.message = request;
    return result;
}

}  // namespace

parse_result parse_client_message(std::string_view text) {
    // One validating pass that builds no tree and finds the members routing needs on
    // its way; `data` (an SDP, say) is relayed as the sender wrote it.
    auto const frame = scan_json(text);
    if (!frame.valid) {
        return refuse(error_code::bad_json, "the frame is not valid JSON");
    }
    if (!frame.is_object) {
        return refuse(error_code::bad_json, "the frame must be a JSON object");
    }
    auto const* type_member = frame.find(member_key::type);
    if (type_member == nullptr || type_member->kind != json_kind::string) {
        return refuse(error_code::bad_json, "the object must have a string member 'type'");
    }
    // Decoded only as far as `ref` could echo it; a longer type is no known one.
    std::array<char, max_ref_length> type_buffer{};
    auto const type = read_bounded(*type_member, type_buffer);

    if (type.complete) {
        if (type.text == "message") {
            return parse_relay(frame);
        }
        if (type.text == "join") {
            return parse_join(frame);
        }
        if (type.text == "leave") {
            return parse_leave(frame);
        }
        if (type.text == "ping") {
            parse_result result;
            result.message = ping_request{};
            return result;
        }
    }
    return refuse(error_code::unknown_type, "unknown message type", type.text);
}

}  // namespace duet::protocol
