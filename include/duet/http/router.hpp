#pragma once

#include <duet/http/responses.hpp>
#include <duet/http/static_files.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/metrics/prometheus.hpp>

#include <functional>
#include <string_view>

namespace duet::http {

/// What the router answers from: the public folder, the counters, and the gauges read
/// at request time from the parts that own them (the composition root supplies them).
/// One per listener: with `admin_address` set, the public listener's site has no
/// /metrics and the admin listener's has nothing but /metrics and /healthz.
struct site {
    static_files const& files;
    metrics::counters const& counters;
    std::function<metrics::gauges()> gauges;
    bool serves_pages = true;    // the public folder, /ws (426 here, the upgrade in http_session)
    bool serves_metrics = true;  // /metrics
};

/// The path of a request target: everything before '?' or '#'.
std::string_view target_path(std::string_view target) noexcept;

/// Answers a plain (non-upgrade) HTTP request, per docs/protocol.md's HTTP table:
/// /healthz, /metrics, 426 for /ws without an upgrade, the public folder for other
/// GET/HEAD paths, 405 with Allow for other methods; 404 for what `s` does not serve.
/// No sockets.
response route(request const& req, site const& s);

}  // namespace duet::http
