#include <duet/protocol/role.hpp>

namespace duet::protocol {

std::string_view wire_name(role r) noexcept {
    switch (r) {
    case role::none: return {};
    case role::impolite: return "impolite";
    case role::polite: return "polite";
    }
    return {};
}

role opposite(role held) noexcept {
    switch (held) {
    case role::impolite: return role::polite;
    case role::polite: return role::impolite;
    case role::none: break;
    }
    return role::none;
}

}  // namespace duet::protocol
