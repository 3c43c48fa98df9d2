#pragma once

#include <string_view>

namespace duet::protocol {

/// The negotiation role `joined` carries (docs/protocol.md rule 13). Only a room of
/// capacity 2 has roles; `none` means `joined` carries no `role` member.
enum class role { none, impolite, polite };

/// The role as it is spelled on the wire; empty for `none`.
std::string_view wire_name(role r) noexcept;

/// The role a second member gets beside a member holding `held`: the other one.
role opposite(role held) noexcept;

}  // namespace duet::protocol
