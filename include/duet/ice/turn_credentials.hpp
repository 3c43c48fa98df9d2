#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace duet::ice {

/// A time-limited TURN credential in the "REST API" convention that coturn's
/// `use-auth-secret` mode checks: the TURN server recomputes the HMAC from the same
/// shared secret, so the daemon and the TURN server share nothing else.
struct turn_credential {
    std::string username;    // "<unix expiry time>:<peer id>"
    std::string credential;  // base64(HMAC-SHA1(secret, username))
};

/// base64(HMAC-SHA1(key, message)). Pure.
std::string hmac_sha1_base64(std::string_view key, std::string_view message);

/// The credential for `peer_id`, valid until `now + ttl`. Pure.
turn_credential make_turn_credential(std::string_view secret, std::string_view peer_id,
                                     std::chrono::system_clock::time_point now,
                                     std::chrono::seconds ttl);

}  // namespace duet::ice
