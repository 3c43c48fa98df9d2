#include <duet/net/client_address.hpp>

namespace duet::net {

asio::ip::address unmapped(asio::ip::address const& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    return address;
}

client_address::client_address(asio::ip::address ip) : ip_(unmapped(ip)) {}

}  // namespace duet::net
