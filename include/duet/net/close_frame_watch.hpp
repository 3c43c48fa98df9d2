#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace duet::net {

/// Follows the frame boundaries of what a client sends (RFC 6455 section 5.2: a 2-byte
/// header, a 16- or 64-bit length, a mask key, the payload) to notice its close frame,
/// whatever state Beast's own parser is in. A lingering close needs that: when Beast
/// fails a connection (a frame over max_message_bytes, bad UTF-8) it stops parsing,
/// yet the client still finishes its frame and answers our close frame with its own,
/// and only then may the socket be shut down (a proxy in between drops everything,
/// our close frame included, when its write to us fails).
///
/// Only headers are read; payloads are skipped by count, so following a connection
/// costs a few operations per frame. Fed every byte read from the socket, in order,
/// from the first byte after the HTTP upgrade.
class close_frame_watch {
public:
    /// The next bytes the client sent.
    void observe(std::string_view bytes) noexcept;

    /// The header of a close frame has arrived (what follows it is of no interest).
    bool close_seen() const noexcept { return close_seen_; }

private:
    static constexpr std::size_t max_header_size = 14;  // 2 + 8 (length) + 4 (mask)

    /// The header's full size once its first two bytes are known.
    std::size_t header_size() const noexcept;
    void header_complete() noexcept;

    std::uint8_t header_[max_header_size] = {};
    std::size_t header_have_ = 0;
    std::uint64_t payload_left_ = 0;
    bool close_seen_ = false;
};

}  // namespace duet::net
