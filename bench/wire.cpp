#include "wire.hpp"

namespace duet::bench {
namespace {

std::string string_member(nlohmann::json const& object, char const* name) {
    auto const it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string join_request(std::string_view room) {
    return nlohmann::json{{"type", "join"}, {"room", room}}.dump();
}

std::string leave_request(std::string_view room) {
    return nlohmann::json{{"type", "leave"}, {"room", room}}.dump();
}

std::string relay_request(std::string_view room, std::string_view data_json) {
    // Room names are [A-Za-z0-9_.~-] (PROTOCOL.md), so they need no escaping.
    std::string out;
    out.reserve(40 + room.size() + data_json.size());
    out += R"({"type":"message","room":")";
    out += room;
    out += R"(","data":)";
    out += data_json;
    out += '}';
    return out;
}

std::optional<server_message> parse_server_message(std::string_view text) {
    auto const json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return std::nullopt;
    }
    auto const type = json.find("type");
    if (type == json.end() || !type->is_string()) {
        return std::nullopt;
    }
    server_message out;
    out.type = type->get<std::string>();
    out.room = string_member(json, "room");
    out.id = string_member(json, "id");
    out.from = string_member(json, "from");
    out.code = string_member(json, "code");
    out.text = string_member(json, "message");
    if (auto const peers = json.find("peers"); peers != json.end() && peers->is_number_unsigned()) {
        out.peers = peers->get<std::size_t>();
    }
    if (auto const data = json.find("data"); data != json.end()) {
        out.data = *data;
    }
    return out;
}

std::string describe(server_message const& message) {
    if (message.type == "error") {
        return "error " + message.code + " (" + message.text + ")";
    }
    return "'" + message.type + "'" + (message.room.empty() ? std::string() : " in room " + message.room);
}

std::string relay_prefix(std::string_view room, std::string_view from) {
    std::string out;
    out += R"({"type":"message","room":")";
    out += room;
    out += R"(","from":")";
    out += from;
    out += R"(","data":)";
    return out;
}

}  // namespace duet::bench
