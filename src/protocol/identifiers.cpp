#include <duet/protocol/identifiers.hpp>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace duet::protocol {
namespace {

bool is_unreserved(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

}  // namespace

bool is_valid_room_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    for (char c : name) {
        if (!is_unreserved(c) && c != '.' && c != '~') {
            return false;
        }
    }
    return true;
}

bool is_valid_peer_id(std::string_view id) noexcept {
    if (id.empty()) {
        return false;
    }
    for (char c : id) {
        if (!is_unreserved(c)) {
            return false;
        }
    }
    return true;
}

namespace {

/// `Bytes` random bytes in base64url without padding.
template <std::size_t Bytes>
std::string random_base64url(char const* what) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::array<unsigned char, Bytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error(std::string("RAND_bytes failed: no randomness for a ") + what);
    }
    std::string out;
    out.reserve((Bytes * 4 + 2) / 3);
    // Base64url: every 3 bytes make 4 characters; 1 byte left makes 2, 2 bytes make 3.
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned const v = (unsigned{bytes[i]} << 16) | (unsigned{bytes[i + 1]} << 8) | bytes[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if constexpr (Bytes % 3 == 1) {
        unsigned const last = bytes[i];
        out += alphabet[(last >> 2) & 63];
        out += alphabet[(last << 4) & 63];
    } else if constexpr (Bytes % 3 == 2) {
        unsigned const v = (unsigned{bytes[i]} << 8) | bytes[i + 1];
        out += alphabet[(v >> 10) & 63];
        out += alphabet[(v >> 4) & 63];
        out += alphabet[(v << 2) & 63];
    }
    return out;
}

}  // namespace

std::string make_peer_id() {
    return random_base64url<16>("peer id");
}

std::string make_resume_secret() {
    return random_base64url<24>("resume secret");
}

bool same_secret(std::string_view presented, std::string_view secret) noexcept {
    if (presented.size() != secret.size() || secret.empty()) {
        return false;
    }
    return CRYPTO_memcmp(presented.data(), secret.data(), secret.size()) == 0;
}

}  // namespace duet::protocol
