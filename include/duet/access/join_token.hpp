#pragma once

#include <duet/config/join_secrets.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace duet::access {

using token_clock = std::chrono::system_clock;

/// Why a join token was refused (docs/protocol.md rule 14).
enum class token_fault {
    malformed,              // not three base64url segments of JSON objects, or a claim of the wrong type
    unsupported_algorithm,  // `alg` other than HS256, `none` included
    unknown_key,            // `kid` names no configured secret
    bad_signature,          // no configured secret made this signature
    missing_claim,          // no `room`, no `exp`, or `once` without `jti`
    expired,
    not_yet_valid,          // `nbf` ahead
    wrong_room,
    already_used,           // a `once` token spent by an earlier join (told by spent_tokens)
};

/// A refusal in words for the client: fixed text that never echoes the token, a claim
/// or a secret (a client may show it; a log may keep it).
struct token_refusal {
    token_fault fault;
    std::string message;
};

/// What an accepted token allows.
struct admitted_token {
    std::optional<std::string> once_jti;  // set for a `once` token: spend it on a successful join
    token_clock::time_point expires;      // `exp`
};

struct token_check {
    std::optional<admitted_token> admitted;
    token_refusal refusal{token_fault::malformed, {}};  // meaningful only when !admitted

    explicit operator bool() const noexcept { return admitted.has_value(); }
};

/// The words for `fault`, as sent in an `unauthorized` error.
std::string_view refusal_message(token_fault fault) noexcept;

/// Checks a join token for `room` (rule 14): compact JWT, `alg` HS256 only, signed with
/// one of `secrets` (header `kid` picks one by name, without `kid` each is tried), then
/// the claims `room` (required, equal to `room`), `exp` (required), `nbf` (optional),
/// `once` with `jti`. `leeway` allows for clocks that differ: `exp` and `nbf` hold that
/// much longer and earlier. The signature is checked before any claim is read, and in
/// constant time. Pure; throws nothing but std::bad_alloc.
///
/// Our own few lines on OpenSSL rather than a JWT library: Debian's libcpp-jwt (1.4,
/// header-only on nlohmann and OpenSSL) verifies an HMAC signature by comparing
/// base64 strings with `==` (HMACSign::verify in jwt/impl/algorithm.ipp), which can
/// leak through timing how much of a forged signature is right. HS256 alone needs
/// only HMAC, CRYPTO_memcmp and base64url, and a fixed algorithm leaves no `alg`
/// choice to get wrong.
token_check verify_join_token(std::string_view token, std::string_view room,
                              std::vector<config::join_secret> const& secrets, token_clock::time_point now,
                              std::chrono::seconds leeway);

/// What `duetd token` and `duetd invite` mint.
struct token_order {
    std::string room;
    std::chrono::seconds ttl{3600};
    bool once = false;
};

/// A join token for `order`, signed with `secret` (its kid in the header when it has
/// one): HS256, claims `room`, `iat`, `exp` = now + ttl, and for once tokens `once` and
/// a random 128-bit `jti`.
std::string mint_join_token(config::join_secret const& secret, token_order const& order, token_clock::time_point now);

}  // namespace duet::access
