#include <duet/redis/address.hpp>

#include <duet/net/percent_decode.hpp>

#include <charconv>
#include <optional>

namespace duet::redis {

namespace {

std::optional<int> parse_number(std::string_view text, int low, int high) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
        return std::nullopt;
    return value;
}

// "user:password", ":password" or "password" (what redis-cli -u also takes).
std::optional<std::string> read_userinfo(std::string_view userinfo, address& where) {
    auto colon = userinfo.find(':');
    auto user = colon == std::string_view::npos ? std::string_view{} : userinfo.substr(0, colon);
    auto password = colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
    // Passwords often hold ':', '@' or '/', which a URL can carry only percent-encoded.
    auto decoded_user = net::percent_decode(user);
    auto decoded_password = net::percent_decode(password);
    if (!decoded_user || !decoded_password) return "a bad percent-escape in the user or password";
    where.user = std::move(*decoded_user);
    where.password = std::move(*decoded_password);
    return std::nullopt;
}

std::optional<std::string> read_db(std::string_view text, address& where) {
    auto db = parse_number(text, 0, 1'000'000);
    if (!db) return "the database '" + std::string(text) + "' is not a number of 0 or more";
    where.db = *db;
    return std::nullopt;
}

std::variant<address, std::string> parse_tcp(std::string_view rest) {
    address where;
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        auto db = rest.substr(slash + 1);
        if (!db.empty())
            if (auto error = read_db(db, where)) return *error;
    }
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        if (auto error = read_userinfo(authority.substr(0, at), where)) return *error;
        authority = authority.substr(at + 1);
    }
    std::string_view port;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return std::string("an IPv6 host without its closing ']'");
        where.host = std::string(authority.substr(1, close - 1));
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(':')) return std::string("something other than ':port' after the IPv6 host");
            port = after.substr(1);
            if (port.empty()) return std::string("an empty port after ':'");
        }
    } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
        where.host = std::string(authority.substr(0, colon));
        port = authority.substr(colon + 1);
        if (port.empty()) return std::string("an empty port after ':'");
    } else {
        where.host = std::string(authority);
    }
    if (where.host.empty()) return std::string("no host (write redis://host:port)");
    if (!port.empty()) {
        auto number = parse_number(port, 1, 65535);
        if (!number) return "the port '" + std::string(port) + "' is not a number from 1 to 65535";
        where.port = static_cast<std::uint16_t>(*number);
    }
    return where;
}

std::variant<address, std::string> parse_unix(std::string_view rest) {
    address where;
    where.kind = address::transport::unix_socket;
    // unix://[userinfo@]/path: the userinfo, if any, comes before the absolute path.
    if (!rest.starts_with('/')) {
        auto at = rest.find('@');
        if (at == std::string_view::npos || rest.substr(at + 1, 1) != "/")
            return std::string("a unix socket URL needs an absolute path (unix:///path/to/redis.sock)");
        if (auto error = read_userinfo(rest.substr(0, at), where)) return *error;
        rest = rest.substr(at + 1);
    }
    auto question = rest.find('?');
    where.path = std::string(rest.substr(0, question));
    if (where.path.size() < 2) return std::string("a unix socket URL without a socket path");
    if (question == std::string_view::npos) return where;
    auto query = rest.substr(question + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto equals = pair.find('=');
        auto key = pair.substr(0, equals);
        auto value = equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
        if (key == "db") {
            if (auto error = read_db(value, where)) return *error;
        } else if (key == "password") {
            auto decoded = net::percent_decode(value);
            if (!decoded) return std::string("a bad percent-escape in the password");
            where.password = std::move(*decoded);
        } else {
            return "an unknown parameter '" + std::string(key) + "' (db and password are known)";
        }
    }
    return where;
}

}  // namespace

std::variant<address, std::string> parse_address(std::string_view url) {
    constexpr std::string_view tcp_scheme = "redis://";
    if (url.starts_with(tcp_scheme)) return parse_tcp(url.substr(tcp_scheme.size()));
    for (std::string_view scheme : {"unix://", "redis+unix://"})
        if (url.starts_with(scheme)) return parse_unix(url.substr(scheme.size()));
    if (url.starts_with("rediss://")) return std::string("rediss:// (TLS) is not supported; use redis:// or a unix socket");
    return std::string("not a Redis URL: expected redis://host:port[/db] or unix:///path/to/socket");
}

std::string to_string(address const& where) {
    std::string userinfo;
    if (!where.password.empty()) userinfo = where.user + ":***@";
    else if (!where.user.empty()) userinfo = where.user + "@";
    if (where.kind == address::transport::unix_socket) {
        std::string url = "unix://" + (userinfo.empty() ? "" : userinfo) + where.path;
        if (where.db != 0) url += "?db=" + std::to_string(where.db);
        return url;
    }
    bool v6 = where.host.find(':') != std::string::npos;
    std::string url = "redis://" + userinfo + (v6 ? "[" + where.host + "]" : where.host) + ":" +
                      std::to_string(where.port);
    if (where.db != 0) url += "/" + std::to_string(where.db);
    return url;
}

}  // namespace duet::redis
