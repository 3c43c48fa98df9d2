#include <duet/net/close_frame_watch.hpp>

#include <algorithm>

namespace duet::net {
namespace {

constexpr std::uint8_t opcode_close = 0x8;

}  // namespace

void close_frame_watch::observe(std::string_view bytes) noexcept {
    while (!bytes.empty() && !close_seen_) {
        if (payload_left_ > 0) {
            auto const skip = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, bytes.size()));
            payload_left_ -= skip;
            bytes.remove_prefix(skip);
            continue;
        }
        header_[header_have_++] = static_cast<std::uint8_t>(bytes.front());
        bytes.remove_prefix(1);
        if (header_have_ >= 2 && header_have_ == header_size()) {
            header_complete();
        }
    }
}

std::size_t close_frame_watch::header_size() const noexcept {
    auto const length_field = header_[1] & 0x7F;
    std::size_t const extended = length_field == 126 ? 2 : length_field == 127 ? 8 : 0;
    std::size_t const mask = (header_[1] & 0x80) != 0 ? 4 : 0;
    return 2 + extended + mask;
}

void close_frame_watch::header_complete() noexcept {
    auto const length_field = static_cast<std::uint8_t>(header_[1] & 0x7F);
    std::uint64_t length = length_field;
    if (length_field >= 126) {
        std::size_t const bytes = length_field == 126 ? 2 : 8;
        length = 0;
        for (std::size_t i = 0; i < bytes; ++i) {
            length = (length << 8) | header_[2 + i];
        }
    }
    close_seen_ = (header_[0] & 0x0F) == opcode_close;
    payload_left_ = length;
    header_have_ = 0;
}

}  // namespace duet::net
