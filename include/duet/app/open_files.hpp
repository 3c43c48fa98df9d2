#pragma once

#include <duet/config/settings.hpp>

#include <cstddef>
#include <string>

namespace duet::app {

/// The process's open-files limit against the connection limits. Every connection is a
/// descriptor: with more configured connections than descriptors, the daemon would run
/// out mid-accept and new clients would hang in the backlog with no answer. Fitted
/// limits instead refuse WebSocket handshakes past them with 503, quickly, and keep
/// descriptors for plain HTTP (/healthz, the pages).
struct open_files_budget {
    std::size_t limit = 0;                 // the soft RLIMIT_NOFILE after raising it
    std::size_t max_connections = 0;       // WebSockets that fit
    std::size_t max_http_connections = 0;  // connections not yet upgraded that fit
    bool fitted = false;                   // the configured limits did not fit and were lowered
};

/// Descriptors kept for everything that is not a client connection: the listener,
/// the event loop's own, stdio and log files, the reserve the listener holds.
inline constexpr std::size_t descriptors_for_the_daemon = 64;

/// The limits that fit `open_files` descriptors. Pure: the rule on its own.
open_files_budget fit_connections(config::settings const& s, std::size_t open_files);

/// Raises the soft RLIMIT_NOFILE to the hard limit (systemd's default soft limit is
/// 1,024), then fits the settings' connection limits to it. `warning` is empty when
/// they fit, else one line for the log saying what was lowered and what to raise.
struct raised_limit {
    open_files_budget budget;
    std::string warning;
};
raised_limit raise_open_files_limit(config::settings const& s);

}  // namespace duet::app
