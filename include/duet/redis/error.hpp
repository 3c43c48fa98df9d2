#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace duet::redis {

/// Why a connection or a command ended without a reply, as an error_code (category
/// "redis"). An error reply from the server (-ERR ...) is not one of these: it is a
/// redis::reply.
enum class error {
    not_connected = 1,   // a command sent before the connection was ready, or after it ended
    closed,              // the owner closed the connection (or dropped it) first
    connection_lost,     // the server went away or the socket failed; the detail says how
    connect_failed,      // the TCP or unix-socket connect was refused or failed
    connect_timeout,     // connect, AUTH and SELECT did not finish within the deadline
    resolve_failed,      // the host name did not resolve
    auth_failed,         // AUTH was refused (wrong password, unknown user)
    select_failed,       // SELECT was refused (no such database)
};

boost::system::error_category const& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace duet::redis

template <>
struct boost::system::is_error_code_enum<duet::redis::error> : std::true_type {};
