#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace duet::config {

/// Every setting of the daemon, with the documented defaults. A plain aggregate:
/// load_settings() fills it (defaults < config file < flags) and validate() checks it.
/// The event-loop thread reads it; a reload (SIGHUP) changes it there, between events.
/// A new setting also goes into settings_toml.cpp (--check-config prints it) and
/// settings_reload.cpp (whether SIGHUP may change it).
struct settings {
    // Where to listen and what to serve.
    std::string address = "127.0.0.1";
    std::uint16_t port = 9980;
    std::string public_dir;          // empty: the repo's public/ folder (compiled in)
    unsigned threads = 1;            // kept for old config files: only 1 (or 0) is valid
    // A second listener for /metrics and /healthz only, so that they need not be public;
    // empty: none, and the public listener serves /metrics itself.
    std::string admin_address;
    std::uint16_t admin_port = 9981;

    // Rooms (docs/protocol.md rules 1 and 9).
    std::size_t room_capacity = 2;
    std::size_t max_rooms = 10000;
    // Seat leases (docs/protocol.md rule 12): how long a member whose connection ended
    // without `leave` keeps its seat for a resume (0: no lease, `bye` at once, as in
    // 1.0), and how many bytes of messages are kept for it meanwhile.
    std::chrono::milliseconds seat_lease{20000};
    std::size_t lease_queue_bytes = 65536;

    // WebSocket limits (docs/protocol.md transport, rules 5, 7, 8, 10).
    std::size_t max_message_bytes = 65536;
    std::size_t max_send_queue_bytes = 1024 * 1024;
    double rate_limit_per_second = 50.0;
    double rate_limit_burst = 200.0;
    std::size_t max_violations = 100;
    std::chrono::milliseconds ping_interval{20'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::size_t max_connections = 10000;
    std::vector<std::string> allowed_origins;   // empty: any Origin
    // After the daemon's close frame: what the client still sends is read and dropped,
    // up to this many bytes and this long, so a proxy in between delivers the close
    // (docs/protocol.md section 8). 16 MiB: what a client streaming over a fast link may
    // have in flight (kernel buffers, nginx's) when the close reaches it; 1 MiB cut such
    // clients with a reset in up to 8 of 100 closes (docs/benchmarks.md, issue #14).
    // Dropping costs no parsing.
    std::size_t close_linger_bytes = 16 * 1024 * 1024;
    std::chrono::milliseconds close_linger_time{2'000};

    // HTTP limits: a slow or half-open client must not hold a socket forever.
    std::size_t max_header_bytes = 8192;
    std::chrono::milliseconds request_timeout{10'000};
    std::size_t max_http_connections = 1000;

    // Who a client is, and what one client may hold (README, "Protecting rooms").
    // CIDR blocks (127.0.0.1/32, ::1/128) whose X-Forwarded-For / Forwarded headers are
    // believed; empty: nobody's, every client is its TCP peer.
    std::vector<std::string> trusted_proxies;
    // A household behind one NAT address never needs more; one script gets no further.
    std::size_t max_connections_per_client = 20;        // open WebSockets; more get 503
    std::size_t max_http_connections_per_client = 50;   // connections not yet upgraded
    double handshake_rate_per_client = 1.0;             // WebSocket handshakes per second...
    double handshake_burst_per_client = 20.0;           // ...and at once; more get 429

    std::chrono::milliseconds shutdown_grace{10'000};

    // ICE servers handed out in `joined`.
    std::vector<std::string> stun_urls;
    std::vector<std::string> turn_urls;
    std::string turn_secret;                    // REST-API credentials when set
    std::chrono::seconds turn_credential_ttl{86'400};
    std::string turn_username;                  // static credentials, without a secret
    std::string turn_credential;

    // Who may join (docs/protocol.md rule 14). Each secret is `NAME=SECRET` (the name is
    // a token's `kid`) or a bare `SECRET` (no kid). After load_settings() the list also
    // holds the entries of join_secrets_file, so that SIGHUP re-reads the file.
    std::vector<std::string> join_secrets;
    std::string join_secrets_file;              // one entry per line; must not be world-readable
    bool require_token = false;                 // false: a join without a token is let in
    std::chrono::seconds token_leeway{30};      // clock skew allowed on exp and nbf
    // Spent `once` tokens remembered until their exp; at the bound a new once token is
    // refused (`unavailable`) rather than a spent one forgotten.
    std::size_t max_spent_tokens = 100'000;

    // The cluster (docs/cluster.md): several daemons sharing rooms through Redis. Empty
    // URL: none, this daemon alone holds its rooms in memory (the default).
    std::string cluster_redis_url;              // redis://[:password@]host[:port][/db] or unix:///path
    std::string cluster_name = "duet";          // nodes with the same name share rooms; key prefix
    // A node that has not renewed its liveness key for this long is dead: its members'
    // seats are held for their lease, so they resume on another node.
    std::chrono::milliseconds cluster_node_ttl{5000};

    // Logging.
    std::string log_level = "info";
    std::string log_format = "text";            // "text" or "json"
};

/// Every problem with `s`, each naming its setting; empty when `s` is usable.
std::vector<std::string> validate(settings const& s);

}  // namespace duet::config
