// The lingering close (docs/protocol.md "Closing"): after the daemon's close frame it
// reads and drops what the client still sends, until the client's own close frame, and
// only then ends the TCP connection, in order (FIN, not a reset). Bounded: a client
// cannot keep a closing connection past close_linger_time, nor send more than
// close_linger_bytes into it. Byte-level clients (raw_ws), since a client library
// never misbehaves the way these tests need.
#include "support/raw_ws.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

namespace duet::testing {
namespace {

constexpr std::uint8_t text_opcode = 0x1;

/// The settings of these tests: small messages, and no other timer that could end a
/// closing connection first (Beast's close handshake timeout is request_timeout).
test_server::tweak lingering(std::chrono::milliseconds linger_time, std::size_t linger_bytes = 1024 * 1024) {
    return [=](config::settings& s) {
        s.max_message_bytes = 1024;
        s.max_send_queue_bytes = 64 * 1024;
        s.request_timeout = 60s;
        s.close_linger_time = linger_time;
        s.close_linger_bytes = linger_bytes;
    };
}

TEST(LingeringClose, AClientStillSendingAnOversizeFrameGets1009AndAnOrderlyEnd) {
    // The case a proxy in between breaks on: the daemon refuses the frame from its
    // header, while the client (or nginx for it) goes on sending 300 KB of it. Without
    // lingering, the daemon's socket closes with those bytes unread: the kernel resets
    // the connection and the client's further writes fail (through nginx, nginx's do,
    // and it drops the close frame).
    test_server server(lingering(30s));
    raw_ws client(server.daemon_port());
    constexpr std::size_t size = 300'000;
    std::string const start(2000, 'x');
    ASSERT_FALSE(client.write(raw_ws::frame(text_opcode, start, size)));
    EXPECT_EQ(client.wait_for_close(), 1009);
    // The daemon must not end its side while the client may still be sending: nginx
    // ends both connections as soon as the daemon's ends.
    EXPECT_TRUE(client.read_to_end(300ms).timed_out) << "the daemon ended its side before the client's close";
    // The rest of the frame, after the close frame arrived, then our own close.
    std::string const chunk(16 * 1024, 'x');
    for (std::size_t sent = start.size(); sent < size; sent += chunk.size()) {
        auto const piece = std::string_view(chunk).substr(0, std::min(chunk.size(), size - sent));
        ASSERT_FALSE(client.write(piece, 10s)) << "the daemon reset the connection after " << sent << " bytes";
    }
    ASSERT_FALSE(client.write(raw_ws::close_frame(1009))) << "the daemon reset the connection";
    // The client's close was its last word: the daemon ends the connection at once,
    // not at the end of close_linger_time (30 s here).
    auto const end = client.read_to_end(10s);
    EXPECT_FALSE(end.timed_out) << "the daemon kept the connection after the client's close";
    EXPECT_EQ(end.how, asio::error::eof) << end.how.message();
}

TEST(LingeringClose, AClientThatNeverSendsItsCloseIsCutAtCloseLingerTime) {
    test_server server(lingering(300ms));
    raw_ws client(server.daemon_port());
    // Announces 100,000 bytes, sends 2,000, then nothing: never finishes, never closes.
    ASSERT_FALSE(client.write(raw_ws::frame(text_opcode, std::string(2000, 'x'), 100'000)));
    EXPECT_EQ(client.wait_for_close(), 1009);
    auto const end = client.read_to_end(20s);
    EXPECT_FALSE(end.timed_out) << "a lingering client held the connection for 20 s";
}

TEST(LingeringClose, AClientThatKeepsSendingIsCutPastCloseLingerBytes) {
    test_server server(lingering(60s, 64 * 1024));
    raw_ws client(server.daemon_port());
    // Announces 64 MB and streams it: the daemon must give up after 64 KiB (plus what
    // the kernel buffers hold), long before 60 s, and long before 64 MB.
    constexpr std::uint64_t announced = 64ULL * 1024 * 1024;
    std::string const chunk(64 * 1024, 'x');
    ASSERT_FALSE(client.write(raw_ws::frame(text_opcode, chunk, announced)));
    std::uint64_t sent = chunk.size();
    error_code failure;
    while (sent < announced && !failure) {
        failure = client.write(chunk, 20s);
        sent += chunk.size();
    }
    EXPECT_TRUE(failure) << "the daemon read all of a 64 MB frame it had refused";
    EXPECT_NE(failure, asio::error::timed_out) << "the daemon stopped reading but kept the connection";
}

TEST(LingeringClose, WhatAClosingClientStillSendsReachesNoOne) {
    // Closed by the rules (rule 8: one refused request is the limit here), so Beast
    // still parses what follows: a whole, valid relay request right behind the refused
    // one is read while closing, and dropped.
    test_server server([](config::settings& s) {
        lingering(30s)(s);
        s.max_violations = 1;
    });
    ws_client a(server.daemon_port());
    a.join("linger");
    raw_ws b(server.daemon_port());
    ASSERT_FALSE(b.write(raw_ws::frame(text_opcode, R"({"type":"join","room":"linger"})")));
    a.expect("otherjoin");
    std::string const relay = R"({"type":"message","room":"linger","data":"must not arrive"})";
    ASSERT_FALSE(b.write(raw_ws::frame(text_opcode, R"({"type":"nope"})") + raw_ws::frame(text_opcode, relay)));
    EXPECT_EQ(b.wait_for_close(), 1008);
    ASSERT_FALSE(b.write(raw_ws::close_frame(1008)));
    a.expect("peerdown");  // rule 12: the seat is held (the default lease)
    EXPECT_TRUE(a.nothing_within(300ms));
    auto const end = b.read_to_end(10s);
    EXPECT_FALSE(end.timed_out);
    EXPECT_EQ(end.how, asio::error::eof) << end.how.message();
}

TEST(LingeringClose, AClientThatAnswersOurCloseIsDoneAtOnce) {
    // A well-behaved client (Beast's) answers the daemon's close: the connection must
    // end then, not when close_linger_time (30 s) runs out.
    test_server server(lingering(30s));
    ws_client client(server.daemon_port());
    client.send_binary("not part of the protocol");
    EXPECT_EQ(client.expect_close().code, 1003);
    auto const deadline = std::chrono::steady_clock::now() + 10s;
    while (server.server().gauges().ws_connections != 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);  // polling a gauge, not waiting for an event
    }
    EXPECT_EQ(server.server().gauges().ws_connections, 0u);
}

TEST(LingeringClose, AClientCloseIsAnsweredAndEndsTheConnectionAtOnce) {
    test_server server(lingering(30s));
    raw_ws client(server.daemon_port());
    ASSERT_FALSE(client.write(raw_ws::close_frame(1000)));
    EXPECT_EQ(client.wait_for_close(), 1000);
    auto const end = client.read_to_end(10s);
    EXPECT_FALSE(end.timed_out);
    EXPECT_EQ(end.how, asio::error::eof) << end.how.message();
}

}  // namespace
}  // namespace duet::testing
