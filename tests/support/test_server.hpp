#pragma once

#include "support/nginx_front.hpp"
#include "support/redis_server.hpp"

#include <duet/app/server.hpp>
#include <duet/config/settings.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace duet::testing {

/// A real app::server on 127.0.0.1, port 0 (the kernel picks; the acceptor tells us:
/// no probe-then-bind race), serving a temporary public folder, its event loop on a
/// thread of its own: the configuration that ships.
/// Set DUET_TEST_LOG=debug to see the daemon's log.
///
/// With DUET_TEST_FRONT=nginx in the environment, a real nginx with the shipped
/// config/nginx.conf stands in front of the daemon (tests/support/nginx_front.hpp):
/// port() is then nginx's, so the same scenarios run as a client behind a proxy sees
/// them. A test about the daemon itself rather than the client's view (raw bytes on its
/// socket, its transport, its own HTTP answers) uses daemon_port().
///
/// With DUET_TEST_FRONT=cluster, the daemon is a cluster (docs/cluster.md): a private
/// redis-server, three app::server nodes sharing it (each with the test's settings), and
/// the real nginx in front balancing round-robin, so consecutive clients land on
/// different nodes. server() and daemon_port() are then node 0's; figures a node keeps
/// of its own (gauges, /metrics) cover its members only, so a test that reads them asks
/// clustered() first.
class test_server {
public:
    using tweak = std::function<void(config::settings&)>;

    explicit test_server(tweak adjust = {});
    ~test_server();

    /// Where clients connect: nginx's port when a front is configured, else the daemon's.
    std::uint16_t port() const noexcept { return front_ ? front_->port() : server_->port(); }
    /// The daemon's own port, whatever stands in front of it.
    std::uint16_t daemon_port() const noexcept { return server_->port(); }
    /// True when clients reach the daemon through a reverse proxy (DUET_TEST_FRONT).
    bool behind_proxy() const noexcept { return front_ != nullptr; }
    /// True when the daemon is a cluster of nodes sharing rooms (DUET_TEST_FRONT=cluster).
    bool clustered() const noexcept { return !more_nodes_.empty(); }
    app::server& server() noexcept { return *server_; }
    std::filesystem::path const& public_dir() const noexcept { return public_dir_; }
    /// A folder beside the public one: never served.
    std::filesystem::path const& outside_dir() const noexcept { return outside_dir_; }

    /// Starts the graceful shutdown and waits for the threads to end.
    void stop_and_wait();

private:
    std::filesystem::path base_;
    std::filesystem::path public_dir_;
    std::filesystem::path outside_dir_;
    std::unique_ptr<redis_server> redis_;              // cluster only
    std::unique_ptr<app::server> server_;
    std::vector<std::unique_ptr<app::server>> more_nodes_;  // cluster only: nodes 1 and 2
    std::unique_ptr<nginx_front> front_;
    bool stopped_ = false;
};

}  // namespace duet::testing
