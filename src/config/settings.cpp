#include <duet/config/settings.hpp>

#include <duet/config/join_secrets.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace duet::config {
namespace {

bool has_prefix(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

void check_urls(std::vector<std::string> const& urls, std::string_view setting,
                std::initializer_list<std::string_view> schemes, std::vector<std::string>& errors) {
    for (auto const& url : urls) {
        bool const known = std::any_of(schemes.begin(), schemes.end(),
                                       [&](std::string_view scheme) { return has_prefix(url, scheme); });
        if (!known || url.find_first_of(" \t\r\n\"\\") != std::string::npos) {
            errors.push_back(std::string(setting) + ": '" + url + "' is not a " +
                             std::string(*schemes.begin()) + " URL");
        }
    }
}

/// An IPv4 or IPv6 address in the text form the listener binds (an IPv6 scope, as in
/// fe80::1%eth0, is left to the kernel).
bool is_ip_address(std::string const& text) {
    unsigned char bytes[16];
    auto const v6 = text.substr(0, text.find('%'));
    return ::inet_pton(AF_INET, text.c_str(), bytes) == 1 || ::inet_pton(AF_INET6, v6.c_str(), bytes) == 1;
}

/// A CIDR block as net::cidr reads it: an address, optionally "/" and a prefix length
/// that fits its family (config comes before net, so the grammar is checked here).
bool is_cidr(std::string const& text) {
    auto const slash = text.find('/');
    auto const address = text.substr(0, slash);
    unsigned char bytes[16];
    unsigned bits = 0;
    if (::inet_pton(AF_INET, address.c_str(), bytes) == 1) {
        bits = 32;
    } else if (::inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
        bits = 128;
    } else {
        return false;
    }
    if (slash == std::string::npos) {
        return true;
    }
    auto const digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    return static_cast<unsigned>(std::stoul(digits)) <= bits;
}

}  // namespace

std::vector<std::string> validate(settings const& s) {
    std::vector<std::string> errors;
    auto require = [&](bool ok, std::string message) {
        if (!ok) {
            errors.push_back(std::move(message));
        }
    };
    require(!s.address.empty(), "address: must not be empty");
    require(s.address.empty() || is_ip_address(s.address),
            "address: '" + s.address + "' is not an IPv4 or IPv6 address (such as 127.0.0.1 or ::1)");
    require(s.admin_address.empty() || is_ip_address(s.admin_address),
            "admin_address: '" + s.admin_address + "' is not an IPv4 or IPv6 address (such as 127.0.0.1 or ::1)");
    // Port 0 picks a free port for each listener, so only a fixed one can collide.
    require(s.admin_address.empty() || s.admin_port == 0 || s.admin_port != s.port ||
                s.admin_address != s.address,
            "admin_port: the admin listener cannot share address and port with the public one");
    require(s.room_capacity >= 2, "room_capacity: must be at least 2");
    require(s.max_rooms >= 1, "max_rooms: must be at least 1");
    // A held seat blocks its room for newcomers: an hour is far past any reconnect.
    require(s.seat_lease.count() >= 0 && s.seat_lease.count() <= 3'600'000,
            "seat_lease: must be between 0 and 3600 seconds");
    // Room for a handful of ICE candidates at least, or nothing said during a drop survives.
    require(s.lease_queue_bytes >= 1024, "lease_queue_bytes: must be at least 1024");
    require(s.cluster_redis_url.empty() || s.cluster_redis_url.starts_with("redis://") ||
                s.cluster_redis_url.starts_with("unix://") || s.cluster_redis_url.starts_with("redis+unix://"),
            "cluster_redis_url: must be empty, redis://..., unix://... or redis+unix://... (rediss:// is not supported)");
    require(!s.cluster_name.empty() && s.cluster_name.size() <= 64 &&
                std::all_of(s.cluster_name.begin(), s.cluster_name.end(),
                            [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }),
            "cluster_name: must be 1 to 64 characters from [A-Za-z0-9_.-]");
    // Renewed three times per TTL: shorter would mistake a busy second for a dead node.
    require(s.cluster_node_ttl.count() >= 1000 && s.cluster_node_ttl.count() <= 600'000,
            "cluster_node_ttl: must be between 1 and 600 seconds");
    require(s.max_message_bytes >= 256, "max_message_bytes: must be at least 256");
    require(s.max_message_bytes <= 64 * 1024 * 1024, "max_message_bytes: must be at most 67108864");
    // A relayed frame is the sender's data plus a small envelope; a queue that cannot
    // hold two of the largest frames would drop healthy receivers as slow consumers.
    require(s.max_send_queue_bytes >= 2 * s.max_message_bytes + 1024,
            "max_send_queue_bytes: must be at least 2 * max_message_bytes + 1024");
    require(s.rate_limit_per_second > 0, "rate_limit_per_second: must be greater than 0");
    require(s.rate_limit_burst >= 1, "rate_limit_burst: must be at least 1");
    require(s.max_violations >= 1, "max_violations: must be at least 1");
    require(s.ping_interval.count() >= 10, "ping_interval: must be at least 0.01 seconds");
    require(s.idle_timeout > s.ping_interval, "idle_timeout: must be longer than ping_interval");
    require(s.close_linger_time.count() >= 10, "close_linger_time: must be at least 0.01 seconds");
    require(s.close_linger_time.count() <= 60'000, "close_linger_time: must be at most 60 seconds");
    require(s.max_connections >= 1, "max_connections: must be at least 1");
    require(s.max_header_bytes >= 1024, "max_header_bytes: must be at least 1024");
    require(s.request_timeout.count() >= 10, "request_timeout: must be at least 0.01 seconds");
    require(s.max_http_connections >= 1, "max_http_connections: must be at least 1");
    for (auto const& block : s.trusted_proxies) {
        require(is_cidr(block), "trusted_proxies: '" + block +
                                    "' is not an address or CIDR block (such as 127.0.0.1/32 or ::1/128)");
    }
    require(s.max_connections_per_client >= 1, "max_connections_per_client: must be at least 1");
    require(s.max_http_connections_per_client >= 1, "max_http_connections_per_client: must be at least 1");
    require(s.handshake_rate_per_client > 0, "handshake_rate_per_client: must be greater than 0");
    require(s.handshake_burst_per_client >= 1, "handshake_burst_per_client: must be at least 1");
    require(s.shutdown_grace.count() >= 0, "shutdown_grace: must not be negative");
    require(s.turn_credential_ttl.count() >= 60, "turn_credential_ttl: must be at least 60 seconds");
    require(s.log_format == "text" || s.log_format == "json", "log_format: must be 'text' or 'json'");
    static constexpr std::string_view levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    require(std::find(std::begin(levels), std::end(levels), s.log_level) != std::end(levels),
            "log_level: must be one of trace, debug, info, warn, error, critical, off");
    for (auto const& origin : s.allowed_origins) {
        require(has_prefix(origin, "http://") || has_prefix(origin, "https://"),
                "allowed_origins: '" + origin + "' is not an http(s) origin such as https://call.example.org");
    }
    require(s.threads <= 1,
            "threads: duetd runs one event loop on one thread (docs/architecture.md); use 1, or run more "
            "duetd processes");
    check_urls(s.stun_urls, "stun_urls", {"stun:", "stuns:"}, errors);
    check_urls(s.turn_urls, "turn_urls", {"turn:", "turns:"}, errors);
    require(s.turn_username.empty() == s.turn_credential.empty(),
            "turn_username: set together with turn_credential, or neither");
    require(!(s.turn_urls.empty() && (!s.turn_secret.empty() || !s.turn_username.empty())),
            "turn_urls: TURN credentials are configured but no turn_urls");
    auto const secret_errors = check_join_secrets(split_join_secrets(s.join_secrets));
    errors.insert(errors.end(), secret_errors.begin(), secret_errors.end());
    require(!s.require_token || !s.join_secrets.empty(),
            "require_token: needs join_secrets or join_secrets_file (no token could ever be valid)");
    require(s.token_leeway.count() >= 0 && s.token_leeway.count() <= 3600,
            "token_leeway: must be between 0 and 3600 seconds");
    require(s.max_spent_tokens >= 1, "max_spent_tokens: must be at least 1");
    return errors;
}

}  // namespace duet::config
