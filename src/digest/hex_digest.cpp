#include <duet/digest/hex_digest.hpp>

#include <openssl/evp.h>

namespace duet::digest {
namespace {

std::string hex_of(std::string_view bytes, EVP_MD const* algorithm) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &length, algorithm, nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

}  // namespace

std::string sha1_hex(std::string_view bytes) { return hex_of(bytes, EVP_sha1()); }

std::string sha256_hex(std::string_view bytes) { return hex_of(bytes, EVP_sha256()); }

}  // namespace duet::digest
