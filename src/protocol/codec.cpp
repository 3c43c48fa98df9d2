#include <duet/protocol/codec.hpp>

#include <duet/protocol/identifiers.hpp>
#include <duet/protocol/raw_member.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace duet::protocol {
namespace {

using json = nlohmann::json;

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
std::optional<parse_result> read_room(json const& object, std::string_view type, std::string& room) {
    auto const it = object.find("room");
    if (it == object.end()) {
        return refuse(error_code::bad_request, "'room' is missing", type);
    }
    if (!it->is_string()) {
        return refuse(error_code::bad_request, "'room' must be a string", type);
    }
    room = it->get<std::string>();
    if (!is_valid_room_name(room)) {
        return refuse(error_code::invalid_room, "a room name is 1 to 64 characters of A-Z a-z 0-9 _ . ~ -",
                      type);
    }
    return std::nullopt;
}

parse_result parse_relay(json const& object, std::string_view text) {
    static constexpr std::string_view type = "message";
    relay_request request;
    // Member types first (bad_request), the room-name rule after (invalid_room).
    auto const data = object.find("data");
    if (data == object.end()) {
        return refuse(error_code::bad_request, "'data' is missing", type);
    }
    auto const to = object.find("to");
    if (to != object.end() && !to->is_string()) {
        return refuse(error_code::bad_request, "'to' must be a string (a peer id)", type);
    }
    if (auto refused = read_room(object, type, request.room)) {
        return std::move(*refused);
    }
    if (to != object.end()) {
        request.to = to->get<std::string>();
    }
    // Relay the sender's own text of `data`, not a re-serialisation (rule 5).
    auto const raw = raw_member(text, "data");
    request.data = raw ? std::string(*raw) : data->dump();
    return accept(std::move(request));
}

}  // namespace

parse_result parse_client_message(std::string_view text) {
    json object = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) {
        return refuse(error_code::bad_json, "the frame is not valid JSON");
    }
    if (!object.is_object()) {
        return refuse(error_code::bad_json, "the frame must be a JSON object");
    }
    auto const type_it = object.find("type");
    if (type_it == object.end() || !type_it->is_string()) {
        return refuse(error_code::bad_json, "the object must have a string member 'type'");
    }
    std::string const& type = type_it->get_ref<std::string const&>();

    if (type == "message") {
        return parse_relay(object, text);
    }
    if (type == "join") {
        join_request request;
        if (auto refused = read_room(object, type, request.room)) {
            return std::move(*refused);
        }
        return accept(std::move(request));
    }
    if (type == "leave") {
        leave_request request;
        if (auto refused = read_room(object, type, request.room)) {
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
