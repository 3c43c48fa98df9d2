#include "support/nginx_front.hpp"

#include "support/child_process.hpp"

#include <climits>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef DUET_SOURCE_DIR
#error "DUET_SOURCE_DIR (the source tree, for tests/nginx/nginx_front.sh) must be defined"
#endif
#ifndef DUET_NGINX_PATH
#define DUET_NGINX_PATH "/usr/sbin/nginx"
#endif

namespace duet::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

// nginx normally accepts within some tens of milliseconds; the deadline only bounds a
// start on a machine loaded by other test processes.
constexpr auto nginx_start_deadline = 20s;
constexpr int nginx_port_attempts = 5;
constexpr auto nginx_stop_deadline = 5s;
// Between two looks at a child that is starting or stopping: polling a process we do
// not control, bounded by the deadlines above.
constexpr auto nginx_poll_interval = 5ms;

sockaddr_in loopback_address(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

bool accepts_tcp(std::uint16_t port) {
    int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    auto const address = loopback_address(port);
    bool const connected = ::connect(fd, reinterpret_cast<sockaddr const*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
}

}  // namespace

nginx_front::nginx_front(std::uint16_t upstream_port, double timeout_scale)
    : nginx_front(std::vector<std::uint16_t>{upstream_port}, {}, timeout_scale) {}

nginx_front::nginx_front(std::vector<std::uint16_t> upstream_ports, std::string server_params, double timeout_scale)
    : upstream_ports_(std::move(upstream_ports)),
      server_params_(std::move(server_params)),
      timeout_scale_(timeout_scale),
      dir_(make_private_dir("duet-nginx")) {
    if (upstream_ports_.empty()) {
        fail("no upstream port");
    }
    auto const deadline = steady_clock::now() + nginx_start_deadline;
    for (int attempt = 1; attempt <= nginx_port_attempts; ++attempt) {
        auto const listen_port = free_loopback_port();
        if (start_on(listen_port, deadline) == outcome::accepting) {
            port_ = listen_port;
            return;
        }
    }
    fail("every one of " + std::to_string(nginx_port_attempts) + " free ports was taken before nginx could bind it");
}

nginx_front::~nginx_front() {
    stop();
    if (std::getenv("DUET_TEST_KEEP_NGINX") != nullptr) {
        return;  // asked for: its config and error.log, to read after the test
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string nginx_front::log_tail(std::size_t lines) const {
    std::string out = "nginx error.log (" + (dir_ / "error.log").string() + "), last lines:\n" +
                      last_lines(read_file(dir_ / "error.log"), lines);
    auto const early = read_file(dir_ / "stderr.log");
    if (!early.empty()) {
        out += "nginx_front.sh stderr:\n" + last_lines(early, lines);
    }
    return out;
}

nginx_front::outcome nginx_front::start_on(std::uint16_t listen_port, steady_clock::time_point deadline) {
    spawn(listen_port);
    // Ready when nginx has written its pid file (it does so only after binding its
    // listen socket, so the port is nginx's and not a stranger's) and a connection to
    // the port succeeds.
    auto const pid_text = std::to_string(pid_) + "\n";
    while (steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            if (read_file(dir_ / "error.log").find("Address already in use") != std::string::npos) {
                return outcome::port_taken;
            }
            fail("nginx " + describe_exit(status) + " before accepting on 127.0.0.1:" + std::to_string(listen_port));
        }
        // nginx retries a taken port for 2.5 s before it gives up: do not wait for that.
        if (read_file(dir_ / "error.log").find("Address already in use") != std::string::npos) {
            stop();
            return outcome::port_taken;
        }
        if (read_file(dir_ / "nginx.pid") == pid_text && accepts_tcp(listen_port)) {
            return outcome::accepting;
        }
        std::this_thread::sleep_for(nginx_poll_interval);
    }
    fail("nginx did not accept on 127.0.0.1:" + std::to_string(listen_port) + " within " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(nginx_start_deadline).count()) + " s");
}

void nginx_front::spawn(std::uint16_t listen_port) {
    // Each attempt's logs are its own: an old "Address already in use" must not count.
    for (auto const* name : {"error.log", "stderr.log", "nginx.pid"}) {
        std::error_code ignored;
        std::filesystem::remove(dir_ / name, ignored);
    }
    std::vector<std::string> args{"bash",
                                  DUET_SOURCE_DIR "/tests/nginx/nginx_front.sh",
                                  "--upstream",
                                  upstream_list(),
                                  "--listen",
                                  std::to_string(listen_port),
                                  "--dir",
                                  dir_.string(),
                                  "--nginx",
                                  DUET_NGINX_PATH,
                                  "--timeout-scale",
                                  std::to_string(timeout_scale_)};
    if (!server_params_.empty()) {
        args.push_back("--server-params");
        args.push_back(server_params_);
    }
    // Its own process group, so that a last-resort SIGKILL reaches nginx's worker too.
    child_spec nginx;
    nginx.argv = std::move(args);
    nginx.output = dir_ / "stderr.log";
    nginx.own_process_group = true;
    pid_ = spawn_child(nginx);
    if (pid_ < 0) {
        fail("fork failed");
    }
}

void nginx_front::stop() noexcept {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);  // nginx's fast shutdown: it stops its worker and exits
    auto const deadline = steady_clock::now() + nginx_stop_deadline;
    while (steady_clock::now() < deadline) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(nginx_poll_interval);
    }
    ::kill(-pid_, SIGKILL);  // the master and its worker
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string nginx_front::upstream_list() const {
    std::string list;
    for (auto const port : upstream_ports_) {
        list += (list.empty() ? "" : ",") + std::to_string(port);
    }
    return list;
}

void nginx_front::fail(std::string const& what) {
    auto const message = "nginx_front (upstream 127.0.0.1:" + upstream_list() + "): " + what + "\n" +
                         log_tail();
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw std::runtime_error(message);
}

}  // namespace duet::testing
