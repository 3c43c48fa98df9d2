#pragma once

#include <duet/config/settings.hpp>
#include <duet/http/router.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/net/admission.hpp>
#include <duet/net/client_limits.hpp>
#include <duet/net/proxy_trust.hpp>
#include <duet/net/session_tracker.hpp>
#include <duet/ws/session_context.hpp>

namespace duet::http {

/// What every HTTP session shares. Owned by app::server, which outlives them all.
struct session_context {
    config::settings const& settings;
    site const& pages;
    metrics::counters& counters;
    net::session_tracker& tracker;
    net::admission& websockets;  // max_connections: one place per WebSocket
    net::client_limits& clients;  // the per-client limits (connections, handshake rate)
    net::proxy_trust const& trusted_proxies;  // replaced in place by a reload
    ws::session_context const& ws;
};

}  // namespace duet::http
