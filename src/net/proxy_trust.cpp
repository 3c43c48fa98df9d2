#include <duet/net/proxy_trust.hpp>

#include <algorithm>

namespace duet::net {

proxy_trust::proxy_trust(std::vector<std::string> const& blocks) {
    for (auto const& text : blocks) {
        if (auto block = cidr::parse(text)) {
            blocks_.push_back(*block);
        }
    }
}

bool proxy_trust::trusts(asio::ip::address const& address) const noexcept {
    return std::any_of(blocks_.begin(), blocks_.end(), [&](cidr const& block) { return block.contains(address); });
}

}  // namespace duet::net
