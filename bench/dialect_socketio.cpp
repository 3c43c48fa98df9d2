// The original design's signaling (bench/socketio/server.js): socket.io 2.x events over
// Engine.IO protocol v3 on its WebSocket transport, without the HTTP long-polling start
// a browser makes first. Frames are Engine.IO packets, a type digit then the payload:
//   server: 0{"sid":..,"pingInterval":25000,..}  open, the first frame
//           40                                     socket.io CONNECT to "/", the second
//           3                                      pong, the answer to the client's ping
//           42["event",arg,...]                    a socket.io EVENT (message 4, event 2)
//   client: 2 every pingInterval (in v3 the client pings; the server closes a connection
//           that sent nothing for pingInterval + pingTimeout), and 42[...] events.
// The client sends nothing before 40: socket.io 2 drops a packet that arrives before the
// socket joined the namespace (socket.io-client buffers its emits the same way).
//
// The events are the seed's: join(room) -> joined(room, id) and otherjoin(room) to the
// other member; message(room, data) -> message(room, data) to the others; leave(room) ->
// bye(room, id) to the others and leaved(room, id). Node re-serialises `data` with
// JSON.stringify; the payload's members keep their order and its integers stay below
// 2^53 (sent_ns counts from boot), so the text comes back byte for byte.
#include "dialect.hpp"

#include <chrono>

namespace duet::bench {
namespace {

constexpr std::string_view event_prefix = "42";

std::string event(std::initializer_list<std::string_view> strings) {
    auto args = nlohmann::json::array();
    for (auto const text : strings) {
        args.push_back(text);
    }
    return std::string(event_prefix) + args.dump();
}

class socketio_dialect final : public dialect {
public:
    std::string_view name() const override { return "socketio"; }

    std::string_view handshake_target() const override { return "/socket.io/?EIO=3&transport=websocket"; }
    bool greets() const override { return true; }

    greeting_step greet(std::string_view frame) const override {
        if (frame == "40") {
            return {greeting_step::outcome::ready, {}, {}};
        }
        if (frame.substr(0, 1) == "0") {
            auto const open = nlohmann::json::parse(frame.substr(1), nullptr, false);
            auto const interval = open.is_object() ? open.find("pingInterval") : open.end();
            if (interval == open.end() || !interval->is_number_unsigned()) {
                return {greeting_step::outcome::failed, {}, "Engine.IO open packet without a pingInterval"};
            }
            return {greeting_step::outcome::more, std::chrono::milliseconds(interval->get<std::int64_t>()), {}};
        }
        return {greeting_step::outcome::failed, {},
                "expected Engine.IO open (0) and socket.io connect (40), got a frame of " +
                    std::to_string(frame.size()) + " bytes starting '" + std::string(frame.substr(0, 2)) + "'"};
    }

    // 3: pong; 6: noop (sent while a transport upgrades, which never happens here).
    bool is_transport_frame(std::string_view frame) const override { return frame == "3" || frame == "6"; }
    std::string_view keepalive_frame() const override { return "2"; }

    std::string join_request(std::string_view room) const override { return event({"join", room}); }
    std::string leave_request(std::string_view room) const override { return event({"leave", room}); }

    std::string relay_request(std::string_view room, std::string_view data_json) const override {
        auto out = event({"message", room});
        out.pop_back();  // the array's `]`: data goes in as written
        out += ',';
        out += data_json;
        out += ']';
        return out;
    }

    std::optional<server_message> parse(std::string_view frame) const override {
        server_message out;
        if (frame == "41") {
            out.type = "socket.io disconnect";
            return out;
        }
        if (frame.substr(0, 2) == "44") {
            out.type = "error";
            out.code = "socket.io";
            out.text = std::string(frame.substr(2, 200));
            return out;
        }
        if (frame == "1") {
            out.type = "Engine.IO close";
            return out;
        }
        if (frame.substr(0, event_prefix.size()) != event_prefix) {
            return std::nullopt;
        }
        auto const args = nlohmann::json::parse(frame.substr(event_prefix.size()), nullptr, false);
        if (args.is_discarded() || !args.is_array() || args.empty() || !args[0].is_string()) {
            return std::nullopt;
        }
        out.type = args[0].get<std::string>();
        if (args.size() > 1 && args[1].is_string()) {
            out.room = args[1].get<std::string>();
        }
        if (args.size() > 2) {
            if (out.type == "message") {
                out.data = args[2];
            } else if (args[2].is_string()) {
                out.id = args[2].get<std::string>();  // joined, full, leaved: yours; bye: theirs
            }
        }
        return out;
    }

    relay_envelope envelope(std::string_view room, std::string_view) const override {
        // socket.to(room).emit('message', room, data): no sender in it.
        auto prefix = event({"message", room});
        prefix.back() = ',';
        return {std::move(prefix), "]"};
    }

    bool counts_peers() const override { return false; }
    bool names_joiner() const override { return false; }
    bool names_sender() const override { return false; }
};

}  // namespace

std::unique_ptr<dialect const> make_socketio_dialect() {
    return std::make_unique<socketio_dialect>();
}

}  // namespace duet::bench
