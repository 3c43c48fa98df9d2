// The step from HTTP to WebSocket: bytes that arrive with the upgrade request, and
// handshakes that fail (counted apart from the closes of open connections). Bytes on
// the daemon's own socket, so always on daemon_port(), never through a proxy.
#include "support/http_client.hpp"
#include "support/metrics_page.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>

namespace duet::testing {
namespace {

/// A client text frame (RFC 6455 5.2: masked; a zero mask leaves the payload as is).
std::string masked_text_frame(std::string_view payload) {
    std::string frame;
    frame += static_cast<char>(0x81);
    frame += static_cast<char>(0x80 | payload.size());  // payloads under 126 bytes here
    frame.append(4, '\0');                               // the mask
    frame += payload;
    return frame;
}

std::string const upgrade_request =
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// Reads from `socket` until `text` holds `wanted`, within a deadline.
bool read_until(tcp::socket& socket, std::string& text, std::string_view wanted) {
    auto const deadline = std::chrono::steady_clock::now() + 5s;
    socket.non_blocking(true);
    char chunk[4096];
    while (text.find(wanted) == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        error_code ec;
        auto const n = socket.read_some(asio::buffer(chunk), ec);
        if (ec == asio::error::would_block) {
            socket.wait(tcp::socket::wait_read, ec);
            continue;
        }
        if (ec) {
            return false;
        }
        text.append(chunk, n);
    }
    return true;
}

TEST(Upgrade, AFrameSentWithTheUpgradeRequestIsAnswered) {
    test_server server;
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), server.daemon_port()});
    // One write: the request and a first frame, as a client that does not wait may send.
    asio::write(socket, asio::buffer(upgrade_request + masked_text_frame(R"({"type":"ping"})")));
    std::string received;
    ASSERT_TRUE(read_until(socket, received, R"({"type":"pong"})")) << received;
    EXPECT_EQ(received.rfind("HTTP/1.1 101", 0), 0U) << received;
}

TEST(Upgrade, SeveralFramesWithTheRequestAreHandledInOrder) {
    test_server server;
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), server.daemon_port()});
    asio::write(socket, asio::buffer(upgrade_request + masked_text_frame(R"({"type":"join","room":"early"})") +
                                     masked_text_frame(R"({"type":"ping"})")));
    std::string received;
    ASSERT_TRUE(read_until(socket, received, R"({"type":"pong"})")) << received;
    auto const joined = received.find(R"({"type":"joined","room":"early")");
    ASSERT_NE(joined, std::string::npos) << received;
    EXPECT_LT(joined, received.find(R"({"type":"pong"})"));
}

TEST(Upgrade, AFailedHandshakeIsCountedApartFromCloses) {
    test_server server;
    // An upgrade to /ws without Sec-WebSocket-Key: Beast refuses it (400).
    auto const answer = raw_http(server.daemon_port(),
                                 "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Version: 13\r\n\r\n");
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(metric(server.daemon_port(), "duet_ws_handshake_failures_total"), 1);
    {
        ws_client a(server.daemon_port());
        a.join("demo");
        a.close();
    }
    // One close, of the one connection that opened; the failed handshake is no close.
    // The daemon counts it when its read ends, which may be just after our close returns.
    auto const closes = [&] {
        std::uint64_t total = 0;
        auto const page = http_get(server.daemon_port(), "/metrics").body;
        std::regex const close_line(R"(\nduet_ws_closes_total\{reason="[a-z_]+"\} (\d+))");
        for (auto it = std::sregex_iterator(page.begin(), page.end(), close_line); it != std::sregex_iterator();
             ++it) {
            total += std::stoull((*it)[1].str());
        }
        return total;
    };
    auto const deadline = std::chrono::steady_clock::now() + 5s;
    while (closes() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(closes(), 1U);
    EXPECT_EQ(metric(server.daemon_port(), "duet_ws_connections_accepted_total"), 1);
}

}  // namespace
}  // namespace duet::testing
