#pragma once

#include <duet/app/lease_timer.hpp>
#include <duet/cluster/cluster_room_registry.hpp>
#include <duet/config/load_settings.hpp>
#include <duet/config/settings.hpp>
#include <duet/http/router.hpp>
#include <duet/http/session_context.hpp>
#include <duet/http/static_files.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/metrics/prometheus.hpp>
#include <duet/net/admission.hpp>
#include <duet/net/asio.hpp>
#include <duet/net/client_limits.hpp>
#include <duet/net/listener.hpp>
#include <duet/net/proxy_trust.hpp>
#include <duet/net/session_tracker.hpp>
#include <duet/access/local_spent_tokens.hpp>
#include <duet/rooms/local_room_registry.hpp>
#include <duet/signaling/context.hpp>
#include <duet/ws/session_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

namespace duet::app {

/// The daemon and its composition root: owns the settings, the rooms, the counters,
/// the admission limits, the session list, the one event loop and its thread, the
/// listeners (the public one, and the admin one for /metrics and /healthz when
/// `admin_address` is set), the signal handling and the shutdown sequence
/// (docs/protocol.md rule 11).
///
/// One event loop on one thread per process (docs/architecture.md says why): every
/// session, the registry and the counters are touched only there. Construct it on one
/// thread, then start()/wait() (or run()) there; stop() and gauges() may be called from
/// any other thread.
class server {
public:
    struct options {
        bool handle_signals = true;  // SIGTERM/SIGINT start the shutdown; tests turn this off
        /// SIGHUP: reads the settings again (the config file, then the same flags). The
        /// daemon keeps running either way; refused settings leave the running ones.
        std::function<config::load_outcome()> reload;
    };

    /// Binds the listening socket; throws std::runtime_error naming what failed
    /// (the public folder, or the address and port).
    server(config::settings settings, options opts);
    server(server const&) = delete;
    server& operator=(server const&) = delete;
    /// Stops (if still running) and joins the loop's thread before any member goes.
    ~server();

    std::uint16_t port() const noexcept { return port_; }
    /// The admin listener's port; 0 when there is none.
    std::uint16_t admin_port() const noexcept { return admin_port_; }

    /// Starts the event loop on a thread of its own and returns.
    void start();
    /// Begins the graceful shutdown: stop accepting, close every WebSocket with 1001,
    /// and stop the loop when the last session is gone or after `shutdown_grace`.
    void stop();
    /// Blocks until the loop's thread has finished.
    void wait();
    /// Runs the event loop on the calling thread until the shutdown ends; returns the
    /// process exit code.
    int run();

    /// The live figures, read on the loop; from another thread (tests), not the loop's.
    metrics::gauges gauges();

private:
    metrics::gauges gauges_on_loop() const;
    void accept(tcp::socket socket, http::session_context const& context);
    void begin_shutdown();
    void wait_for_signal();
    /// SIGHUP: applies what options::reload reads, where it may change.
    void reload();

    // Members are destroyed in reverse order: what the sessions refer to outlives
    // ioc_, whose queued handlers may still touch it while being destroyed.
    config::settings settings_;  // changed only by reload(), on the loop
    std::chrono::steady_clock::time_point const started_ = std::chrono::steady_clock::now();
    http::static_files const files_;
    metrics::counters counters_;
    // The rooms: this process's own (local_room_registry) or a cluster's, shared through
    // Redis (cluster_ then points at it, for what only a cluster node does).
    std::unique_ptr<rooms::room_registry> rooms_;
    cluster::cluster_room_registry* cluster_ = nullptr;
    std::unique_ptr<access::spent_tokens> spent_tokens_;  // in Redis too on a cluster node
    std::vector<config::join_secret> join_secrets_;  // settings_.join_secrets, split; replaced by reload()
    net::admission websockets_;
    net::admission http_connections_;
    net::proxy_trust trusted_proxies_;  // trusted_proxies, parsed; replaced by reload()
    net::client_limits clients_;        // the per-client limits
    net::session_tracker tracker_;
    std::uint64_t connections_accepted_ = 0;  // numbers each connection for the logs
    signaling::context const signaling_;
    ws::session_context const ws_;
    http::site const pages_;
    http::session_context const http_;
    http::site const admin_pages_;
    http::session_context const admin_http_;

    asio::io_context ioc_;
    std::optional<asio::signal_set> signals_;
    asio::steady_timer grace_;
    std::optional<lease_timer> leases_;  // ends seat leases on time (rule 12)
    std::shared_ptr<net::listener> listener_;
    std::shared_ptr<net::listener> admin_listener_;  // null without admin_address
    std::uint16_t port_ = 0;
    std::uint16_t admin_port_ = 0;
    bool shutting_down_ = false;  // on the loop
    bool loop_done_ = false;      // the loop's thread has ended
    std::function<config::load_outcome()> reload_settings_;
    std::thread loop_thread_;
};

}  // namespace duet::app
