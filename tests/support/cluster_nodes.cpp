#include "support/cluster_nodes.hpp"

#include "support/child_process.hpp"

#include <atomic>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace duet::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

// A node normally answers /healthz within some tens of milliseconds of its start; the
// deadline only bounds a start on a machine loaded by other builds and tests.
constexpr auto node_start_deadline = 30s;
constexpr int node_port_attempts = 5;
// The destructor's SIGTERM: a node closes its connections and exits within its
// shutdown grace (set to 2 s below); past this it is killed.
constexpr auto node_stop_deadline = 5s;
// Between two looks at a child that is starting or stopping: polling a process we do not
// control, bounded by the deadlines above.
constexpr auto node_poll_interval = 10ms;

/// A loopback port below the kernel's ephemeral range that is free now. A node must get
/// its port back when it starts again; an ephemeral port could meanwhile become the
/// source port of one of the many connections a test opens (nginx's to the other nodes
/// among them), and the restart would fail. Below the range only an explicit bind takes
/// a port. Falls back to free_loopback_port() when the range leaves no room below it.
std::uint16_t node_port_candidate() {
    unsigned low = 32768;
    {
        std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
        range >> low;
    }
    constexpr unsigned lowest = 10000;
    if (low <= lowest + 1000 || low > 65535) {
        return free_loopback_port();
    }
    static std::mt19937 pick(std::random_device{}());
    std::uniform_int_distribution<unsigned> in_range(lowest, low - 1);
    for (int attempt = 0; attempt < 50; ++attempt) {
        auto const port = static_cast<std::uint16_t>(in_range(pick));
        int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            break;
        }
        int const on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as the node will bind it
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool const free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        if (free) {
            return port;
        }
    }
    return free_loopback_port();
}

/// duet-test-<pid>-<n>: no two clusters of one run, nor of two runs at once, share keys
/// in a Redis (each test has its own Redis anyway; the name also tells logs apart).
std::string unique_cluster_name() {
    static std::atomic<unsigned> counter{0};
    return "duet-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

}  // namespace

cluster_nodes::cluster_nodes(std::filesystem::path duetd, options opts)
    : duetd_(std::move(duetd)),
      options_(std::move(opts)),
      name_(unique_cluster_name()),
      dir_(make_private_dir("duet-cluster")) {
    try {
        if (options_.nodes == 0) {
            throw std::runtime_error("a cluster needs at least one node");
        }
        redis_server::options redis_options;
        redis_options.tcp = true;
        redis_ = std::make_unique<redis_server>(redis_options);
        nodes_.resize(options_.nodes);
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            nodes_[i].log = dir_ / ("node-" + std::to_string(i) + ".log");
        }
        // One after another, each on a port found free a moment before; a node that
        // finds its port taken gets another (only at this first start: afterwards
        // nginx's upstream names the port).
        auto const deadline = steady_clock::now() + node_start_deadline * static_cast<long>(nodes_.size());
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            bool up = false;
            for (int attempt = 1; attempt <= node_port_attempts && !up; ++attempt) {
                nodes_[i].port = node_port_candidate();
                up = launch(i, deadline);
            }
            if (!up) {
                fail("node " + std::to_string(i) + ": every one of " + std::to_string(node_port_attempts) +
                     " free ports was taken before it could bind");
            }
        }
        front_ = std::make_unique<nginx_front>(node_ports(), options_.upstream_params);
    } catch (...) {
        // A constructor that throws has no destructor: stop what did start (the
        // message already holds the logs' tails).
        stop_all();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw;
    }
}

cluster_nodes::~cluster_nodes() {
    stop_all();
    if (std::getenv("DUET_TEST_KEEP_CLUSTER") != nullptr) {
        return;  // asked for: the nodes' logs, to read after the test
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::vector<std::uint16_t> cluster_nodes::node_ports() const {
    std::vector<std::uint16_t> ports;
    for (auto const& n : nodes_) {
        ports.push_back(n.port);
    }
    return ports;
}

void cluster_nodes::signal(std::size_t i, int sig) {
    auto& n = nodes_.at(i);
    if (n.pid > 0 && !n.exit_status) {
        ::kill(n.pid, sig);
    }
}

std::optional<int> cluster_nodes::wait_exit(std::size_t i, steady_clock::time_point deadline) {
    auto& n = nodes_.at(i);
    if (n.pid <= 0) {
        return n.exit_status;
    }
    while (true) {
        int status = 0;
        if (::waitpid(n.pid, &status, WNOHANG) == n.pid) {
            n.exit_status = status;
            n.pid = -1;
            return status;
        }
        if (steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(node_poll_interval);
    }
}

bool cluster_nodes::running(std::size_t i) const {
    auto const& n = nodes_.at(i);
    return n.pid > 0 && !n.exit_status;
}

void cluster_nodes::start(std::size_t i) {
    if (running(i)) {
        throw std::runtime_error("cluster_nodes::start(" + std::to_string(i) + "): the node is still running");
    }
    if (!launch(i, steady_clock::now() + node_start_deadline)) {
        fail("node " + std::to_string(i) + ": port " + std::to_string(nodes_[i].port) +
             " was taken while the node was stopped");
    }
}

bool cluster_nodes::launch(std::size_t i, steady_clock::time_point deadline) {
    auto& n = nodes_.at(i);
    {
        std::ofstream(n.log, std::ios::app) << "=== cluster_nodes: starting node " << i << " on 127.0.0.1:" << n.port
                                            << " ===\n";
    }
    auto const log_size_before = read_file(n.log).size();
    spawn(i);
    while (steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(n.pid, &status, WNOHANG) == n.pid) {
            n.pid = -1;
            n.exit_status = status;
            if (read_file(n.log).substr(log_size_before).find("Address already in use") != std::string::npos) {
                return false;
            }
            fail("node " + std::to_string(i) + " " + describe_exit(status) + " before answering /healthz");
        }
        if (http_get(n.port, "/healthz").status == 200) {
            return true;
        }
        std::this_thread::sleep_for(node_poll_interval);
    }
    fail("node " + std::to_string(i) + " did not answer /healthz on 127.0.0.1:" + std::to_string(n.port) +
         " in time");
}

void cluster_nodes::spawn(std::size_t i) {
    auto& n = nodes_.at(i);
    std::vector<std::string> args{duetd_.string(),
                                  "--port",
                                  std::to_string(n.port),
                                  "--address",
                                  "127.0.0.1",
                                  "--cluster-redis-url",
                                  redis_->tcp_url() + "/0",
                                  "--cluster-name",
                                  name_,
                                  "--cluster-node-ttl",
                                  std::to_string(options_.node_ttl.count()),
                                  "--seat-lease",
                                  std::to_string(options_.seat_lease.count()),
                                  // Every client of a test is 127.0.0.1, directly or as
                                  // nginx: per-client limits would count them as one.
                                  "--max-connections-per-client",
                                  "100000",
                                  "--max-http-connections-per-client",
                                  "100000",
                                  "--handshake-rate-per-client",
                                  "100000",
                                  "--handshake-burst-per-client",
                                  "100000",
                                  "--shutdown-grace",
                                  "2"};
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    // A SIGKILL if the test process dies first, so no node outlives a crashed test. The
    // log is appended to: a node started again keeps what it logged before.
    child_spec spec;
    spec.argv = std::move(args);
    spec.output = n.log;
    spec.append_output = true;
    spec.death_signal = SIGKILL;
    pid_t const pid = spawn_child(spec);
    if (pid < 0) {
        fail("fork failed");
    }
    n.pid = pid;
    n.exit_status.reset();
}

http_answer cluster_nodes::healthz(std::size_t i) const {
    return http_get(nodes_.at(i).port, "/healthz");
}

std::string cluster_nodes::log_tail(std::size_t i, std::size_t lines) const {
    auto const& n = nodes_.at(i);
    return "node " + std::to_string(i) + " (127.0.0.1:" + std::to_string(n.port) + ") log " + n.log.string() +
           ", last lines:\n" + last_lines(read_file(n.log), lines);
}

std::string cluster_nodes::logs(std::size_t lines) const {
    std::string out;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        out += log_tail(i, lines);
    }
    if (front_) {
        out += front_->log_tail(lines);
    }
    if (redis_) {
        out += redis_->log_tail(lines);
    }
    return out;
}

void cluster_nodes::stop_all() noexcept {
    front_.reset();
    // SIGTERM to all first, so they shut down side by side.
    for (auto& n : nodes_) {
        if (n.pid > 0) {
            ::kill(n.pid, SIGTERM);
        }
    }
    auto const deadline = steady_clock::now() + node_stop_deadline;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        auto& n = nodes_[i];
        if (n.pid > 0 && !wait_exit(i, deadline)) {
            ::kill(n.pid, SIGKILL);
            ::waitpid(n.pid, nullptr, 0);
            n.pid = -1;
        }
    }
    redis_.reset();
}

void cluster_nodes::fail(std::string const& what) {
    throw std::runtime_error("cluster_nodes (" + name_ + "): " + what + "\n" + logs());
}

}  // namespace duet::testing
