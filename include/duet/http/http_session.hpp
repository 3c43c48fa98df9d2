#pragma once

#include <duet/http/responses.hpp>
#include <duet/http/session_context.hpp>
#include <duet/logging/event.hpp>
#include <duet/net/admission.hpp>
#include <duet/net/asio.hpp>
#include <duet/net/client_address.hpp>
#include <duet/net/client_limits.hpp>
#include <duet/net/session_tracker.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace duet::http {

/// One HTTP connection before (or instead of) a WebSocket upgrade: reads a request
/// within `request_timeout` and `max_header_bytes`, answers it, and repeats while the
/// client keeps the connection alive; hands `/ws` upgrades to a websocket_session.
///
/// Who the client is (net::client_address) is worked out for every request, not once
/// per connection: a proxy with keepalive upstreams may send requests of different
/// clients over one connection. From a peer that is not a trusted proxy it is always
/// the peer, whose per-client place app::server took at accept time; from a trusted
/// proxy it is known only once the headers are read, so the place among
/// `max_http_connections_per_client` is taken then (and moved when the next request on
/// the connection names another client).
/// Owned by its pending handlers; the tracker holds a weak_ptr. Runs on the daemon's
/// one event-loop thread.
class http_session : public std::enable_shared_from_this<http_session>, public net::closable {
public:
    /// `place`: this connection's place among max_http_connections, held until it is
    /// upgraded or closed. `client_place`: the TCP peer's place among its
    /// max_http_connections_per_client when the peer is not a trusted proxy (else none:
    /// the client is known after the headers). `who`: the connection's number and client
    /// address, for logs.
    http_session(tcp::socket&& socket, net::admission::slot place, std::optional<net::client_limits::slot> client_place,
                 logging::connection_label who,
                 session_context const& ctx);
    ~http_session() override;

    void run();
    void shut_down() override;

private:
    void do_read();
    void on_read(error_code ec, std::size_t bytes);
    /// Works out the request's client and holds its per-client place; false when that
    /// client is at its limit (the request is then answered with 503).
    bool identify_client();
    void upgrade();
    void send(response res);
    void on_write(bool keep_alive, error_code ec, std::size_t bytes);
    void refuse(bhttp::status status, std::string_view text,
                std::optional<std::chrono::seconds> retry_after = std::nullopt);
    void finish();
    /// The fields of the log line about a refused request.
    logging::fields refusal(std::string_view event, int status, std::string_view reason) const;

    session_context const& ctx_;
    logging::connection_label who_;  // remote follows client_
    std::optional<net::admission::slot> place_;
    std::optional<net::client_limits::slot> client_place_;  // among its client's HTTP connections
    beast::tcp_stream stream_;
    asio::ip::address peer_;        // the TCP peer
    net::client_address client_;    // who the current request is from
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::shared_ptr<void> in_flight_;  // the response being written
    net::session_tracker::key tracker_key_ = 0;
    bool upgraded_ = false;
};

}  // namespace duet::http
