#include <duet/protocol/server_message.hpp>

#include <nlohmann/json.hpp>

namespace duet::protocol {
namespace {

/// `{"type":"<type>","room":"<room>"` — the common head; the caller closes the object.
std::string head(std::string_view type, std::string_view room, std::size_t extra) {
    std::string out;
    out.reserve(32 + type.size() + room.size() + extra);
    out += R"({"type":")";
    out += type;
    out += R"(","room":")";
    out += room;
    out += '"';
    return out;
}

std::string room_and_id(std::string_view type, std::string_view room, std::string_view id) {
    std::string out = head(type, room, 8 + id.size());
    out += R"(,"id":")";
    out += id;
    out += R"("})";
    return out;
}

}  // namespace

std::string encode_joined(std::string_view room, std::string_view id, std::size_t peers,
                          std::string_view ice_servers_json, joined_extras const& extras) {
    std::string out = head("joined", room, 96 + id.size() + ice_servers_json.size() + extras.resume.size());
    out += R"(,"id":")";
    out += id;
    out += R"(","peers":)";
    out += std::to_string(peers);
    out += R"(,"iceServers":)";
    out += ice_servers_json;
    if (auto const role = wire_name(extras.seat_role); !role.empty()) {
        out += R"(,"role":")";
        out += role;
        out += '"';
    }
    // The secret is [A-Za-z0-9_-] (protocol::make_resume_secret): no escaping needed.
    if (!extras.resume.empty()) {
        out += R"(,"resume":")";
        out += extras.resume;
        out += '"';
    }
    if (extras.resumed) {
        out += R"(,"resumed":true)";
    }
    out += '}';
    return out;
}

std::string encode_otherjoin(std::string_view room, std::string_view id) {
    return room_and_id("otherjoin", room, id);
}

std::string encode_full(std::string_view room) {
    return head("full", room, 1) + "}";
}

std::string encode_leaved(std::string_view room, std::string_view id) {
    return room_and_id("leaved", room, id);
}

std::string encode_bye(std::string_view room, std::string_view id) {
    return room_and_id("bye", room, id);
}

std::string encode_peerdown(std::string_view room, std::string_view id) {
    return room_and_id("peerdown", room, id);
}

std::string encode_peerup(std::string_view room, std::string_view id) {
    return room_and_id("peerup", room, id);
}

std::string encode_relay(std::string_view room, std::string_view from, std::string_view data_json) {
    std::string out;
    encode_relay_into(out, room, from, data_json);
    return out;
}

void encode_relay_into(std::string& out, std::string_view room, std::string_view from, std::string_view data_json) {
    out.clear();
    out += R"({"type":"message","room":")";
    out += room;
    out += R"(","from":")";
    out += from;
    out += R"(","data":)";
    out += data_json;
    out += '}';
}

std::string encode_pong() {
    return R"({"type":"pong"})";
}

std::string encode_error(request_error const& error) {
    // ordered_json keeps "type" first, as in every other server message.
    nlohmann::ordered_json j{{"type", "error"}, {"code", wire_name(error.code)}, {"message", error.message}};
    if (!error.ref.empty()) {
        j["ref"] = error.ref;
    }
    // `ref` echoes client text, which may hold invalid UTF-8 only if the parser let it
    // through; replace rather than throw, whatever happens.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace duet::protocol
