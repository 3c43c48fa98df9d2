#pragma once

#include <duet/net/asio.hpp>

#include <functional>
#include <memory>

namespace duet::net {

/// Accepts TCP connections and hands each to `on_connection` (the composition root
/// decides what serves it). Owned by app::server; its handlers keep it alive while an
/// accept is pending. Runs on the event-loop thread; so does stop().
class listener : public std::enable_shared_from_this<listener> {
public:
    using connection_handler = std::function<void(tcp::socket)>;

    /// Opens, binds and listens; throws std::runtime_error naming the address and port
    /// when that fails (in use, no permission, bad address).
    listener(asio::io_context& ioc, tcp::endpoint endpoint, connection_handler on_connection);

    void run();
    void stop();
    tcp::endpoint local_endpoint() const;

private:
    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);

    tcp::acceptor acceptor_;
    asio::steady_timer retry_;
    tcp::endpoint local_;
    connection_handler on_connection_;
};

}  // namespace duet::net
