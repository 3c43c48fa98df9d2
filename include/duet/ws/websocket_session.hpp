#pragma once

#include <duet/logging/event.hpp>
#include <duet/net/admission.hpp>
#include <duet/net/asio.hpp>
#include <duet/net/client_address.hpp>
#include <duet/net/client_limits.hpp>
#include <duet/net/outbound_stream.hpp>
#include <duet/net/session_tracker.hpp>
#include <duet/signaling/connection.hpp>
#include <duet/signaling/transport.hpp>
#include <duet/ws/session_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace duet::ws {

/// One browser connection after the HTTP upgrade: the transport under the signaling
/// rules. It completes the handshake, reads one frame at a time and hands each text
/// frame to its signaling::connection, sends what the rules send through its
/// net::outbound_stream, pings and watches for silence (rule 7), and closes. It decides
/// nothing the protocol decides, except what belongs to WebSocket itself: binary frames
/// (1003), oversized ones (1009, Beast), pings and the idle timeout.
///
/// Owned by its pending handlers; the tracker holds a weak_ptr. Runs on the daemon's
/// one event-loop thread, like everything it calls.
class websocket_session : public std::enable_shared_from_this<websocket_session>,
                          public signaling::transport,
                          public net::closable {
public:
    using clock = std::chrono::steady_clock;

    /// `early_bytes`: what the client sent behind its upgrade request. `place`: this
    /// connection's place among max_connections, and `client_place` among its client's
    /// max_connections_per_client, both held for the session's life. `client`: who the
    /// upgrade request came from (http::http_session worked it out, proxies included).
    /// `who`: the connection's number and client address, for logs.
    websocket_session(tcp::socket&& socket, std::string early_bytes, net::admission::slot place,
                      net::client_address client, net::client_limits::slot client_place,
                      logging::connection_label const& who, session_context const& ctx);
    ~websocket_session() override;

    /// Completes the handshake for `upgrade_request`, then serves the connection.
    void run(bhttp::request<bhttp::string_body> upgrade_request);

    // signaling::transport
    bool send(std::string_view frame) override;
    void close(protocol::close_code code, std::string_view reason, metrics::close_reason why) override;

    // net::closable: close with 1001, now or as soon as the handshake completes, and
    // hand the seat over (signaling::connection::hand_over): what the client sent before
    // it saw the close is still read and relayed until its answer.
    void shut_down() override;
    void fall_silent() override { silent_ = true; }

    /// The client's address (behind a trusted proxy, the one it reported): what the
    /// logs print as this connection's remote end.
    net::client_address const& client() const noexcept { return client_; }

private:
    void on_accept(error_code ec);
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    void arm_heartbeat();
    void on_heartbeat(error_code ec);
    void finish(error_code ec);
    /// The close code of the connection that `ec` ended, as the close line logs it.
    int close_code_for_log(error_code ec) const;

    session_context const& ctx_;
    logging::connection_label const who_;
    net::admission::slot place_;
    net::client_address const client_;
    net::client_limits::slot client_place_;
    websocket::stream<net::outbound_stream> ws_;
    beast::flat_buffer buffer_;
    signaling::connection rules_;

    asio::steady_timer heartbeat_;  // pings (rule 7) and the idle check
    clock::time_point last_received_;
    clock::time_point next_ping_;
    bool ping_in_flight_ = false;

    bool open_ = false;  // the handshake completed
    bool shut_down_requested_ = false;
    bool closing_ = false;
    bool silent_ = false;  // fall_silent: the daemon is stopping; nothing more is sent
    bool finished_ = false;
    std::optional<metrics::close_reason> close_cause_;
    std::optional<int> close_code_;  // the code of our close frame, once sent
    clock::time_point opened_;
    net::session_tracker::key tracker_key_ = 0;
};

}  // namespace duet::ws
