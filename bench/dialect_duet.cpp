// duetd's own protocol (docs/protocol.md): one JSON object per WebSocket text frame at /ws,
// no greeting, keepalive by WebSocket pings that Beast answers by itself.
#include "dialect.hpp"

namespace duet::bench {
namespace {

std::string string_member(nlohmann::json const& object, char const* name) {
    auto const it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class duet_dialect final : public dialect {
public:
    std::string_view name() const override { return "duet"; }

    std::string_view handshake_target() const override { return "/ws"; }
    bool greets() const override { return false; }
    greeting_step greet(std::string_view) const override { return {greeting_step::outcome::ready, {}, {}}; }
    bool is_transport_frame(std::string_view) const override { return false; }
    std::string_view keepalive_frame() const override { return {}; }

    std::string join_request(std::string_view room) const override {
        return nlohmann::json{{"type", "join"}, {"room", room}}.dump();
    }

    std::string leave_request(std::string_view room) const override {
        return nlohmann::json{{"type", "leave"}, {"room", room}}.dump();
    }

    std::string relay_request(std::string_view room, std::string_view data_json) const override {
        // Room names are [A-Za-z0-9_.~-] (docs/protocol.md), so they need no escaping.
        std::string out;
        out.reserve(40 + room.size() + data_json.size());
        out += R"({"type":"message","room":")";
        out += room;
        out += R"(","data":)";
        out += data_json;
        out += '}';
        return out;
    }

    std::optional<server_message> parse(std::string_view frame) const override {
        auto const json = nlohmann::json::parse(frame, nullptr, false);
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

    relay_envelope envelope(std::string_view room, std::string_view from) const override {
        // What duetd writes: the envelope, then the sender's data as it sent it, then `}`.
        std::string prefix = R"({"type":"message","room":")";
        prefix += room;
        prefix += R"(","from":")";
        prefix += from;
        prefix += R"(","data":)";
        return {std::move(prefix), std::string(1, '}')};
    }

    bool counts_peers() const override { return true; }
    bool names_joiner() const override { return true; }
    bool names_sender() const override { return true; }
};

}  // namespace

std::unique_ptr<dialect const> make_duet_dialect() {
    return std::make_unique<duet_dialect>();
}

}  // namespace duet::bench
