#pragma once

#include <duet/net/asio.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace duet::net {

/// The header of a whole WebSocket text frame as a server sends it (RFC 6455 section
/// 5.2): FIN and opcode 1 in the first byte, no mask, then the payload length in 1, 3
/// or 9 bytes. outbound_stream frames the session's messages with it and sends them
/// itself, not through Beast's write operation: no completion per message to run
/// through the event loop.
class text_frame_header {
public:
    explicit text_frame_header(std::size_t payload_size) noexcept;

    asio::const_buffer buffer() const noexcept { return asio::buffer(bytes_.data(), size_); }

    /// The largest header: 2 bytes and a 64-bit length.
    static constexpr std::size_t max_size = 10;

private:
    std::array<std::uint8_t, max_size> bytes_{};
    std::size_t size_ = 0;
};

}  // namespace duet::net
