#pragma once

#include <duet/net/asio.hpp>

#include <functional>
#include <memory>

namespace duet::net {

/// Accepts TCP connections and hands each to `on_connection` (the composition root
/// decides what serves it). Owned by app::server; its handlers keep it alive while an
/// accept is pending. Runs on the event-loop thread; so does stop().
///
/// Out of descriptors (EMFILE, ENFILE), a connection would wait in the kernel's backlog
/// with no answer until the client gives up. The listener keeps one descriptor in
/// reserve for that: it frees it, accepts the waiting connection, closes it at once (a
/// quick refusal), takes the reserve back, and tries again after a short pause. One
/// log line when such an episode begins and one when it ends, not one per attempt.
class listener : public std::enable_shared_from_this<listener> {
public:
    using connection_handler = std::function<void(tcp::socket)>;
    /// Called on each failed accept (the owner counts them: net knows no metrics).
    using failure_handler = std::function<void()>;

    /// Opens, binds and listens; throws std::runtime_error naming the address and port
    /// when that fails (in use, no permission, bad address).
    listener(asio::io_context& ioc, tcp::endpoint endpoint, connection_handler on_connection,
             failure_handler on_failure = {});
    ~listener();
    listener(listener const&) = delete;
    listener& operator=(listener const&) = delete;

    void run();
    void stop();
    tcp::endpoint local_endpoint() const;

private:
    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);
    /// Out of descriptors: refuse what waits, then retry after a pause.
    void refuse_while_out_of_descriptors(error_code ec);

    tcp::acceptor acceptor_;
    asio::steady_timer retry_;
    tcp::endpoint local_;
    connection_handler on_connection_;
    failure_handler on_failure_;
    int reserve_ = -1;               // a descriptor held for refusing when none is left
    std::size_t refused_ = 0;        // refusals in the current episode
    bool out_of_descriptors_ = false;
};

}  // namespace duet::net
