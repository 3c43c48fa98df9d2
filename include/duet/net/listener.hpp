#pragma once

#include <duet/net/asio.hpp>
#include <duet/runtime/daemon_state.hpp>

#include <memory>

namespace duet::net {

/// Accepts TCP connections and starts an http_session for each, on a strand of its
/// own (the connection's only serialisation domain; with one event-loop thread, the
/// plain context, which serialises everything). Owned by app::server; its
/// handlers keep it alive while an accept is pending. stop() may be called from any
/// thread.
class listener : public std::enable_shared_from_this<listener> {
public:
    /// Opens, binds and listens; throws std::runtime_error naming the address and port
    /// when that fails (in use, no permission, bad address).
    listener(asio::io_context& ioc, tcp::endpoint endpoint, runtime::daemon_state& state);

    void run();
    void stop();
    tcp::endpoint local_endpoint() const;

private:
    /// A strand per connection, or the plain context when it runs on one thread.
    asio::any_io_executor connection_executor();
    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);

    asio::io_context& ioc_;
    runtime::daemon_state& state_;
    tcp::acceptor acceptor_;
    asio::steady_timer retry_;
    tcp::endpoint local_;
};

}  // namespace duet::net
