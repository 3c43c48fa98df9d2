// Real client addresses (trusted_proxies, X-Forwarded-For, Forwarded) and the limits per
// client address, over real sockets. Clients on this host are told apart by their
// source address: Linux routes all of 127/8 to loopback, so a socket bound to 127.0.0.2
// is a different client from one on 127.0.0.1. Which client the daemon saw shows in
// which limit a request meets.
#include "support/client_sources.hpp"
#include "support/http_client.hpp"
#include "support/metrics_page.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace duet::testing {
namespace {

/// One WebSocket per client address (X-Forwarded-For believed from `trusted`).
test_server one_websocket_each(std::vector<std::string> trusted) {
    return test_server([trusted](config::settings& s) {
        s.trusted_proxies = trusted;
        s.max_connections_per_client = 1;
    });
}

TEST(ClientAddress, XForwardedForIsBelievedFromATrustedProxy) {
    auto server = one_websocket_each({"127.0.0.1/32"});
    auto const held = open_ws(server.port(), from("127.0.0.1", "198.51.100.1"));
    // The same client again: at its limit, whatever proxy hop it comes through.
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.1", "198.51.100.1")), 503);
    // Another client behind the same proxy still gets in.
    auto const other = open_ws(server.port(), from("127.0.0.1", "198.51.100.2"));
    // Without the header the proxy itself is the client, a third one.
    auto const proxy_itself = open_ws(server.port(), from("127.0.0.1"));
}

TEST(ClientAddress, TheRightMostUntrustedHopIsTheClientAndASpoofedLeftMostOneIsIgnored) {
    auto server = one_websocket_each({"127.0.0.1/32", "10.0.0.0/8"});
    auto const held = open_ws(server.port(), from("127.0.0.1", "198.51.100.1"));
    // The client wrote 203.0.113.66 itself; the proxy appended the real address.
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.1", "203.0.113.66, 198.51.100.1")), 503);
    // Two trusted proxies (10.0.0.7, then 127.0.0.1) between the client and duetd.
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.1", "198.51.100.1, 10.0.0.7")), 503);
    // The spoofed entry did not take a place of its own: 203.0.113.66 is free.
    auto const spoofed_name = open_ws(server.port(), from("127.0.0.1", "203.0.113.66"));
}

TEST(ClientAddress, SeveralHeaderLinesAndForwardedCount) {
    auto server = one_websocket_each({"127.0.0.1/32"});
    auto const held = open_ws(server.port(), from("127.0.0.1", "198.51.100.1"));
    // Two X-Forwarded-For lines are one list: the right-most hop is 198.51.100.1.
    auto const two_lines = raw_http_from("127.0.0.1", server.port(),
                                         upgrade_request("X-Forwarded-For: 203.0.113.66\r\n"
                                                         "X-Forwarded-For: 198.51.100.1\r\n"));
    EXPECT_EQ(two_lines.status, 503);
    // RFC 7239 when there is no X-Forwarded-For, quoted IPv6 with a port included.
    ws_client::options forwarded;
    forwarded.source = "127.0.0.1";
    forwarded.headers["Forwarded"] = "for=198.51.100.1;proto=http";
    EXPECT_EQ(ws_client::handshake_status(server.port(), forwarded), 503);
    forwarded.headers["Forwarded"] = "for=\"[2001:db8::7]:4711\"";
    auto const v6 = open_ws(server.port(), forwarded);
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.1", "2001:db8::7")), 503);
    // Garbage from the proxy: the walk stops at the proxy, which is a client of its own.
    auto const garbage = open_ws(server.port(), from("127.0.0.1", "198.51.100.1, not-an-address"));
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.1")), 503);
}

TEST(ClientAddress, XForwardedForIsIgnoredFromAPeerThatIsNotTrusted) {
    // 127.0.0.1 is trusted; 127.0.0.2 is not, so it is the client whatever it writes.
    auto server = one_websocket_each({"127.0.0.1/32"});
    auto const held = open_ws(server.port(), from("127.0.0.2", "198.51.100.1"));
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.2", "198.51.100.2")), 503);
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.2")), 503);
    // And its header did not count for the address it named.
    auto const named = open_ws(server.port(), from("127.0.0.1", "198.51.100.1"));
}

TEST(ClientAddress, WithNoTrustedProxiesEveryClientIsItsPeer) {
    auto server = one_websocket_each({});
    auto const held = open_ws(server.port(), from("127.0.0.1", "198.51.100.1"));
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.1", "198.51.100.2")), 503);
    auto const other = open_ws(server.port(), from("127.0.0.2"));
}

TEST(ClientLimits, WebSocketsPerClientAre503WithRetryAfterAndCountedByReason) {
    test_server server([](config::settings& s) { s.max_connections_per_client = 2; });
    std::vector<std::unique_ptr<ws_client>> held;
    held.push_back(open_ws(server.port(), from("127.0.0.2")));
    held.push_back(open_ws(server.port(), from("127.0.0.2")));
    auto const refused = raw_http_from("127.0.0.2", server.port(), upgrade_request());
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.header("retry-after"), "10");
    // A second address still gets in.
    auto const other = open_ws(server.port(), from("127.0.0.3"));
    EXPECT_EQ(metric(server.port(), "duet_ws_handshakes_refused_total{reason=\"client_connections\"}"), 1);
    EXPECT_EQ(metric(server.port(), "duet_ws_handshakes_refused_total{reason=\"capacity\"}"), 0);
    // 127.0.0.2 and .3 hold WebSockets; 127.0.0.1 holds the /metrics request itself.
    EXPECT_EQ(metric(server.port(), "duet_clients_tracked"), 3);
    // A place frees when a connection ends (the daemon sees the close a little later).
    held.back()->close();
    held.pop_back();
    int status = 0;
    for (int i = 0; i < 200 && status != 101; ++i) {
        status = ws_client::handshake_status(server.port(), from("127.0.0.2"));
        if (status != 101) {
            std::this_thread::sleep_for(10ms);  // polling the daemon's state, bounded
        }
    }
    EXPECT_EQ(status, 101);
}

TEST(ClientLimits, HandshakeRatePerClientIs429WithRetryAfter) {
    test_server server([](config::settings& s) {
        s.handshake_burst_per_client = 3;
        s.handshake_rate_per_client = 0.01;  // one token per 100 s: none comes back during the test
    });
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.2")), 101) << i;
    }
    auto const refused = raw_http_from("127.0.0.2", server.port(), upgrade_request());
    EXPECT_EQ(refused.status, 429);
    // The next token is 100 s away, less what a loaded machine took since the burst.
    auto const retry_after = std::stoi("0" + refused.header("retry-after"));
    EXPECT_GE(retry_after, 80);
    EXPECT_LE(retry_after, 100);
    // A refused attempt costs a token too, but another address has its own bucket.
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.3")), 101);
    EXPECT_EQ(ws_client::handshake_status(server.port(), from("127.0.0.2")), 429);
    EXPECT_EQ(metric(server.port(), "duet_ws_handshakes_refused_total{reason=\"client_rate\"}"), 2);
    // Plain pages are not rate-limited.
    EXPECT_EQ(raw_http_from("127.0.0.2", server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                  .status,
              200);
}

TEST(ClientLimits, HttpConnectionsPerClientFromADirectPeerAreClosedAtOnce) {
    test_server server([](config::settings& s) { s.max_http_connections_per_client = 2; });
    // Two idle connections from 127.0.0.2 hold its places (the daemon accepts them in
    // order, so the third is the one refused).
    asio::io_context ioc;
    std::vector<tcp::socket> idle;
    for (int i = 0; i < 2; ++i) {
        idle.emplace_back(ioc);
        idle.back().open(tcp::v4());
        idle.back().bind(tcp::endpoint(asio::ip::make_address("127.0.0.2"), 0));
        idle.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    }
    auto const refused = raw_http_from("127.0.0.2", server.port(),
                                       "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(refused.status, 0) << "answered: the per-client limit did not hold";
    EXPECT_EQ(raw_http_from("127.0.0.3", server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                  .status,
              200);
    EXPECT_EQ(metric(server.port(), "duet_http_connections_refused_total{reason=\"client_connections\"}"), 1);
    EXPECT_EQ(metric(server.port(), "duet_http_connections_refused_total{reason=\"capacity\"}"), 0);
}

/// A keep-alive HTTP connection that has had one request answered, and stays open.
class kept_alive {
public:
    kept_alive(std::uint16_t port, std::string const& extra_headers) : stream_(ioc_) {
        stream_.expires_after(5s);
        stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](error_code ec) {
            if (ec) {
                return;
            }
            request_ = "GET /healthz HTTP/1.1\r\nHost: x\r\n" + extra_headers + "\r\n";
            asio::async_write(stream_, asio::buffer(request_), [&](error_code wec, std::size_t) {
                if (wec) {
                    return;
                }
                bhttp::async_read(stream_, buffer_, response_, [&](error_code rec, std::size_t) {
                    if (!rec) {
                        status_ = static_cast<int>(response_.result_int());
                    }
                });
            });
        });
        ioc_.run();
    }
    int status() const noexcept { return status_; }

private:
    asio::io_context ioc_;
    beast::tcp_stream stream_;
    std::string request_;
    beast::flat_buffer buffer_;
    bhttp::response<bhttp::string_body> response_;
    int status_ = 0;
};

TEST(ClientLimits, HttpConnectionsPerClientBehindAProxyAreCountedOnceTheHeadersNameTheClient) {
    test_server server([](config::settings& s) {
        s.trusted_proxies = {"127.0.0.1/32"};
        s.max_http_connections_per_client = 1;
    });
    kept_alive const held(server.port(), "X-Forwarded-For: 198.51.100.1\r\n");
    ASSERT_EQ(held.status(), 200);
    auto const refused = raw_http(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                                 "X-Forwarded-For: 198.51.100.1\r\n\r\n");
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.header("retry-after"), "10");
    // Another client through the same proxy connection pool gets in.
    EXPECT_EQ(raw_http(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                      "X-Forwarded-For: 198.51.100.2\r\n\r\n")
                  .status,
              200);
    EXPECT_EQ(metric(server.port(), "duet_http_connections_refused_total{reason=\"client_connections\"}"), 1);
}

}  // namespace
}  // namespace duet::testing
