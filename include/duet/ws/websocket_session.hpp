#pragma once

#include <duet/metrics/counters.hpp>
#include <duet/net/asio.hpp>
#include <duet/net/coalescing_socket.hpp>
#include <duet/protocol/client_message.hpp>
#include <duet/rooms/peer.hpp>
#include <duet/runtime/daemon_state.hpp>
#include <duet/ws/rate_limiter.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace duet::ws {

/// One browser connection after the WebSocket upgrade: reads requests one at a time,
/// answers them, relays through the room registry, and frames what it sends itself into
/// its socket's outgoing bytes, in order, bounded by max_send_queue_bytes (rule 5).
/// Owned by its pending handlers; the registry and the tracker hold only weak_ptrs.
/// Runs on its own strand (the one its socket was accepted on; with one event-loop
/// thread, the loop itself): every member except deliver() and shut_down() must be
/// called there; those two get there by themselves.
class websocket_session : public std::enable_shared_from_this<websocket_session>,
                          public rooms::peer,
                          public runtime::closable {
public:
    using clock = std::chrono::steady_clock;

    /// Takes over one reserved slot of `ws_open` (see http_session::upgrade) and
    /// releases it when destroyed.
    websocket_session(tcp::socket&& socket, runtime::daemon_state& state);
    ~websocket_session() override;

    /// Completes the handshake for `upgrade_request`, then serves the connection.
    void run(bhttp::request<bhttp::string_body> upgrade_request);

    std::string const& id() const noexcept override { return id_; }
    void deliver(std::string_view room, rooms::shared_frame frame) override;
    void shut_down() override;

private:
    /// How a close we start is sent: after what is queued, or dropping it.
    enum class flush { queued, none };

    void on_accept(error_code ec);
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    void handle_text(std::string_view text);
    void handle(protocol::join_request const& request);
    void handle(protocol::leave_request const& request);
    void handle(protocol::relay_request const& request);
    void handle(protocol::ping_request const& request);
    void refuse(protocol::request_error const& error);
    void send(std::string_view text);
    void close(websocket::close_code code, std::string_view reason, metrics::close_reason why, flush how);
    void arm_heartbeat();
    void on_heartbeat(error_code ec);
    void leave_room();
    void finish(error_code ec);

    websocket::stream<net::coalescing_socket> ws_;
    beast::flat_buffer buffer_;
    runtime::daemon_state& state_;
    std::string const id_;
    std::optional<std::string> room_;
    rate_limiter limiter_;
    std::size_t violations_ = 0;

    asio::steady_timer heartbeat_;       // pings (rule 7) and the idle check
    asio::steady_timer close_deadline_;  // a close that does not complete is cut
    clock::time_point last_received_;
    clock::time_point next_ping_;
    bool ping_in_flight_ = false;

    bool open_ = false;  // the handshake completed
    bool closing_ = false;
    bool finished_ = false;
    std::optional<metrics::close_reason> close_cause_;
    runtime::session_tracker::key tracker_key_ = 0;
};

}  // namespace duet::ws
