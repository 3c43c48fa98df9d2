#pragma once

#include "dialect.hpp"
#include "net.hpp"

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace duet::bench {

/// One client WebSocket to the server on the benchmark's single io_context (so no strand:
/// every member runs on the one thread that runs the context). Owned by its pending
/// handlers and by the scenario that made it. Once connected, exactly one read is
/// always pending (Beast answers the server's pings while it is), and writes go
/// through a FIFO queue with one async_write in flight, as Beast requires. The dialect
/// gives the handshake's target and owns the transport's own frames: a greeting that
/// comes before the connection counts as connected, keepalives the client must send,
/// and their answers, none of which reach the message handler.
class ws_connection : public std::enable_shared_from_this<ws_connection> {
public:
    using connect_handler = std::function<void(error_code)>;
    using message_handler = std::function<void(std::string_view)>;
    /// Called once when the read loop ends: `requested` is true when close() started it.
    using close_handler = std::function<void(error_code, bool requested)>;

    /// `wire` must outlive the connection.
    ws_connection(asio::io_context& ioc, dialect const& wire);

    /// Caps the kernel's send buffer of the socket (SO_SNDBUF, which also turns off its
    /// autotuning) from the connect on; 0, the default, leaves it to the kernel. Call
    /// before connect(). With a small buffer, a server that stops reading holds back the
    /// sender after a few messages rather than megabytes of them.
    void limit_send_buffer(std::size_t bytes) { send_buffer_bytes_ = bytes; }

    void on_message(message_handler handler) { on_message_ = std::move(handler); }
    void on_close(close_handler handler) { on_close_ = std::move(handler); }

    /// TCP connect from `source` (any address when unspecified; the port is left to
    /// connect(), so each source address has the whole ephemeral range per server),
    /// then the WebSocket handshake, both within `timeout`, then the dialect's greeting
    /// if it has one (bounded by the scenario's own deadline). On success the read loop
    /// runs before `done` is called; a refused greeting gives errc::protocol_error and
    /// greeting_failure() says why.
    void connect(tcp::endpoint const& server, asio::ip::address const& source, clock::duration timeout,
                 connect_handler done);

    /// Queues one text message; messages leave in the order given.
    void send(std::shared_ptr<std::string const> frame);
    void send(std::string text) { send(std::make_shared<std::string const>(std::move(text))); }

    /// Starts the close handshake (1000) once the queued messages are written.
    void close();

    /// Handshake done and the read loop not yet ended (closing or not).
    bool connected() const { return open_; }
    std::size_t queued_messages() const { return queue_.size(); }
    /// The HTTP status of the handshake's answer: 101, or why it was refused (503...).
    unsigned handshake_status() const { return response_.result_int(); }
    std::string const& greeting_failure() const { return greeting_failure_; }

private:
    void on_connect(error_code ec);
    void on_handshake(error_code ec);
    void on_greeting(std::string_view frame);
    void on_ready();
    void schedule_keepalive();
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    void do_write();
    void on_write(error_code ec, std::size_t bytes);
    void start_close();
    void finish(error_code ec);

    dialect const& dialect_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    std::deque<std::shared_ptr<std::string const>> queue_;
    websocket::response_type response_;
    std::string host_;
    clock::duration timeout_{};
    asio::steady_timer keepalive_timer_;
    clock::duration keepalive_{};  // 0: the dialect needs none
    std::size_t send_buffer_bytes_ = 0;  // 0: the kernel's default
    std::string greeting_failure_;
    connect_handler on_connect_;
    message_handler on_message_;
    close_handler on_close_;
    bool open_ = false;
    bool ready_ = false;  // greeted: frames go to the message handler
    bool writing_ = false;
    bool closing_ = false;
    bool close_sent_ = false;
    bool finished_ = false;
};

}  // namespace duet::bench
