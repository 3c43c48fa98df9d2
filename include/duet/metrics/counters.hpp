#pragma once

#include <duet/metrics/histogram.hpp>
#include <duet/protocol/error_code.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace duet::metrics {

/// Why a WebSocket connection ended, for `duet_ws_closes_total{reason=...}`.
enum class close_reason : std::size_t {
    client_closed,   // the client sent a close frame
    disconnected,    // the TCP connection dropped without a close frame
    shutdown,        // rule 11: 1001 on SIGTERM/SIGINT
    idle_timeout,    // rule 7
    slow_consumer,   // rule 5: 1008
    violations,      // rule 8: 1008
    too_big,         // 1009
    binary_frame,    // 1003
    replaced,        // rule 12: 4000, the seat was resumed on another connection
};
inline constexpr std::size_t close_reason_count = 9;

std::string_view label(close_reason reason) noexcept;

/// The daemon's counters: what happened, never what is allowed (admission limits are
/// net::admission's). Owned by the server and updated on its event loop; relaxed atomics,
/// so a test or scrape on another thread may read them (each is an independent count;
/// nothing is inferred from their order).
struct counters {
    using counter = std::atomic<std::uint64_t>;

    counter accept_failures_total{0};        // accept() calls that failed (net::listener)
    counter ws_accepted_total{0};
    counter ws_handshake_failures_total{0};  // upgrades that never became a WebSocket
    counter ws_refused_origin_total{0};
    counter ws_refused_capacity_total{0};
    counter ws_refused_client_connections_total{0};  // max_connections_per_client: 503
    counter ws_refused_client_rate_total{0};         // the handshake bucket per client: 429
    counter http_requests_total{0};
    counter http_refused_total{0};                   // max_http_connections
    counter http_refused_client_connections_total{0};  // max_http_connections_per_client
    counter joins_total{0};
    counter fulls_total{0};
    counter leaves_total{0};
    // Rule 12, counted by the room registry, which decides each of them:
    counter leases_started_total{0};   // seats held after a connection ended without leave
    counter leases_resumed_total{0};   // ...held seats taken back with their secret
    counter leases_expired_total{0};   // ...held seats released because the lease ended
    counter relay_requests_total{0};
    counter messages_relayed_total{0};  // frames handed to receivers
    counter bytes_relayed_total{0};     // bytes of those frames
    std::array<counter, protocol::error_code_count> errors_total{};
    std::array<counter, close_reason_count> closes_total{};
    call_timings calls;  // filled by the room registry, which sees calls begin and end
    // A cluster node (docs/cluster.md); all zero on a daemon alone.
    counter cluster_messages_out_total{0};   // relays sent through Redis to other nodes or held seats
    counter cluster_messages_in_total{0};    // messages from other nodes delivered here
    counter cluster_redis_lost_total{0};     // times the node lost Redis (and went degraded)
    counter cluster_dead_nodes_total{0};     // dead nodes this node reaped
    counter cluster_resumes_total{0};        // seats resumed on this node
    cluster_timings cluster;

    static void add(counter& c, std::uint64_t n = 1) noexcept { c.fetch_add(n, std::memory_order_relaxed); }
    static void sub(counter& c, std::uint64_t n = 1) noexcept { c.fetch_sub(n, std::memory_order_relaxed); }
    static std::uint64_t read(counter const& c) noexcept { return c.load(std::memory_order_relaxed); }

    void count_error(protocol::error_code code) noexcept { add(errors_total[static_cast<std::size_t>(code)]); }
    void count_close(close_reason reason) noexcept { add(closes_total[static_cast<std::size_t>(reason)]); }
};

}  // namespace duet::metrics
