#include <duet/net/text_frame.hpp>

namespace duet::net {

text_frame_header::text_frame_header(std::size_t payload_size) noexcept {
    constexpr std::uint8_t fin_text = 0x81;
    bytes_[0] = fin_text;
    if (payload_size <= 125) {
        bytes_[1] = static_cast<std::uint8_t>(payload_size);
        size_ = 2;
    } else if (payload_size <= 0xFFFF) {
        bytes_[1] = 126;
        bytes_[2] = static_cast<std::uint8_t>(payload_size >> 8);
        bytes_[3] = static_cast<std::uint8_t>(payload_size);
        size_ = 4;
    } else {
        bytes_[1] = 127;
        std::uint64_t const length = payload_size;
        for (std::size_t i = 0; i < 8; ++i) {
            bytes_[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
        }
        size_ = 10;
    }
}

}  // namespace duet::net
