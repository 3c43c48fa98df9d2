#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>
#include <sys/types.h>

namespace duet::testing {

/// A private nginx in front of a daemon on 127.0.0.1 (or of several: a cluster's nodes,
/// balanced round-robin), configured by the shipped config/nginx.conf with only its
/// upstream and listen lines changed: the child process
/// runs tests/nginx/nginx_front.sh, which renders the config and then becomes nginx, so
/// the child IS nginx. The constructor returns once nginx accepts TCP connections on
/// port(); the destructor stops it and removes its folder.
///
/// Owned by one test thread (nothing here is shared). nginx's own log is
/// dir()/error.log; a failure to start throws std::runtime_error with its tail. Set
/// DUET_TEST_KEEP_NGINX=1 to keep dir() after the test (for nginx's debug level, change
/// `info` to `debug` in nginx_front.sh: Debian's nginx is built --with-debug).
class nginx_front {
public:
    /// `timeout_scale` multiplies config/nginx.conf's proxy_read_timeout and
    /// proxy_send_timeout (for a test of them against keepalive settings scaled alike).
    explicit nginx_front(std::uint16_t upstream_port, double timeout_scale = 1.0);
    /// In front of several daemons: the upstream gets one `server 127.0.0.1:PORT` line per
    /// port, in this order, each followed by `server_params` (e.g. "max_fails=1
    /// fail_timeout=1s"; empty: none, nginx's defaults).
    nginx_front(std::vector<std::uint16_t> upstream_ports, std::string server_params, double timeout_scale = 1.0);
    ~nginx_front();
    nginx_front(nginx_front const&) = delete;
    nginx_front& operator=(nginx_front const&) = delete;

    /// Where clients connect: nginx's listen port on 127.0.0.1.
    std::uint16_t port() const noexcept { return port_; }
    std::filesystem::path const& dir() const noexcept { return dir_; }
    /// The last `lines` lines of nginx's error.log (and of what it printed before it
    /// opened that log), for failure messages.
    std::string log_tail(std::size_t lines = 30) const;
    /// Stops nginx now (SIGTERM, then SIGKILL after a bounded wait); its folder and log
    /// stay until destruction.
    void stop() noexcept;

private:
    enum class outcome { accepting, port_taken };

    outcome start_on(std::uint16_t listen_port, std::chrono::steady_clock::time_point deadline);
    void spawn(std::uint16_t listen_port);
    [[noreturn]] void fail(std::string const& what);

    std::string upstream_list() const;

    std::vector<std::uint16_t> upstream_ports_;
    std::string server_params_;
    double timeout_scale_;
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace duet::testing
