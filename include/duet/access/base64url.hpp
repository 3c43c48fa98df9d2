#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace duet::access {

/// base64url without padding (RFC 4648 section 5), as JWTs use it (RFC 7515 section 2).
std::string base64url_encode(std::string_view bytes);

/// The bytes `text` encodes, or nothing when it is not unpadded base64url: a character
/// outside A-Z a-z 0-9 - _, padding, a length of 4n+1, or unused bits that are not zero
/// (so each byte string has exactly one accepted spelling, and a signature cannot be
/// altered without failing). Pure.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace duet::access
