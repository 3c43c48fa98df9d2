#include <duet/protocol/json_unescape.hpp>

#include <cstdint>

namespace duet::protocol {
namespace {

/// Four hex digits at `at`; false if they are not all there.
bool read_hex4(std::string_view in, std::size_t at, std::uint32_t& value) noexcept {
    if (at + 4 > in.size()) {
        return false;
    }
    value = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
        char const h = in[k];
        std::uint32_t digit = 0;
        if (h >= '0' && h <= '9') {
            digit = static_cast<std::uint32_t>(h - '0');
        } else if (h >= 'a' && h <= 'f') {
            digit = static_cast<std::uint32_t>(h - 'a' + 10);
        } else if (h >= 'A' && h <= 'F') {
            digit = static_cast<std::uint32_t>(h - 'A' + 10);
        } else {
            return false;
        }
        value = value * 16 + digit;
    }
    return true;
}

/// The UTF-8 encoding of `cp` into `bytes`; returns its length.
std::size_t encode_utf8(std::uint32_t cp, char (&bytes)[4]) noexcept {
    auto const byte = [](std::uint32_t v) { return static_cast<char>(static_cast<unsigned char>(v)); };
    if (cp < 0x80) {
        bytes[0] = byte(cp);
        return 1;
    }
    if (cp < 0x800) {
        bytes[0] = byte(0xC0 | (cp >> 6));
        bytes[1] = byte(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        bytes[0] = byte(0xE0 | (cp >> 12));
        bytes[1] = byte(0x80 | ((cp >> 6) & 0x3F));
        bytes[2] = byte(0x80 | (cp & 0x3F));
        return 3;
    }
    bytes[0] = byte(0xF0 | (cp >> 18));
    bytes[1] = byte(0x80 | ((cp >> 12) & 0x3F));
    bytes[2] = byte(0x80 | ((cp >> 6) & 0x3F));
    bytes[3] = byte(0x80 | (cp & 0x3F));
    return 4;
}

}  // namespace

unescape_result unescape_json_string(std::string_view in, std::span<char> out) noexcept {
    unescape_result r;
    std::size_t i = 0;
    while (i < in.size()) {
        char decoded[4];
        std::size_t length = 1;
        std::size_t next = i + 1;
        if (in[i] != '\\') {
            decoded[0] = in[i];
        } else {
            if (i + 1 >= in.size()) {
                break;  // a lone trailing backslash: not from a scanned string
            }
            next = i + 2;
            switch (in[i + 1]) {
            case 'b': decoded[0] = '\b'; break;
            case 'f': decoded[0] = '\f'; break;
            case 'n': decoded[0] = '\n'; break;
            case 'r': decoded[0] = '\r'; break;
            case 't': decoded[0] = '\t'; break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!read_hex4(in, i + 2, cp)) {
                    r.consumed = i;
                    return r;
                }
                next = i + 6;
                // A high surrogate followed by an escaped low one is one code point; the
                // scanner refuses any other use of surrogates.
                std::uint32_t low = 0;
                if (cp >= 0xD800 && cp <= 0xDBFF && next + 1 < in.size() && in[next] == '\\' && in[next + 1] == 'u' &&
                    read_hex4(in, next + 2, low) && low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    next += 6;
                }
                length = encode_utf8(cp, decoded);
                break;
            }
            default:  // '"', '\\' and '/' stand for themselves
                decoded[0] = in[i + 1];
                break;
            }
        }
        for (std::size_t k = 0; k < length; ++k) {
            if (r.size == out.size()) {
                r.consumed = next;  // this character was read, but did not fit
                return r;
            }
            out[r.size++] = decoded[k];
        }
        i = next;
    }
    r.consumed = i;
    r.complete = i == in.size();
    return r;
}

}  // namespace duet::protocol
