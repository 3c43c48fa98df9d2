// The limits of docs/protocol.md: frame size (1009), binary frames (1003), the send queue
// (rule 5, 1008), keepalive and idle (rule 7), rate limit and violations (rule 8),
// Origin and max_connections (rule 10).
#include "support/drop_modes.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace duet::testing {
namespace {

/// A connection the daemon closes for what it sent: its room hears of it as of any drop.
class LimitsDrop : public ::testing::TestWithParam<drop_mode> {};
INSTANTIATE_TEST_SUITE_P(BothModes, LimitsDrop, both_drop_modes(), drop_mode_name);

TEST_P(LimitsDrop, OversizeFrameClosesWith1009AndOthersAreTold) {
    test_server server([](config::settings& s) {
        s.max_message_bytes = 1024;
        s.seat_lease = GetParam().seat_lease;
    });
    ws_client a(server.port()), b(server.port());
    a.join("demo");
    auto const b_id = b.join("demo")["id"];
    a.expect("otherjoin");
    // Exactly at the limit is fine...
    std::string const filler(1024 - 48, 'x');
    std::string const at_limit = R"({"type":"message","room":"demo","data":")" + filler + R"("})";
    ASSERT_LE(at_limit.size(), 1024u);
    b.send_text(at_limit + std::string(1024 - at_limit.size(), ' '));
    EXPECT_EQ(a.expect("message")["data"], filler);
    // ...one byte more is not.
    b.send_text(std::string(1025, ' '));
    auto const closed = b.expect_close();
    EXPECT_EQ(closed.code, 1009) << closed.reason;  // code 0: the reason is the socket error
    EXPECT_EQ(a.expect(GetParam().others_hear)["id"], b_id);
}

TEST_P(LimitsDrop, BinaryFrameClosesWith1003AndOthersAreTold) {
    test_server server([](config::settings& s) { s.seat_lease = GetParam().seat_lease; });
    ws_client a(server.port()), b(server.port());
    a.join("demo");
    auto const b_id = b.join("demo")["id"];
    a.expect("otherjoin");
    b.send_binary(R"({"type":"ping"})");
    auto const closed = b.expect_close();
    EXPECT_EQ(closed.code, 1003) << closed.reason;  // code 0: the reason is the socket error
    EXPECT_EQ(a.expect(GetParam().others_hear)["id"], b_id);
}

// Without a lease (1.0): the seat is free at once for a newcomer. lease_test.cpp has the
// leased case (peerdown, and the seat resumes).
TEST(Limits, Rule5_SlowConsumerIsClosedWith1008AndOthersGetBye) {
    test_server server([](config::settings& s) {
        s.seat_lease = std::chrono::milliseconds(0);
        s.max_send_queue_bytes = 256 * 1024;
        s.rate_limit_per_second = 1e6;
        s.rate_limit_burst = 1e6;
    });
    ws_client sender(server.port()), reader(server.port()), stalled(server.port());
    sender.join("r");
    auto const stalled_id = stalled.join("r")["id"];
    sender.expect("otherjoin");
    // `stalled` stops reading. The sender floods it until the kernel buffers are full
    // and the daemon's queue for it passes the limit.
    std::string const frame = R"({"type":"message","room":"r","data":")" + std::string(16 * 1024, 'p') + R"("})";
    json bye;
    for (int i = 0; i < 4000; ++i) {
        sender.send_text(frame);
        auto event = sender.read(1ms);
        if (auto* text = std::get_if<ws_text>(&event)) {
            bye = json::parse(text->text);
            break;
        }
    }
    ASSERT_EQ(bye.value("type", ""), "bye") << "the stalled reader was never dropped";
    EXPECT_EQ(bye["id"], stalled_id);
    // The stalled client, once it reads again, finds the messages that fitted in order
    // and then the 1008 close: nothing was reordered or silently skipped before it.
    auto closed = stalled.expect_close(10s);
    EXPECT_EQ(closed.code, 1008) << closed.reason;
    EXPECT_EQ(closed.reason, "slow consumer");
    // The room goes on: a new member can join and talk to the sender.
    reader.join("r");
    sender.expect("otherjoin");
    sender.send_json({{"type", "message"}, {"room", "r"}, {"data", "hi"}});
    // Flood frames the daemon had not yet read when `reader` joined reach it first,
    // in order; "hi" comes after them.
    bool got_hi = false;
    for (int i = 0; i < 4001 && !got_hi; ++i) {
        auto m = reader.expect("message");
        ASSERT_TRUE(m.is_object());
        got_hi = m["data"] == "hi";
    }
    EXPECT_TRUE(got_hi);
}

// Without a lease (1.0); lease_test.cpp has an idle close that starts a lease.
TEST(Limits, Rule7_ServerSendsPingsAndClosesIdleConnections) {
    test_server server([](config::settings& s) {
        s.seat_lease = std::chrono::milliseconds(0);
        s.ping_interval = std::chrono::milliseconds(100);
        s.idle_timeout = std::chrono::milliseconds(400);
    });
    // A client that answers pings (Beast does, while a read is pending) stays open
    // well past idle_timeout.
    ws_client alive(server.port());
    alive.join("demo");
    EXPECT_TRUE(alive.nothing_within(1200ms));
    alive.send_json({{"type", "ping"}});
    alive.expect("pong");

    // A client that sends nothing and reads nothing (so never answers a ping) is
    // closed after idle_timeout, and its room is told.
    ws_client silent(server.port());
    auto const silent_id = silent.join("demo")["id"];
    alive.expect("otherjoin");
    auto const started = std::chrono::steady_clock::now();
    // Not reading: pings pile up unanswered. Wait for the bye on the other side.
    EXPECT_EQ(alive.expect("bye", 5s)["id"], silent_id);
    auto const waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, 300ms);  // not before idle_timeout (some slack for the clock)
    auto closed = silent.expect_close(5s);
    EXPECT_EQ(closed.code, 1001) << closed.reason;
    EXPECT_EQ(closed.reason, "idle timeout");
}

TEST(Limits, Rule8_RateLimitedRequestsAreRefusedAndDropped) {
    test_server server([](config::settings& s) {
        s.rate_limit_per_second = 1;  // one token a second: no refill during the test
        s.rate_limit_burst = 5;
        s.max_violations = 1000;
    });
    ws_client a(server.port()), b(server.port());
    a.join("demo");  // token 1
    b.join("demo");
    a.expect("otherjoin");
    for (int i = 0; i < 4; ++i) {  // tokens 2-5
        a.send_json({{"type", "message"}, {"room", "demo"}, {"data", i}});
    }
    a.send_json({{"type", "message"}, {"room", "demo"}, {"data", "over"}});
    a.expect_error("rate_limited");
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(b.expect("message")["data"], i);
    }
    // The refused request was dropped, not delayed.
    EXPECT_TRUE(b.nothing_within(200ms));
}

TEST_P(LimitsDrop, Rule8_TooManyRefusedRequestsCloseWith1008AfterTheLastError) {
    test_server server([](config::settings& s) {
        s.max_violations = 3;
        s.seat_lease = GetParam().seat_lease;
    });
    ws_client a(server.port()), b(server.port());
    a.join("demo");
    auto const b_id = b.join("demo")["id"];
    a.expect("otherjoin");
    b.send_text("x");
    b.expect_error("bad_json");
    b.send_text("y");
    b.expect_error("bad_json");
    b.send_text(R"({"type":"nope"})");
    b.expect_error("unknown_type", "nope");
    auto closed = b.expect_close();
    EXPECT_EQ(closed.code, 1008) << closed.reason;
    EXPECT_EQ(closed.reason, "too many refused requests");
    EXPECT_EQ(a.expect(GetParam().others_hear)["id"], b_id);
}

TEST(Limits, Rule9_MalformedInputBelowTheLimitNeverCloses) {
    test_server server([](config::settings& s) { s.max_violations = 100; });
    ws_client a(server.port());
    for (int i = 0; i < 99; ++i) {
        a.send_text(i % 2 ? "{" : R"({"type":"join","room":"bad room"})");
        a.expect("error");
    }
    a.send_json({{"type", "ping"}});
    a.expect("pong");
}

TEST(Limits, Rule10_OriginNotListedIsRefusedWith403) {
    test_server server([](config::settings& s) { s.allowed_origins = {"https://call.example.org"}; });
    ws_client::options good;
    good.headers["Origin"] = "https://call.example.org";
    EXPECT_EQ(ws_client::handshake_status(server.port(), good), 101);
    ws_client::options bad;
    bad.headers["Origin"] = "https://evil.example.com";
    EXPECT_EQ(ws_client::handshake_status(server.port(), bad), 403);
    // Without an Origin at all, a configured allow-list refuses too.
    EXPECT_EQ(ws_client::handshake_status(server.port(), {}), 403);
    ws_client ok(server.port(), good);
    ok.send_json({{"type", "ping"}});
    ok.expect("pong");
}

TEST(Limits, Rule10_PastMaxConnectionsHandshakesGet503) {
    test_server server([](config::settings& s) { s.max_connections = 3; });
    if (server.clustered()) {
        GTEST_SKIP() << "max_connections is each node's: the fourth handshake goes to another node";
    }
    std::vector<std::unique_ptr<ws_client>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<ws_client>(server.port()));
        clients.back()->send_json({{"type", "ping"}});
        clients.back()->expect("pong");
    }
    EXPECT_EQ(ws_client::handshake_status(server.port(), {}), 503);
    // A slot frees when a connection ends.
    clients.back()->close();
    clients.pop_back();
    bool admitted = false;
    for (int i = 0; i < 100 && !admitted; ++i) {
        admitted = ws_client::handshake_status(server.port(), {}) == 101;
        if (!admitted) {
            std::this_thread::sleep_for(10ms);  // polling the daemon's state, bounded
        }
    }
    EXPECT_TRUE(admitted);
}

TEST(Limits, QueryStringOnWsIsAllowed) {
    test_server server;
    ws_client::options opts;
    opts.target = "/ws?room=demo&v=1";
    ws_client a(server.port(), opts);
    a.send_json({{"type", "ping"}});
    a.expect("pong");
}

}  // namespace
}  // namespace duet::testing
