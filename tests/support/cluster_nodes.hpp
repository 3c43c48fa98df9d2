#pragma once

#include "support/http_client.hpp"
#include "support/nginx_front.hpp"
#include "support/redis_server.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace duet::testing {

/// A duetd cluster on loopback for one test (issue 13): a private redis-server on a free
/// TCP port, `nodes` duetd child processes that share rooms through it (each with
/// `--cluster-redis-url redis://127.0.0.1:PORT/0`, a cluster name unique to this object,
/// `--cluster-node-ttl` and `--seat-lease`), and a private nginx running the shipped
/// config/nginx.conf with a round-robin upstream over the nodes. The constructor returns
/// once every node answers `/healthz` with 200 and nginx accepts; the destructor stops
/// nginx, the nodes and Redis, and removes their folders.
///
/// Every node listens on 127.0.0.1 and keeps its port for its whole life, across
/// start() after a stop, so nginx's upstream still points at it. Node ports are taken
/// below the kernel's ephemeral range, so no client connection can hold a stopped node's
/// port as its source port. The per-client limits
/// are lifted (every test client, and nginx, is 127.0.0.1); a test's `extra_args` come
/// last and win.
///
/// nginx's upstream lines carry `max_fails=0`: nginx never marks a node down, and a
/// connect refused by a stopped node moves the request to the next node (nginx's default
/// `proxy_next_upstream error timeout`, which the shipped locations keep), so a restarted
/// node is back in the rotation at once. With `max_fails=1 fail_timeout=1s` instead, a
/// rolling restart in which every node had refused one connection within a second left
/// nginx 1.22 answering 502 "no live upstreams" for the next 30 s, with every node up.
/// Threads: owned by the test's thread, which alone may call signal(), wait_exit() and
/// start(): a node is started with PR_SET_PDEATHSIG, which Linux ties to the thread that
/// forked it, so a node started by a thread that ends would be killed with it. (A test
/// that restarts nodes during traffic drives the traffic from a second thread instead.)
/// node_port(), front_port() and healthz() may be used from any thread. A node's stdout
/// and stderr go to its log (one file across restarts, a marker line before each start):
/// log_tail() for failure messages. DUET_TEST_KEEP_CLUSTER=1 keeps the folder after the
/// test.
class cluster_nodes {
public:
    struct options {
        std::size_t nodes = 3;
        std::chrono::seconds node_ttl{2};   // --cluster-node-ttl
        std::chrono::seconds seat_lease{20};  // --seat-lease
        std::vector<std::string> extra_args;  // more duetd flags, after the harness's own
        /// nginx `server` parameters on each upstream line.
        std::string upstream_params = "max_fails=0";
    };

    /// Starts everything; throws std::runtime_error (with the logs' tails) on failure.
    cluster_nodes(std::filesystem::path duetd, options opts);
    ~cluster_nodes();
    cluster_nodes(cluster_nodes const&) = delete;
    cluster_nodes& operator=(cluster_nodes const&) = delete;

    std::size_t size() const noexcept { return nodes_.size(); }
    std::uint16_t node_port(std::size_t i) const { return nodes_.at(i).port; }
    std::vector<std::uint16_t> node_ports() const;
    /// nginx's listen port on 127.0.0.1.
    std::uint16_t front_port() const noexcept { return front_->port(); }
    nginx_front& front() noexcept { return *front_; }
    redis_server& redis() noexcept { return *redis_; }
    /// The --cluster-name the nodes were given (unique per cluster_nodes object).
    std::string const& name() const noexcept { return name_; }

    /// Sends `sig` to node i (nothing if it is not running).
    void signal(std::size_t i, int sig);
    /// Waits until node i has exited or `deadline`; its wait() status, or nullopt if it
    /// is still running at the deadline. Once reaped, later calls return the same status.
    std::optional<int> wait_exit(std::size_t i, std::chrono::steady_clock::time_point deadline);
    /// Starts node i again on its port and waits until its /healthz answers 200; throws
    /// (with its log's tail) if it exits or does not answer within 30 s. Node i must have
    /// exited (wait_exit returned a status).
    void start(std::size_t i);
    /// True while node i's process has not been seen to exit.
    bool running(std::size_t i) const;
    /// Node i's pid while it runs (changes at each start).
    pid_t pid(std::size_t i) const { return nodes_.at(i).pid; }

    /// GET /healthz on node i (status 0 when it does not answer).
    http_answer healthz(std::size_t i) const;
    /// The last `lines` lines of node i's log.
    std::string log_tail(std::size_t i, std::size_t lines = 40) const;
    /// Every node's log tail, nginx's and Redis's: for a failure message.
    std::string logs(std::size_t lines = 25) const;

private:
    struct node {
        std::uint16_t port = 0;
        pid_t pid = -1;
        std::optional<int> exit_status;
        std::filesystem::path log;
    };

    /// Spawns node i on its port; returns once it answers /healthz, or false if it
    /// exited because the port was taken (only tried again on a first start).
    bool launch(std::size_t i, std::chrono::steady_clock::time_point deadline);
    void spawn(std::size_t i);
    void stop_all() noexcept;
    [[noreturn]] void fail(std::string const& what);

    std::filesystem::path duetd_;
    options options_;
    std::string name_;
    std::filesystem::path dir_;
    std::unique_ptr<redis_server> redis_;
    std::vector<node> nodes_;
    std::unique_ptr<nginx_front> front_;
};

}  // namespace duet::testing
