#pragma once

#include <duet/net/asio.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace duet::net {

/// A block of addresses written as CIDR: 127.0.0.1/32, 10.0.0.0/8, ::1/128,
/// 2001:db8::/32; without "/N" one address. Host bits below the prefix are ignored
/// (10.1.2.3/8 is 10.0.0.0/8). An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) is the
/// IPv4 block it maps, and an IPv4-mapped address is matched as IPv4, so a dual-stack
/// listener sees the same answer as an IPv4 one. A pure value.
class cidr {
public:
    /// The block, or nothing when `text` is not one (config::validate says why first).
    static std::optional<cidr> parse(std::string_view text);

    bool contains(asio::ip::address const& address) const noexcept;
    std::string to_string() const;

private:
    cidr(asio::ip::address network, unsigned prefix) : network_(network), prefix_(prefix) {}

    asio::ip::address network_;  // never IPv4-mapped
    unsigned prefix_;
};

}  // namespace duet::net
