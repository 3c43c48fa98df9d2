#pragma once

#include <string>
#include <string_view>

namespace duet::protocol {

/// docs/protocol.md: a room name is 1 to 64 characters from [A-Za-z0-9_.~-].
bool is_valid_room_name(std::string_view name) noexcept;

/// docs/protocol.md: a peer id is [A-Za-z0-9_-], opaque.
bool is_valid_peer_id(std::string_view id) noexcept;

/// A fresh peer id: 128 bits from OpenSSL's CSPRNG, base64url without padding
/// (22 characters). Unguessable, so a collision within a daemon's life is not a concern.
/// Thread-safe.
std::string make_peer_id();

/// A fresh `resume` secret (rule 12): 192 bits from OpenSSL's CSPRNG, base64url without
/// padding (32 characters). Whoever holds it may take a seat back. Thread-safe.
std::string make_resume_secret();

/// Whether a presented `resume` equals a seat's secret, in time that does not depend
/// on where they differ (CRYPTO_memcmp), so a guesser learns nothing from timing. The
/// lengths are public (every secret has the same), so a length mismatch returns early.
bool same_secret(std::string_view presented, std::string_view secret) noexcept;

}  // namespace duet::protocol
