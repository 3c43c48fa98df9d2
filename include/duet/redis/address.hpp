#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace duet::redis {

/// Where a Redis server is and how to log in to it, read from a URL:
///   redis://[[user]:password@]host[:port][/db]    (port 6379, db 0 by default;
///                                                  an IPv6 host in brackets)
///   unix:///path/to/redis.sock[?db=N]             (also redis+unix://; a password as
///   unix://[[user]:password@]/path[?db=N]          userinfo or ?password=)
/// The user and the password may be percent-encoded. A pure value.
struct address {
    enum class transport { tcp, unix_socket };

    transport kind = transport::tcp;
    std::string host;       // tcp: a name or an IP address, without brackets
    std::uint16_t port = 6379;
    std::string path;       // unix_socket: the socket file
    std::string user;       // AUTH user password (Redis 6 ACLs) when set
    std::string password;   // AUTH password when set; never printed
    int db = 0;             // SELECT db when not 0
};

/// The address, or a sentence saying what is wrong with `url` (it never repeats the
/// password, so the sentence may be logged).
std::variant<address, std::string> parse_address(std::string_view url);

/// The address as a URL for logs: the password is shown as "***".
std::string to_string(address const& where);

}  // namespace duet::redis
