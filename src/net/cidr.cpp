#include <duet/net/cidr.hpp>

#include <duet/net/client_address.hpp>

#include <algorithm>
#include <charconv>

namespace duet::net {
namespace {

/// Whether the first `prefix` bits of `a` and `b` agree.
template <class Bytes>
bool same_prefix(Bytes const& a, Bytes const& b, unsigned prefix) noexcept {
    std::size_t const whole = prefix / 8;
    if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(whole), b.begin())) {
        return false;
    }
    unsigned const rest = prefix % 8;
    if (rest == 0) {
        return true;
    }
    auto const mask = static_cast<unsigned char>(0xFFu << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::optional<cidr> cidr::parse(std::string_view text) {
    auto const slash = text.find('/');
    auto const address_text = text.substr(0, slash);
    error_code ec;
    auto address = asio::ip::make_address(std::string(address_text), ec);
    if (ec || address_text.empty()) {
        return std::nullopt;
    }
    unsigned const bits = address.is_v4() ? 32 : 128;
    unsigned prefix = bits;
    if (slash != std::string_view::npos) {
        auto const digits = text.substr(slash + 1);
        auto const [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || prefix > bits) {
            return std::nullopt;
        }
    }
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        // ::ffff:0:0/96 and longer are IPv4 blocks; a shorter prefix would span
        // non-mapped IPv6 too, and is kept as the IPv6 block it says.
        if (prefix >= 96) {
            return cidr(unmapped(address), prefix - 96);
        }
    }
    return cidr(address, prefix);
}

bool cidr::contains(asio::ip::address const& address) const noexcept {
    auto const candidate = unmapped(address);
    if (candidate.is_v4() && network_.is_v4()) {
        return same_prefix(candidate.to_v4().to_bytes(), network_.to_v4().to_bytes(), prefix_);
    }
    if (candidate.is_v6() && network_.is_v6()) {
        return same_prefix(candidate.to_v6().to_bytes(), network_.to_v6().to_bytes(), prefix_);
    }
    if (candidate.is_v4() && network_.is_v6()) {
        // A short IPv6 block such as ::/0 covers the mapped form of IPv4 addresses too.
        return same_prefix(asio::ip::make_address_v6(asio::ip::v4_mapped, candidate.to_v4()).to_bytes(),
                           network_.to_v6().to_bytes(), prefix_);
    }
    return false;
}

std::string cidr::to_string() const {
    return network_.to_string() + "/" + std::to_string(prefix_);
}

}  // namespace duet::net
