#include <duet/app/open_files.hpp>

#include <sys/resource.h>

#include <algorithm>

namespace duet::app {

open_files_budget fit_connections(config::settings const& s, std::size_t open_files) {
    open_files_budget b;
    b.limit = open_files;
    b.max_connections = s.max_connections;
    b.max_http_connections = s.max_http_connections;
    auto const available = open_files > descriptors_for_the_daemon ? open_files - descriptors_for_the_daemon : 0;
    if (s.max_connections + s.max_http_connections <= available) {
        return b;
    }
    b.fitted = true;
    // HTTP connections are short (a page, /healthz, a handshake): an eighth of what is
    // left, at least a few, is plenty; WebSockets, the long-lived ones, get the rest.
    b.max_http_connections = std::min(s.max_http_connections, std::max<std::size_t>(4, available / 8));
    auto const rest = available > b.max_http_connections ? available - b.max_http_connections : 0;
    b.max_connections = std::max<std::size_t>(1, std::min(s.max_connections, rest));
    return b;
}

raised_limit raise_open_files_limit(config::settings const& s) {
    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < files.rlim_max) {
        rlimit raised = files;
        raised.rlim_cur = files.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            files = raised;
        }
    }
    raised_limit out;
    std::size_t const limit = files.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 30 : files.rlim_cur;
    out.budget = fit_connections(s, limit);
    if (out.budget.fitted) {
        out.warning = "the open-files limit (" + std::to_string(limit) + ") fits " +
                      std::to_string(out.budget.max_connections) + " WebSockets and " +
                      std::to_string(out.budget.max_http_connections) +
                      " HTTP connections, not max_connections " + std::to_string(s.max_connections) +
                      " + max_http_connections " + std::to_string(s.max_http_connections) +
                      ": running with those; handshakes past them get 503. Raise the limit to at least " +
                      std::to_string(s.max_connections + s.max_http_connections + descriptors_for_the_daemon) +
                      " (systemd: LimitNOFILE=, a shell: ulimit -n)";
    }
    return out;
}

}  // namespace duet::app
