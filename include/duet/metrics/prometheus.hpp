#pragma once

#include <duet/metrics/counters.hpp>

#include <cstddef>
#include <string>

namespace duet::metrics {

/// Gauges read at scrape time from the parts that own them.
struct gauges {
    std::size_t ws_connections = 0;    // open WebSockets
    std::size_t http_connections = 0;  // open connections not (yet) upgraded
    std::size_t rooms = 0;
    std::size_t room_members = 0;
    double uptime_seconds = 0;
};

/// The Prometheus text exposition (format 0.0.4) of `c` and `g`. Pure.
std::string render_prometheus(counters const& c, gauges const& g);

}  // namespace duet::metrics
