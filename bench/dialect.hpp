#pragma once

#include "net.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace duet::bench {

/// One message from the server, whatever the dialect wrote it in; members the message
/// (or the dialect) does not have stay empty.
struct server_message {
    std::string type;       // joined, otherjoin, full, leaved, bye, message, error...
    std::string room;
    std::string id;         // joined, leaved: yours; otherjoin, bye: theirs (if the dialect names them)
    std::size_t peers = 0;  // joined: occupancy, if the dialect counts it
    std::string from;       // message: the sender, if the dialect names it
    nlohmann::json data;    // message
    std::string code;       // error
    std::string text;       // error: its words
};

/// A one-line account of an unexpected message for a failure report, e.g.
/// "error rate_limited (too many requests; slow down)". Never includes payloads.
std::string describe(server_message const& message);

/// A relayed message as the server writes it: `prefix`, then the sender's data exactly
/// as sent, then `suffix`. Made once per direction, so the hot path only compares bytes.
struct relay_envelope {
    std::string prefix;
    std::string suffix;
};

/// The data of a relayed message, for the payload check: `text` is the sender's data
/// byte for byte when the frame matched the envelope (the hot path); otherwise it is
/// empty and `parsed` holds what a parser found.
struct relayed_data {
    std::string_view text;
    nlohmann::json parsed;
};

/// What one of the server's first frames did to a new connection (see dialect::greet).
struct greeting_step {
    enum class outcome { more, ready, failed };
    outcome next = outcome::more;
    clock::duration keepalive{};  // > 0: the client must send keepalive_frame() this often
    std::string problem;          // failed: why
};

/// How duet-bench talks to one kind of server: duetd's protocol (docs/protocol.md) or the
/// original design's socket.io 2.x events. The scenarios and ws_connection are written
/// against this interface only, so one scenario runs, with the same checks, against
/// either server. Implementations are stateless and shared by every connection of a run.
class dialect {
public:
    virtual ~dialect() = default;

    /// As given to --dialect and recorded in the JSON lines: "duet", "socketio".
    virtual std::string_view name() const = 0;

    // The transport under the messages, used by ws_connection.

    /// The request target of the WebSocket handshake.
    virtual std::string_view handshake_target() const = 0;
    /// Whether the server greets a new connection with frames of its own before it takes
    /// requests; if so, ws_connection feeds it each frame through greet() until ready.
    virtual bool greets() const = 0;
    virtual greeting_step greet(std::string_view frame) const = 0;
    /// Frames of the transport itself after the greeting (answers to keepalives): dropped
    /// before the scenario sees them.
    virtual bool is_transport_frame(std::string_view frame) const = 0;
    /// What the client sends every greeting_step::keepalive.
    virtual std::string_view keepalive_frame() const = 0;

    // The signaling messages, used by the scenarios.

    virtual std::string join_request(std::string_view room) const = 0;
    virtual std::string leave_request(std::string_view room) const = 0;
    /// `data_json` must be one serialised JSON value; it is sent as written.
    virtual std::string relay_request(std::string_view room, std::string_view data_json) const = 0;
    /// nullopt when the frame is no message of this dialect.
    virtual std::optional<server_message> parse(std::string_view frame) const = 0;
    /// How the server writes a message from `from` relayed in `room`.
    virtual relay_envelope envelope(std::string_view room, std::string_view from) const = 0;

    /// What the server tells that the checks can hold it to. duetd's `joined` carries
    /// the occupancy, its `otherjoin` the joiner's id and its relayed `message` the
    /// sender's; the original design's events carry none of these, so its pairing is
    /// checked by the order of events instead.
    virtual bool counts_peers() const = 0;
    virtual bool names_joiner() const = 0;
    virtual bool names_sender() const = 0;

    /// The data of `frame` if it is a message relayed from `from` in `room`: the hot path
    /// compares it with `expected` (envelope(room, from)); anything else is parsed, so a
    /// server that re-serialised the frame still passes if nothing changed. nullopt, with
    /// `problem` set, for any other frame.
    std::optional<relayed_data> relayed(std::string_view frame, relay_envelope const& expected,
                                        std::string_view room, std::string_view from,
                                        std::string& problem) const;
};

/// duetd's protocol (dialect_duet.cpp) and the socket.io 2.x events of the original
/// design over Engine.IO v3 (dialect_socketio.cpp).
std::unique_ptr<dialect const> make_duet_dialect();
std::unique_ptr<dialect const> make_socketio_dialect();

/// The dialect called `name` ("duet" or "socketio"); nullptr for any other name.
std::unique_ptr<dialect const> make_dialect(std::string_view name);

}  // namespace duet::bench
