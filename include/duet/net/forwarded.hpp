#pragma once

#include <duet/net/client_address.hpp>
#include <duet/net/proxy_trust.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace duet::net {

/// One hop of a forwarding header as written: an address, or nothing when the entry is
/// not one (garbage, "unknown", an obfuscated RFC 7239 identifier such as "_hidden").
using forwarded_hop = std::optional<asio::ip::address>;

/// An address as a proxy writes it in X-Forwarded-For or in RFC 7239's `for=`:
/// 192.0.2.1, 192.0.2.1:4711, 2001:db8::1, [2001:db8::1], [2001:db8::1]:4711.
/// Surrounding spaces are ignored; anything else is nothing.
forwarded_hop parse_forwarded_node(std::string_view text);

/// The hops of every X-Forwarded-For line, in order: several lines are one
/// comma-separated list (RFC 9110, section 5.3), the left-most hop the first.
std::vector<forwarded_hop> x_forwarded_for_hops(std::vector<std::string_view> const& lines);

/// The `for=` hops of every Forwarded line (RFC 7239), in order. The value may be a
/// quoted string ("[2001:db8::1]:4711"); an element without `for=`, or whose parameters
/// do not parse, is a hop that is not an address.
std::vector<forwarded_hop> forwarded_for_hops(std::vector<std::string_view> const& lines);

/// The client a request comes from (pure; http::http_session calls it per request):
/// - `peer`, the TCP peer, when it is not a trusted proxy: its headers say nothing;
/// - else the hops of X-Forwarded-For when there is any such line, otherwise those of
///   Forwarded (X-Forwarded-For wins when both are present: it is what nginx builds with
///   $proxy_add_x_forwarded_for, while nginx passes a client's own Forwarded header on
///   untouched, so believing Forwarded there would let any client name itself);
/// - walked right to left from the peer: each trusted hop is one more proxy, and the
///   first hop that is not trusted is the client. A client can write anything at the
///   left, so a spoofed left-most entry never matters while a trusted proxy appends;
/// - when a hop is not an address (garbage, "unknown", obfuscated), the walk stops and
///   the last address known, a trusted proxy, is the client: no entry of a header can
///   make duetd crash or pick an address someone merely wrote;
/// - when every hop is trusted, the left-most one (a client inside a trusted block);
/// - with no forwarding header at all, the peer (a request the proxy itself made).
client_address resolve_client(asio::ip::address const& peer, proxy_trust const& trusted,
                              std::vector<std::string_view> const& x_forwarded_for,
                              std::vector<std::string_view> const& forwarded);

}  // namespace duet::net
