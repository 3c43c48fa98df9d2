#pragma once

#include <duet/net/cidr.hpp>

#include <string>
#include <vector>

namespace duet::net {

/// The `trusted_proxies` setting, parsed once: the blocks of addresses whose forwarding
/// headers duetd believes. Empty (the default): nobody's, so every client is its TCP
/// peer. Owned by app::server, which replaces it on a reload; read on the event loop.
class proxy_trust {
public:
    proxy_trust() = default;
    /// Entries that do not parse are skipped: config::validate refused them already.
    explicit proxy_trust(std::vector<std::string> const& blocks);

    bool trusts(asio::ip::address const& address) const noexcept;
    bool empty() const noexcept { return blocks_.empty(); }

private:
    std::vector<cidr> blocks_;
};

}  // namespace duet::net
