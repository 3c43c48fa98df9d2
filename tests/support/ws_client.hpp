#pragma once

#include <duet/net/asio.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace duet::testing {

using namespace std::chrono_literals;
using json = nlohmann::json;

/// What one read brought.
struct ws_text {
    std::string text;
};
struct ws_closed {
    int code = 0;  // 0 when the TCP connection ended without a close frame
    std::string reason;
};
struct ws_timeout {};
using ws_event = std::variant<ws_text, ws_closed, ws_timeout>;

/// A scripted WebSocket client on its own io_context, driven by the test's thread.
/// Every connect, read and write has a deadline; nothing sleeps to synchronise.
///
/// One async_read is always pending (cancelling a Beast WebSocket read would fail the
/// stream), but it only makes progress while the test waits on this client: a client
/// the test leaves alone reads nothing and answers no ping, like a stalled browser.
class ws_client {
public:
    struct options {
        std::string target = "/ws";
        std::map<std::string, std::string> headers;  // e.g. Origin
        std::chrono::milliseconds timeout = 5s;
        /// The local address to connect from (127.0.0.2: another client on this host;
        /// Linux routes all of 127/8 to loopback). Empty: the kernel's choice.
        std::string source;
    };

    /// Connects and completes the handshake; throws std::runtime_error on failure
    /// (see try_connect for refused handshakes).
    explicit ws_client(std::uint16_t port, options opts);
    explicit ws_client(std::uint16_t port) : ws_client(port, options{}) {}

    /// The HTTP status of a refused handshake (403, 503, ...), or 101 on success.
    static int handshake_status(std::uint16_t port, options opts);

    void send_text(std::string_view text);
    void send_json(json const& message) { send_text(message.dump()); }
    void send_binary(std::string_view bytes);

    /// The next event within `timeout`.
    ws_event read(std::chrono::milliseconds timeout = 5s);
    /// The next text message, parsed; fails the test (and returns null) on anything else.
    json read_json(std::chrono::milliseconds timeout = 5s);
    /// The next message, which must be of `type`; returns it.
    json expect(std::string_view type, std::chrono::milliseconds timeout = 5s);
    /// The next message, which must be an `error` with `code` (and `ref`, if given).
    json expect_error(std::string_view code, std::optional<std::string_view> ref = std::nullopt);
    /// Reads (discarding text) until the close frame; returns it. Fails on timeout.
    ws_closed expect_close(std::chrono::milliseconds timeout = 5s);
    /// True when nothing arrives within `quiet`.
    bool nothing_within(std::chrono::milliseconds quiet);

    /// Joins `room` and returns the `joined` message.
    json join(std::string_view room);

    /// Stops reading from the socket (so the server's writes back up); until resume.
    void close_tcp();  // abrupt: no close frame
    void reset_tcp();  // abrupt, with a TCP RST (SO_LINGER 0) instead of a FIN
    void close();      // a normal close handshake

private:
    template <class Op>
    void run_until(Op&& start, bool& done, std::chrono::milliseconds timeout);
    void start_reading();

    asio::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    std::deque<ws_event> arrived_;
    bool ended_ = false;  // a close (or error) was read: no more reads
};

}  // namespace duet::testing
