#pragma once

#include <duet/net/asio.hpp>

#include <cstddef>
#include <functional>
#include <string>

namespace duet::net {

/// Who a connection is, for the per-client limits and the logs: the TCP peer, or, when
/// that peer is a trusted proxy, the address the proxy reports (http::http_session works
/// it out per request; net::resolve_client says how). A small value: copy it freely.
/// An IPv4-mapped IPv6 address (::ffff:192.0.2.1, what a dual-stack socket reports for
/// an IPv4 peer) is kept as the IPv4 address, so one client has one spelling and one
/// set of limits.
class client_address {
public:
    client_address() = default;  // the unspecified address: "not known"
    explicit client_address(asio::ip::address ip);

    asio::ip::address const& ip() const noexcept { return ip_; }
    /// The address as logs print it: 192.0.2.1 or 2001:db8::1 (no port: a port says
    /// nothing about who the client is).
    std::string to_string() const { return ip_.to_string(); }

    friend bool operator==(client_address const&, client_address const&) = default;

private:
    asio::ip::address ip_;
};

/// `address` with an IPv4-mapped IPv6 address turned into the IPv4 one.
asio::ip::address unmapped(asio::ip::address const& address);

struct client_address_hash {
    std::size_t operator()(client_address const& c) const noexcept { return std::hash<asio::ip::address>()(c.ip()); }
};

}  // namespace duet::net
