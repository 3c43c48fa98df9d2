#pragma once

#include <string>
#include <string_view>

namespace duet::digest {

/// Lowercase hex of a SHA-1: the name Redis gives a script (EVALSHA).
std::string sha1_hex(std::string_view bytes);

/// Lowercase hex of a SHA-256: what the cluster stores of a resume secret, so that a copy
/// of the store does not hand out seats.
std::string sha256_hex(std::string_view bytes);

}  // namespace duet::digest
