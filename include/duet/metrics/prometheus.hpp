#pragma once

#include <duet/metrics/counters.hpp>
#include <duet/metrics/process_stats.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace duet::metrics {

/// Gauges read at scrape time from the parts that own them.
struct gauges {
    std::size_t ws_connections = 0;    // open WebSockets
    std::size_t http_connections = 0;  // open connections not (yet) upgraded
    std::size_t rooms = 0;
    std::size_t room_members = 0;
    std::size_t clients_tracked = 0;   // client addresses the per-client limits remember
    double uptime_seconds = 0;
    bool clustered = false;            // a cluster node (cluster_redis_url set)...
    bool degraded = false;             // ...that cannot reach Redis now
    std::optional<process_stats> process = std::nullopt;  // left out of the page when /proc is unreadable
};

/// The Prometheus text exposition (format 0.0.4) of `c` and `g`, with
/// `duet_build_info{version=...}` and the standard `process_*` family. Pure.
std::string render_prometheus(counters const& c, gauges const& g);

}  // namespace duet::metrics
