#pragma once

// Builds join tokens for tests, good and bad alike: any header, any claims, any key,
// so that every refusal of docs/protocol.md rule 14 can be provoked. Independent of
// the daemon's minting (access::mint_join_token) except for base64url.

#include <duet/access/base64url.hpp>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace duet::testing {

/// Test secrets: 32 characters or more, as validate() asks.
inline std::string const secret_a = "test-secret-a-0123456789abcdef0123456789";
inline std::string const secret_b = "test-secret-b-fedcba9876543210fedcba9876";

/// Seconds since the epoch, now, plus `offset`.
inline std::int64_t unix_now(std::int64_t offset = 0) {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset;
}

/// A compact JWT of `header` and `claims` signed with HMAC-SHA-`bits` under `key`
/// (256 for HS256; 512 to forge an HS512 token).
inline std::string forge_token(nlohmann::json const& header, nlohmann::json const& claims, std::string const& key,
                               int bits = 256) {
    std::string const input =
        access::base64url_encode(header.dump()) + "." + access::base64url_encode(claims.dump());
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(bits == 512 ? EVP_sha512() : EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<unsigned char const*>(input.data()), input.size(), mac, &size);
    return input + "." + access::base64url_encode(std::string(reinterpret_cast<char const*>(mac), size));
}

/// An HS256 token for `room`, valid for an hour, signed with `key`; `kid` in the
/// header when not empty.
inline std::string good_token(std::string const& room, std::string const& key = secret_a,
                              std::string const& kid = "") {
    nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    if (!kid.empty()) {
        header["kid"] = kid;
    }
    return forge_token(header, {{"room", room}, {"exp", unix_now(3600)}}, key);
}

}  // namespace duet::testing
