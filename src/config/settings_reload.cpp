#include <duet/config/settings_reload.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace duet::config {
namespace {

// The seat lease settings are given to the room registry when it is made, like the
// room's capacity: a lease under way keeps the terms it started with.
constexpr std::array<std::string_view, 16> restart_only = {
    "address",   "port",          "admin_address",   "admin_port",      "public_dir",
    "threads",   "room_capacity", "max_rooms",       "seat_lease",      "lease_queue_bytes",
    "max_connections", "max_http_connections", "max_spent_tokens",
    "cluster_redis_url", "cluster_name", "cluster_node_ttl",
};

/// One setting of both: note it in `result`, and copy it when a reload may.
template <class Value>
void take(std::string_view name, Value& running, Value const& loaded, reload_result& result) {
    if (running == loaded) {
        return;
    }
    if (needs_restart(name)) {
        result.need_restart.emplace_back(name);
        return;
    }
    running = loaded;
    result.changed.emplace_back(name);
}

}  // namespace

bool needs_restart(std::string_view setting) {
    return std::find(restart_only.begin(), restart_only.end(), setting) != restart_only.end();
}

reload_result apply_reload(settings& running, settings const& loaded) {
    reload_result r;
    take("address", running.address, loaded.address, r);
    take("port", running.port, loaded.port, r);
    take("admin_address", running.admin_address, loaded.admin_address, r);
    take("admin_port", running.admin_port, loaded.admin_port, r);
    take("public_dir", running.public_dir, loaded.public_dir, r);
    take("threads", running.threads, loaded.threads, r);
    take("room_capacity", running.room_capacity, loaded.room_capacity, r);
    take("max_rooms", running.max_rooms, loaded.max_rooms, r);
    take("seat_lease", running.seat_lease, loaded.seat_lease, r);
    take("lease_queue_bytes", running.lease_queue_bytes, loaded.lease_queue_bytes, r);
    take("cluster_redis_url", running.cluster_redis_url, loaded.cluster_redis_url, r);
    take("cluster_name", running.cluster_name, loaded.cluster_name, r);
    take("cluster_node_ttl", running.cluster_node_ttl, loaded.cluster_node_ttl, r);
    take("max_message_bytes", running.max_message_bytes, loaded.max_message_bytes, r);
    take("max_send_queue_bytes", running.max_send_queue_bytes, loaded.max_send_queue_bytes, r);
    take("rate_limit_per_second", running.rate_limit_per_second, loaded.rate_limit_per_second, r);
    take("rate_limit_burst", running.rate_limit_burst, loaded.rate_limit_burst, r);
    take("max_violations", running.max_violations, loaded.max_violations, r);
    take("ping_interval", running.ping_interval, loaded.ping_interval, r);
    take("idle_timeout", running.idle_timeout, loaded.idle_timeout, r);
    take("close_linger_bytes", running.close_linger_bytes, loaded.close_linger_bytes, r);
    take("close_linger_time", running.close_linger_time, loaded.close_linger_time, r);
    take("max_connections", running.max_connections, loaded.max_connections, r);
    take("allowed_origins", running.allowed_origins, loaded.allowed_origins, r);
    take("max_header_bytes", running.max_header_bytes, loaded.max_header_bytes, r);
    take("request_timeout", running.request_timeout, loaded.request_timeout, r);
    take("max_http_connections", running.max_http_connections, loaded.max_http_connections, r);
    take("trusted_proxies", running.trusted_proxies, loaded.trusted_proxies, r);
    take("max_connections_per_client", running.max_connections_per_client, loaded.max_connections_per_client, r);
    take("max_http_connections_per_client", running.max_http_connections_per_client,
         loaded.max_http_connections_per_client, r);
    take("handshake_rate_per_client", running.handshake_rate_per_client, loaded.handshake_rate_per_client, r);
    take("handshake_burst_per_client", running.handshake_burst_per_client, loaded.handshake_burst_per_client, r);
    take("shutdown_grace", running.shutdown_grace, loaded.shutdown_grace, r);
    take("stun_urls", running.stun_urls, loaded.stun_urls, r);
    take("turn_urls", running.turn_urls, loaded.turn_urls, r);
    take("turn_secret", running.turn_secret, loaded.turn_secret, r);
    take("turn_credential_ttl", running.turn_credential_ttl, loaded.turn_credential_ttl, r);
    take("turn_username", running.turn_username, loaded.turn_username, r);
    take("turn_credential", running.turn_credential, loaded.turn_credential, r);
    // Secrets rotate without a restart: the next join is checked against the new list.
    take("join_secrets", running.join_secrets, loaded.join_secrets, r);
    take("join_secrets_file", running.join_secrets_file, loaded.join_secrets_file, r);
    take("require_token", running.require_token, loaded.require_token, r);
    take("token_leeway", running.token_leeway, loaded.token_leeway, r);
    take("max_spent_tokens", running.max_spent_tokens, loaded.max_spent_tokens, r);
    take("log_level", running.log_level, loaded.log_level, r);
    take("log_format", running.log_format, loaded.log_format, r);
    return r;
}

}  // namespace duet::config
