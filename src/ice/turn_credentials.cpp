#include <duet/ice/turn_credentials.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

namespace duet::ice {

std::string hmac_sha1_base64(std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_length = 0;
    if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<unsigned char const*>(message.data()), message.size(), digest.data(),
             &digest_length) == nullptr) {
        throw std::runtime_error("HMAC-SHA1 failed");
    }
    // EVP_EncodeBlock writes 4 characters per 3 bytes plus a NUL.
    std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> text{};
    int const length = EVP_EncodeBlock(text.data(), digest.data(), static_cast<int>(digest_length));
    return std::string(reinterpret_cast<char const*>(text.data()), static_cast<std::size_t>(length));
}

turn_credential make_turn_credential(std::string_view secret, std::string_view peer_id,
                                     std::chrono::system_clock::time_point now, std::chrono::seconds ttl) {
    auto const expiry = std::chrono::duration_cast<std::chrono::seconds>((now + ttl).time_since_epoch()).count();
    turn_credential out;
    out.username = std::to_string(expiry) + ":" + std::string(peer_id);
    out.credential = hmac_sha1_base64(secret, out.username);
    return out;
}

}  // namespace duet::ice
