// net::close_frame_watch: it finds the client's close frame by following frame
// boundaries, whatever the frames carry and however the bytes are split into reads.
#include <duet/net/close_frame_watch.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace duet::net {
namespace {

// Opcodes (RFC 6455 5.2), named apart: other tests of this namespace use `text`.
namespace op {
constexpr std::uint8_t text = 0x1, binary = 0x2, continuation = 0x0, close = 0x8, ping = 0x9;
}  // namespace op

/// One frame as a client sends it: masked (the key is arbitrary: payloads are skipped),
/// with the shortest length encoding unless `length_bytes` asks for a longer one.
std::string client_frame(std::uint8_t opcode, std::string const& payload, bool fin = true, int length_bytes = 0) {
    std::string frame;
    frame += static_cast<char>((fin ? 0x80 : 0x00) | opcode);
    auto const size = payload.size();
    if (length_bytes == 0) {
        length_bytes = size < 126 ? 0 : size <= 0xFFFF ? 2 : 8;
    }
    if (length_bytes == 0) {
        frame += static_cast<char>(0x80 | size);
    } else {
        frame += static_cast<char>(0x80 | (length_bytes == 2 ? 126 : 127));
        for (int i = length_bytes - 1; i >= 0; --i) {
            frame += static_cast<char>((size >> (8 * i)) & 0xFF);
        }
    }
    frame += "\x12\x34\x56\x78";
    return frame + payload;
}

/// A payload full of bytes that would look like a close frame header if the watch
/// lost its place.
std::string decoy(std::size_t size) {
    std::string bytes;
    while (bytes.size() < size) {
        bytes += "\x88\x82";
    }
    bytes.resize(size);
    return bytes;
}

TEST(close_frame_watch, SeesNothingBeforeAnyBytes) {
    close_frame_watch watch;
    EXPECT_FALSE(watch.close_seen());
}

TEST(close_frame_watch, FindsACloseBehindFramesOfEveryLengthEncoding) {
    for (std::size_t size : {std::size_t{0}, std::size_t{125}, std::size_t{126}, std::size_t{65535},
                             std::size_t{65536}, std::size_t{300000}}) {
        close_frame_watch watch;
        watch.observe(client_frame(op::text, decoy(size)));
        EXPECT_FALSE(watch.close_seen()) << size;
        watch.observe(client_frame(op::close, "\x03\xe8"));
        EXPECT_TRUE(watch.close_seen()) << size;
    }
}

TEST(close_frame_watch, AnOverlongLengthEncodingIsFollowedToo) {
    close_frame_watch watch;
    watch.observe(client_frame(op::binary, decoy(10), true, 8));
    EXPECT_FALSE(watch.close_seen());
    watch.observe(client_frame(op::close, ""));
    EXPECT_TRUE(watch.close_seen());
}

TEST(close_frame_watch, FragmentsAndControlFramesBetweenThemAreSkipped) {
    close_frame_watch watch;
    watch.observe(client_frame(op::text, decoy(500), false));
    watch.observe(client_frame(op::ping, decoy(20)));
    watch.observe(client_frame(op::continuation, decoy(70000), true));
    EXPECT_FALSE(watch.close_seen());
    watch.observe(client_frame(op::close, "\x03\xe8" "bye"));
    EXPECT_TRUE(watch.close_seen());
}

TEST(close_frame_watch, ByteByByteReadsGiveTheSameAnswer) {
    std::string const before = client_frame(op::text, decoy(200)) + client_frame(op::binary, decoy(70000));
    std::string const stream = before + client_frame(op::close, "\x03\xf1");
    auto const close_header_end = before.size() + 6;  // 2 bytes, the mask key
    close_frame_watch watch;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        EXPECT_EQ(watch.close_seen(), i >= close_header_end) << "at byte " << i;
        watch.observe(std::string_view(stream).substr(i, 1));
    }
    EXPECT_TRUE(watch.close_seen());
}

TEST(close_frame_watch, ReadsSplitAnywhereInAHeaderGiveTheSameAnswer) {
    std::string const first = client_frame(op::text, decoy(70000));  // a 2 + 2 + 4 byte header
    std::string const stream = first + client_frame(op::close, "");
    for (std::size_t split = 1; split < 8; ++split) {
        close_frame_watch watch;
        watch.observe(std::string_view(stream).substr(0, split));
        watch.observe(std::string_view(stream).substr(split, first.size() - split));
        EXPECT_FALSE(watch.close_seen()) << split;
        watch.observe(std::string_view(stream).substr(first.size()));
        EXPECT_TRUE(watch.close_seen()) << split;
    }
}

TEST(close_frame_watch, APayloadStillExpectedHidesACloseInsideIt) {
    // The client announced 100,000 bytes and sent 10: what follows is payload, even if
    // it reads like a close frame.
    std::string const frame = client_frame(op::text, decoy(100000));
    close_frame_watch watch;
    watch.observe(std::string_view(frame).substr(0, 18));
    watch.observe(client_frame(op::close, ""));
    EXPECT_FALSE(watch.close_seen());
}

}  // namespace
}  // namespace duet::net
