#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

namespace duet::testing {

/// A private redis-server (Debian's, from PATH or /usr/bin) for one test or one suite:
/// no persistence (--save '' --appendonly no), its files in a temporary folder. It
/// always listens on a unix socket in that folder, and with `tcp` also on a loopback
/// port picked when it is first started (retried if another process takes the port
/// first). The constructor returns once the server answers PING; the destructor stops it
/// and removes the folder.
///
/// Owned by one test thread. stop() and start() again keep the socket path and the port,
/// for tests of a server that goes away and comes back. A failure throws
/// std::runtime_error with the tail of the server's log.
class redis_server {
public:
    struct options {
        bool tcp = false;
        std::string requirepass;  // --requirepass when not empty
    };

    redis_server();
    explicit redis_server(options opts);
    ~redis_server();
    redis_server(redis_server const&) = delete;
    redis_server& operator=(redis_server const&) = delete;

    std::filesystem::path const& socket_path() const noexcept { return socket_; }
    /// The loopback TCP port, or 0 without `tcp`.
    std::uint16_t port() const noexcept { return port_; }
    /// unix:///.../redis.sock (?db=N when db is not 0).
    std::string unix_url(int db = 0) const;
    /// redis://127.0.0.1:port (/N when db is not 0); needs `tcp`.
    std::string tcp_url(int db = 0) const;

    /// SIGTERM and wait for the process to end (SIGKILL after a bounded wait).
    void stop() noexcept;
    /// Starts it again on the same socket and port, and waits until it answers PING.
    void start();
    bool running() const noexcept { return pid_ > 0; }

    std::string log_tail(std::size_t lines = 20) const;

private:
    enum class outcome { answering, port_taken };

    outcome start_once(std::chrono::steady_clock::time_point deadline);
    void spawn();
    bool answers_ping() const;
    [[noreturn]] void fail(std::string const& what);

    options options_;
    std::filesystem::path dir_;
    std::filesystem::path socket_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace duet::testing
