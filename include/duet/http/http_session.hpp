#pragma once

#include <duet/http/responses.hpp>
#include <duet/http/session_context.hpp>
#include <duet/logging/event.hpp>
#include <duet/net/admission.hpp>
#include <duet/net/asio.hpp>
#include <duet/net/session_tracker.hpp>

#include <memory>
#include <optional>

namespace duet::http {

/// One HTTP connection before (or instead of) a WebSocket upgrade: reads a request
/// within `request_timeout` and `max_header_bytes`, answers it, and repeats while the
/// client keeps the connection alive; hands `/ws` upgrades to a websocket_session.
/// Owned by its pending handlers; the tracker holds a weak_ptr. Runs on the daemon's
/// one event-loop thread.
class http_session : public std::enable_shared_from_this<http_session>, public net::closable {
public:
    /// `place`: this connection's place among max_http_connections, held until it is
    /// upgraded or closed. `who`: the connection's number and client address, for logs.
    http_session(tcp::socket&& socket, net::admission::slot place, logging::connection_label who,
                 session_context const& ctx);
    ~http_session() override;

    void run();
    void shut_down() override;

private:
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    void upgrade();
    void send(response res);
    void on_write(bool keep_alive, error_code ec, std::size_t bytes);
    void refuse(bhttp::status status, std::string_view text);
    void finish();

    session_context const& ctx_;
    logging::connection_label const who_;
    std::optional<net::admission::slot> place_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::shared_ptr<void> in_flight_;  // the response being written
    net::session_tracker::key tracker_key_ = 0;
    bool upgraded_ = false;
};

}  // namespace duet::http
