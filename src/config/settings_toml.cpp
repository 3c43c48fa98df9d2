#include <duet/config/settings_toml.hpp>

#include <duet/config/join_secrets.hpp>

#include <chrono>
#include <iomanip>
#include <sstream>

namespace duet::config {
namespace {

/// A TOML basic string. Values come from the config file or the command line, so
/// quotes, backslashes and control characters are escaped.
std::string quoted(std::string const& text) {
    std::string out = "\"";
    for (char const c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    static char const hex[] = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[(c >> 4) & 0xF];
                    out += hex[c & 0xF];
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

std::string list(std::vector<std::string> const& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + quoted(items[i]);
    }
    return out + "]";
}

/// Enough digits that reading the file back gives the same value.
std::string number(double value) {
    std::ostringstream text;
    text << std::setprecision(15) << value;
    return text.str();
}

template <class Duration>
std::string seconds(Duration d) {
    return number(std::chrono::duration<double>(d).count());
}

/// Join secrets by name only: the secrets are keys to every room.
std::string secret_names(std::vector<std::string> const& entries) {
    if (entries.empty()) {
        return "none";
    }
    return std::to_string(entries.size()) + " set (not shown), named: " + join_secret_names(split_join_secrets(entries));
}

/// A Redis URL with any userinfo (the password) shown as "***".
std::string without_password(std::string const& url) {
    auto const scheme_end = url.find("://");
    auto const at = url.find('@');
    if (scheme_end == std::string::npos || at == std::string::npos || at < scheme_end) {
        return url;
    }
    return url.substr(0, scheme_end + 3) + "***" + url.substr(at);
}

}  // namespace

std::string to_toml(settings const& s) {
    std::ostringstream out;
    out << "address = " << quoted(s.address) << "\n"
        << "port = " << s.port << "\n"
        << "public_dir = " << quoted(s.public_dir) << "\n"
        << "threads = " << s.threads << "\n"
        << "admin_address = " << quoted(s.admin_address) << "\n"
        << "admin_port = " << s.admin_port << "\n"
        << "room_capacity = " << s.room_capacity << "\n"
        << "max_rooms = " << s.max_rooms << "\n"
        << "seat_lease = " << seconds(s.seat_lease) << "\n"
        << "lease_queue_bytes = " << s.lease_queue_bytes << "\n"
        << "cluster_redis_url = " << quoted(without_password(s.cluster_redis_url)) << "\n"
        << "cluster_name = " << quoted(s.cluster_name) << "\n"
        << "cluster_node_ttl = " << seconds(s.cluster_node_ttl) << "\n"
        << "max_message_bytes = " << s.max_message_bytes << "\n"
        << "max_send_queue_bytes = " << s.max_send_queue_bytes << "\n"
        << "rate_limit_per_second = " << number(s.rate_limit_per_second) << "\n"
        << "rate_limit_burst = " << number(s.rate_limit_burst) << "\n"
        << "max_violations = " << s.max_violations << "\n"
        << "ping_interval = " << seconds(s.ping_interval) << "\n"
        << "idle_timeout = " << seconds(s.idle_timeout) << "\n"
        << "close_linger_bytes = " << s.close_linger_bytes << "\n"
        << "close_linger_time = " << seconds(s.close_linger_time) << "\n"
        << "max_connections = " << s.max_connections << "\n"
        << "allowed_origins = " << list(s.allowed_origins) << "\n"
        << "max_header_bytes = " << s.max_header_bytes << "\n"
        << "request_timeout = " << seconds(s.request_timeout) << "\n"
        << "max_http_connections = " << s.max_http_connections << "\n"
        << "trusted_proxies = " << list(s.trusted_proxies) << "\n"
        << "max_connections_per_client = " << s.max_connections_per_client << "\n"
        << "max_http_connections_per_client = " << s.max_http_connections_per_client << "\n"
        << "handshake_rate_per_client = " << number(s.handshake_rate_per_client) << "\n"
        << "handshake_burst_per_client = " << number(s.handshake_burst_per_client) << "\n"
        << "shutdown_grace = " << seconds(s.shutdown_grace) << "\n"
        << "stun_urls = " << list(s.stun_urls) << "\n"
        << "turn_urls = " << list(s.turn_urls) << "\n"
        << "# turn_secret: " << (s.turn_secret.empty() ? "not set" : "set (not shown)") << "\n"
        << "turn_credential_ttl = " << seconds(s.turn_credential_ttl) << "\n"
        << "turn_username = " << quoted(s.turn_username) << "\n"
        << "# turn_credential: " << (s.turn_credential.empty() ? "not set" : "set (not shown)") << "\n"
        << "# join_secrets: " << secret_names(s.join_secrets) << "\n"
        << "join_secrets_file = " << quoted(s.join_secrets_file) << "\n"
        << "require_token = " << (s.require_token ? "true" : "false") << "\n"
        << "token_leeway = " << s.token_leeway.count() << "\n"
        << "max_spent_tokens = " << s.max_spent_tokens << "\n"
        << "log_level = " << quoted(s.log_level) << "\n"
        << "log_format = " << quoted(s.log_format) << "\n";
    return out.str();
}

}  // namespace duet::config
