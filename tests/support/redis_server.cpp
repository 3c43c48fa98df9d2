#include "support/redis_server.hpp"

#include "support/child_process.hpp"

#include <csignal>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace duet::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

// redis-server answers within some milliseconds; the deadlines only bound a start or a
// stop on a machine loaded by other test processes.
constexpr auto redis_start_deadline = 20s;
constexpr auto redis_stop_deadline = 5s;
constexpr int redis_port_attempts = 5;
// Between two looks at a child that is starting or stopping: polling a process we do
// not control, bounded by the deadlines above.
constexpr auto redis_poll_interval = 5ms;

}  // namespace

redis_server::redis_server() : redis_server(options{}) {}

redis_server::redis_server(options opts)
    : options_(std::move(opts)), dir_(make_private_dir("duet-redis")), socket_(dir_ / "redis.sock") {
    start();
}

redis_server::~redis_server() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string redis_server::unix_url(int db) const {
    return "unix://" + socket_.string() + (db != 0 ? "?db=" + std::to_string(db) : "");
}

std::string redis_server::tcp_url(int db) const {
    return "redis://127.0.0.1:" + std::to_string(port_) + (db != 0 ? "/" + std::to_string(db) : "");
}

void redis_server::start() {
    if (running()) return;
    auto const deadline = steady_clock::now() + redis_start_deadline;
    // The first start picks the port; a restart must get the same one back (the tests
    // reconnect to the same address), so only the first may move on to another.
    bool const may_move = options_.tcp && port_ == 0;
    for (int attempt = 1; attempt <= (may_move ? redis_port_attempts : 1); ++attempt) {
        if (may_move) port_ = free_loopback_port();
        if (start_once(deadline) == outcome::answering) return;
    }
    fail(may_move ? "every one of " + std::to_string(redis_port_attempts) + " free ports was taken before redis-server bound it"
                  : "port " + std::to_string(port_) + " was taken while redis-server was stopped");
}

redis_server::outcome redis_server::start_once(steady_clock::time_point deadline) {
    spawn();
    while (steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            if (read_file(dir_ / "redis.log").find("Address already in use") != std::string::npos)
                return outcome::port_taken;
            fail("redis-server " + describe_exit(status) + " before answering PING");
        }
        if (answers_ping()) return outcome::answering;
        std::this_thread::sleep_for(redis_poll_interval);
    }
    fail("redis-server did not answer PING within " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(redis_start_deadline).count()) + " s");
}

void redis_server::spawn() {
    std::error_code ignored;
    std::filesystem::remove(dir_ / "redis.log", ignored);  // an old "Address already in use" must not count
    std::vector<std::string> args{"redis-server",   "--port",         std::to_string(port_), "--bind",
                                  "127.0.0.1",      "--unixsocket",   socket_.string(),      "--unixsocketperm",
                                  "700",            "--save",         "",                    "--appendonly",
                                  "no",             "--dir",          dir_.string(),         "--logfile",
                                  (dir_ / "redis.log").string(),      "--daemonize",         "no"};
    if (!options_.requirepass.empty()) {
        args.push_back("--requirepass");
        args.push_back(options_.requirepass);
    }
    child_spec server;
    server.argv = std::move(args);
    server.fallback = "/usr/bin/redis-server";
    pid_ = spawn_child(server);
    if (pid_ < 0) fail("fork failed");
}

bool redis_server::answers_ping() const {
    // Over the unix socket, which it always has: any one-line answer will do (+PONG, or
    // -NOAUTH when it wants a password): the server is reading commands.
    int const fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    auto const path = socket_.string();
    if (path.size() >= sizeof address.sun_path) {
        ::close(fd);
        throw std::runtime_error("redis_server: socket path too long: " + path);
    }
    path.copy(address.sun_path, path.size());
    timeval timeout{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    bool answered = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6) {
        char first = 0;
        answered = ::recv(fd, &first, 1, 0) == 1 && (first == '+' || first == '-');
    }
    ::close(fd);
    return answered;
}

void redis_server::stop() noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);  // redis-server closes its clients and exits (nothing to save)
    auto const deadline = steady_clock::now() + redis_stop_deadline;
    while (steady_clock::now() < deadline) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(redis_poll_interval);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string redis_server::log_tail(std::size_t lines) const {
    std::deque<std::string> kept;
    std::istringstream in(read_file(dir_ / "redis.log"));
    for (std::string line; std::getline(in, line);) {
        kept.push_back(std::move(line));
        if (kept.size() > lines) kept.pop_front();
    }
    std::string out = "redis-server log (" + (dir_ / "redis.log").string() + "), last lines:\n";
    for (auto const& line : kept) out += "  " + line + "\n";
    return out;
}

void redis_server::fail(std::string const& what) {
    auto const message = "redis_server (" + socket_.string() + "): " + what + "\n" + log_tail();
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);  // a constructor that throws has no destructor
    throw std::runtime_error(message);
}

}  // namespace duet::testing
