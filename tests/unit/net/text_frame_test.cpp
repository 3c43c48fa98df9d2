// The header duet puts before every text frame it sends itself: the three length
// encodings at their edges, byte by byte. (tests/integration/text_frame_test.cpp reads
// such frames with Beast's client.)
#include <duet/net/text_frame.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace duet::testing {
namespace {

std::vector<std::uint8_t> bytes_of(net::text_frame_header const& header) {
    auto const b = header.buffer();
    auto const* p = static_cast<std::uint8_t const*>(b.data());
    return {p, p + b.size()};
}

TEST(TextFrameHeader, SmallPayloadsFitTheSecondByte) {
    EXPECT_EQ(bytes_of(net::text_frame_header(0)), (std::vector<std::uint8_t>{0x81, 0}));
    EXPECT_EQ(bytes_of(net::text_frame_header(125)), (std::vector<std::uint8_t>{0x81, 125}));
}

TEST(TextFrameHeader, MediumPayloadsTakeASixteenBitLength) {
    EXPECT_EQ(bytes_of(net::text_frame_header(126)), (std::vector<std::uint8_t>{0x81, 126, 0, 126}));
    EXPECT_EQ(bytes_of(net::text_frame_header(4100)), (std::vector<std::uint8_t>{0x81, 126, 0x10, 0x04}));
    EXPECT_EQ(bytes_of(net::text_frame_header(65535)), (std::vector<std::uint8_t>{0x81, 126, 0xFF, 0xFF}));
}

TEST(TextFrameHeader, LargePayloadsTakeASixtyFourBitLength) {
    EXPECT_EQ(bytes_of(net::text_frame_header(65536)),
              (std::vector<std::uint8_t>{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
    EXPECT_EQ(bytes_of(net::text_frame_header(0x0102030405)),
              (std::vector<std::uint8_t>{0x81, 127, 0, 0, 0, 1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace duet::testing
