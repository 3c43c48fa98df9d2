#include <duet/access/join_token.hpp>

#include <duet/access/base64url.hpp>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace duet::access {
namespace {

using json = nlohmann::json;

// A join frame is at most max_message_bytes; a token is a few hundred bytes. Refusing
// longer ones early bounds the work a client can ask for with one join.
constexpr std::size_t max_token_length = 4096;
constexpr std::size_t max_jti_length = 256;
constexpr std::size_t hs256_size = 32;

token_check refuse(token_fault fault) {
    token_check out;
    out.refusal = {fault, std::string(refusal_message(fault))};
    return out;
}

std::array<unsigned char, hs256_size> hs256(std::string_view key, std::string_view data) {
    std::array<unsigned char, hs256_size> mac{};
    unsigned int size = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<unsigned char const*>(data.data()),
             data.size(), mac.data(), &size) == nullptr ||
        size != hs256_size) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return mac;
}

/// A segment decoded and parsed as a JSON object, or null.
std::optional<json> json_object(std::string_view segment) {
    auto const bytes = base64url_decode(segment);
    if (!bytes) {
        return std::nullopt;
    }
    auto value = json::parse(*bytes, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        return std::nullopt;
    }
    return value;
}

/// A NumericDate claim (RFC 7519 section 2): seconds since the epoch, fractions allowed.
std::optional<double> numeric_date(json const& claims, char const* name, bool& wrong_type) {
    auto const it = claims.find(name);
    if (it == claims.end()) {
        return std::nullopt;
    }
    if (!it->is_number() || !std::isfinite(it->get<double>())) {
        wrong_type = true;
        return std::nullopt;
    }
    return it->get<double>();
}

}  // namespace

std::string_view refusal_message(token_fault fault) noexcept {
    switch (fault) {
    case token_fault::malformed: return "the token is malformed";
    case token_fault::unsupported_algorithm: return "the token is not signed with HS256";
    case token_fault::unknown_key: return "the token names a key this server does not have";
    case token_fault::bad_signature: return "the token's signature does not verify (wrong secret or altered token)";
    case token_fault::missing_claim: return "the token lacks a required claim (room, exp, or jti for a once token)";
    case token_fault::expired: return "the token has expired";
    case token_fault::not_yet_valid: return "the token is not valid yet";
    case token_fault::wrong_room: return "the token is not for this room";
    case token_fault::already_used: return "the token has already been used";
    }
    return "the token was refused";
}

token_check verify_join_token(std::string_view token, std::string_view room,
                              std::vector<config::join_secret> const& secrets, token_clock::time_point now,
                              std::chrono::seconds leeway) {
    if (token.size() > max_token_length) {
        return refuse(token_fault::malformed);
    }
    auto const first_dot = token.find('.');
    auto const second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos ||
        first_dot == 0 || second_dot == first_dot + 1 || second_dot + 1 == token.size()) {
        return refuse(token_fault::malformed);
    }
    auto const signing_input = token.substr(0, second_dot);
    auto const header = json_object(token.substr(0, first_dot));
    if (!header) {
        return refuse(token_fault::malformed);
    }
    // RFC 8725 section 3.1: the algorithm is ours to choose, never the token's; `none`
    // and every other alg (HS512, RS256 with a secret as its "public key") are refused.
    auto const alg = header->find("alg");
    if (alg == header->end() || !alg->is_string()) {
        return refuse(token_fault::malformed);
    }
    if (alg->get_ref<std::string const&>() != "HS256") {
        return refuse(token_fault::unsupported_algorithm);
    }
    // A `crit` header names extensions the verifier must understand; we know none.
    if (header->contains("crit")) {
        return refuse(token_fault::malformed);
    }
    auto const signature = base64url_decode(token.substr(second_dot + 1));
    if (!signature || signature->size() != hs256_size) {
        return refuse(token_fault::malformed);
    }
    auto const kid = header->find("kid");
    if (kid != header->end() && !kid->is_string()) {
        return refuse(token_fault::malformed);
    }
    bool key_found = false;
    bool signed_by_us = false;
    for (auto const& secret : secrets) {
        if (kid != header->end() && secret.kid != kid->get_ref<std::string const&>()) {
            continue;
        }
        key_found = true;
        auto const mac = hs256(secret.secret, signing_input);
        // Constant time: a forged signature learns nothing from how long the compare took.
        if (CRYPTO_memcmp(mac.data(), signature->data(), hs256_size) == 0) {
            signed_by_us = true;
            break;
        }
    }
    if (!key_found) {
        return refuse(kid != header->end() ? token_fault::unknown_key : token_fault::bad_signature);
    }
    if (!signed_by_us) {
        return refuse(token_fault::bad_signature);
    }

    // Only now, with a signature of ours, are the claims worth reading.
    auto const claims = json_object(token.substr(first_dot + 1, second_dot - first_dot - 1));
    if (!claims) {
        return refuse(token_fault::malformed);
    }
    bool wrong_type = false;
    auto const exp = numeric_date(*claims, "exp", wrong_type);
    auto const nbf = numeric_date(*claims, "nbf", wrong_type);
    auto const claimed_room = claims->find("room");
    auto const once = claims->find("once");
    auto const jti = claims->find("jti");
    if (wrong_type || (claimed_room != claims->end() && !claimed_room->is_string()) ||
        (once != claims->end() && !once->is_boolean()) || (jti != claims->end() && !jti->is_string())) {
        return refuse(token_fault::malformed);
    }
    bool const is_once = once != claims->end() && once->get<bool>();
    if (claimed_room == claims->end() || !exp ||
        (is_once && (jti == claims->end() || jti->get_ref<std::string const&>().empty()))) {
        return refuse(token_fault::missing_claim);
    }
    if (is_once && jti->get_ref<std::string const&>().size() > max_jti_length) {
        return refuse(token_fault::malformed);
    }
    double const now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
    auto const slack = static_cast<double>(leeway.count());
    if (now_seconds >= *exp + slack) {
        return refuse(token_fault::expired);
    }
    if (nbf && now_seconds + slack < *nbf) {
        return refuse(token_fault::not_yet_valid);
    }
    if (claimed_room->get_ref<std::string const&>() != room) {
        return refuse(token_fault::wrong_room);
    }
    token_check out;
    admitted_token admitted;
    if (is_once) {
        admitted.once_jti = jti->get<std::string>();
    }
    // Capped at ten years ahead, so a huge `exp` cannot overflow the clock's ticks (a
    // spent once token is then remembered for ten years, or until a restart).
    constexpr double ten_years = 10.0 * 365 * 24 * 3600;
    admitted.expires = token_clock::time_point(std::chrono::duration_cast<token_clock::duration>(
        std::chrono::duration<double>(std::min(*exp, now_seconds + ten_years))));
    out.admitted = std::move(admitted);
    return out;
}

std::string mint_join_token(config::join_secret const& secret, token_order const& order, token_clock::time_point now) {
    json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    if (!secret.kid.empty()) {
        header["kid"] = secret.kid;
    }
    auto const issued = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    json claims = {{"room", order.room}, {"iat", issued}, {"exp", issued + order.ttl.count()}};
    if (order.once) {
        std::array<unsigned char, 16> random{};
        if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
            throw std::runtime_error("no random bytes for the token's jti");
        }
        claims["once"] = true;
        claims["jti"] = base64url_encode(std::string_view(reinterpret_cast<char const*>(random.data()), random.size()));
    }
    std::string const signing_input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
    auto const mac = hs256(secret.secret, signing_input);
    return signing_input + "." +
           base64url_encode(std::string_view(reinterpret_cast<char const*>(mac.data()), mac.size()));
}

}  // namespace duet::access
