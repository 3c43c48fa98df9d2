#include <duet/protocol/identifiers.hpp>

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

std::string make_peer_id() {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed: no randomness for a peer id");
    }
    std::string id;
    id.reserve(22);
    // Base64url: every 3 bytes make 4 characters; the 16th byte makes the last 2.
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned const v = (unsigned{bytes[i]} << 16) | (unsigned{bytes[i + 1]} << 8) | bytes[i + 2];
        id += alphabet[(v >> 18) & 63];
        id += alphabet[(v >> 12) & 63];
        id += alphabet[(v >> 6) & 63];
        id += alphabet[v & 63];
    }
    unsigned const last = bytes[i];
    id += alphabet[(last >> 2) & 63];
    id += alphabet[(last << 4) & 63];
    return id;
}

}  // namespace duet::protocol
