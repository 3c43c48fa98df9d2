// Rule 11 in process: the shutdown sequence closes every WebSocket with 1001, including
// those whose handshake races it, and ends without waiting for shutdown_grace. (The
// real binary and its signals: process_test.cpp.)
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

namespace duet::testing {
namespace {

// One node's stop closes only its own clients; a cluster's planned stops (hand-over,
// rolling restart) are tests/cluster's.
#define SKIP_IN_A_CLUSTER(server) \
    if ((server).clustered()) GTEST_SKIP() << "a single daemon's shutdown; the cluster's: tests/cluster"

TEST(Shutdown, InProcessStopClosesEveryWebSocketWith1001) {
    test_server server;
    SKIP_IN_A_CLUSTER(server);
    ws_client a(server.port()), b(server.port()), idle(server.port());
    a.join("demo");
    b.join("demo");
    a.expect("otherjoin");
    server.server().stop();
    for (auto* c : {&a, &b, &idle}) {
        auto closed = c->expect_close(5s);
        EXPECT_EQ(closed.code, 1001) << closed.reason;
    }
    server.stop_and_wait();
}

TEST(Shutdown, AfterTheStopNoNewWebSocketOpens) {
    test_server server;
    SKIP_IN_A_CLUSTER(server);
    server.stop_and_wait();
    // The daemon itself no longer accepts: the connection is refused.
    EXPECT_EQ(ws_client::handshake_status(server.daemon_port(), {}), -1);
    if (server.behind_proxy()) {
        // A proxy still accepts the TCP connection, and answers the handshake itself:
        // nginx's 502 Bad Gateway, since it cannot reach the daemon.
        EXPECT_EQ(ws_client::handshake_status(server.port(), {}), 502);
    }
}

TEST(Shutdown, HandshakesRacingTheShutdownAreClosedWith1001AndTheDaemonExitsWithoutWaitingForItsGrace) {
    // Handshakes still under way when the shutdown begins: each one that completes must
    // get 1001 like the others, and the loop must end once they are gone, long before
    // shutdown_grace (the bug: such a session got its 101, no 1001, and held the daemon
    // until the grace ran out).
    int opened_total = 0;
    for (int round = 0; round < 10; ++round) {
        std::optional<test_server> server(std::in_place, [](config::settings& s) { s.shutdown_grace = 60s; });
        SKIP_IN_A_CLUSTER(*server);
        auto const port = server->port();
        constexpr int clients = 16;
        std::vector<int> codes(clients, -1);  // -1: the handshake itself was refused
        std::atomic<int> opened{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < clients; ++i) {
            threads.emplace_back([&, i] {
                try {
                    ws_client c(port);
                    ++opened;
                    codes[static_cast<std::size_t>(i)] = c.expect_close(10s).code;
                } catch (std::exception const&) {
                    // Refused, or cut when the daemon stopped: never opened.
                }
            });
        }
        // Stop once the first handshake has completed: the others are then anywhere
        // between connecting and opening.
        auto const deadline = std::chrono::steady_clock::now() + 10s;
        while (opened.load() == 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::yield();
        }
        auto const started = std::chrono::steady_clock::now();
        server->stop_and_wait();
        auto const took = std::chrono::steady_clock::now() - started;
        // Connections the kernel completed but the stopped loop never took: reset now
        // (a daemon process would exit here).
        server.reset();
        for (auto& t : threads) {
            t.join();
        }
        for (int i = 0; i < clients; ++i) {
            auto const code = codes[static_cast<std::size_t>(i)];
            EXPECT_TRUE(code == -1 || code == 1001) << "round " << round << " client " << i << " closed with " << code;
        }
        opened_total += opened.load();
        // Generous for a loaded machine, and far below the 60 s grace.
        EXPECT_LT(took, 20s) << "round " << round;
    }
    // The race was run: handshakes completed around the shutdown, not only before it.
    EXPECT_GE(opened_total, 10);
}

}  // namespace
}  // namespace duet::testing
