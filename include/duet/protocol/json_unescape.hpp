#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace duet::protocol {

/// What unescape_json_string did.
struct unescape_result {
    std::size_t size = 0;      // bytes written to the output
    bool complete = false;     // the whole string fitted; false: `out` holds its first bytes
    std::size_t consumed = 0;  // input bytes read, for cost accounting (never above the input's size)
};

/// Decodes the escapes of `inner`, the text between the quotes of a string that
/// scan_json accepted, into `out` as UTF-8. Pure, no allocation. It stops as soon as
/// `out` is full, so asking "is this key one of ours?" with a buffer one byte longer
/// than the longest wanted key costs a bounded amount whatever the key's length. When
/// the decoding is longer than `out`, `out` holds its first out.size() bytes (a
/// multi-byte character may be cut, as std::string::substr would). The decoding is
/// never longer than `inner`, so a buffer of inner.size() bytes always suffices.
/// Malformed input (which a scan refuses) never reads out of bounds.
unescape_result unescape_json_string(std::string_view inner, std::span<char> out) noexcept;

}  // namespace duet::protocol
