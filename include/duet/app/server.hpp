#pragma once

#include <duet/config/settings.hpp>
#include <duet/net/asio.hpp>
#include <duet/net/listener.hpp>
#include <duet/runtime/daemon_state.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace duet::app {

/// The daemon: owns the shared state, the io_context and its threads, the listener,
/// the signal handling and the shutdown sequence (PROTOCOL.md rule 11). Construct it
/// on one thread, then start()/wait() (or run()) there; stop() may be called from any
/// thread.
class server {
public:
    struct options {
        bool handle_signals = true;  // SIGTERM/SIGINT start the shutdown; tests turn this off
    };

    /// Binds the listening socket; throws std::runtime_error naming what failed
    /// (the public folder, or the address and port).
    server(config::settings settings, options opts);
    server(server const&) = delete;
    server& operator=(server const&) = delete;
    /// Stops (if still running) and joins the threads before any member goes.
    ~server();

    std::uint16_t port() const noexcept { return port_; }
    runtime::daemon_state& state() noexcept { return state_; }

    /// Starts the event-loop threads and returns.
    void start();
    /// Begins the graceful shutdown: stop accepting, close every WebSocket with 1001,
    /// and stop the loop when all are gone or after `shutdown_grace`.
    void stop();
    /// Blocks until the threads have finished.
    void wait();
    /// start() + wait(); returns the process exit code.
    int run();

private:
    void begin_shutdown();
    void wait_for_signal();
    void check_drained();

    // Members are destroyed in reverse order: the state outlives ioc_, whose queued
    // handlers may still touch it while being destroyed.
    runtime::daemon_state state_;
    asio::io_context ioc_;
    asio::strand<asio::io_context::executor_type> control_;  // shutdown steps run here
    std::optional<asio::signal_set> signals_;
    asio::steady_timer grace_;
    asio::steady_timer drain_poll_;
    std::shared_ptr<net::listener> listener_;
    std::uint16_t port_ = 0;
    bool shutting_down_ = false;  // on control_
    std::vector<std::thread> threads_;
};

}  // namespace duet::app
