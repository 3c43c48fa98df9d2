// docs/protocol.md rule 12 (seat lease and resume) against the real daemon over real
// sockets: a connection that ends without `leave` holds its seat, a new connection takes
// it back with the secret, and what was said meanwhile arrives in order. The lease ends
// by the daemon's own timer; every wait here has a deadline, nothing sleeps.
#include "support/http_client.hpp"
#include "support/metrics_page.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <string>

namespace duet::testing {
namespace {

/// A daemon whose seats are held for `lease`.
test_server leased_server(std::chrono::milliseconds lease) {
    return test_server([lease](config::settings& s) { s.seat_lease = lease; });
}

json resume_request(std::string const& room, json const& secret) {
    return {{"type", "join"}, {"room", room}, {"resume", secret}};
}

/// What the two members of a pair were told when they joined.
struct joined_pair {
    json a;
    json b;  // B's id and resume secret
};

/// A joins `room`, then B; A has read the otherjoin naming B, so both start with
/// nothing unread.
joined_pair join_pair(ws_client& a, ws_client& b, std::string const& room = "demo") {
    joined_pair joined{a.join(room), b.join(room)};
    EXPECT_EQ(a.expect("otherjoin")["id"], joined.b["id"]);
    return joined;
}

TEST(SeatLease, AbruptCloseHoldsTheSeatAndAResumeTakesItBackWithTheKeptMessages) {
    auto server = leased_server(30s);
    ws_client a(server.port()), b(server.port());
    auto const [joined_a, joined_b] = join_pair(a, b);
    auto const id_a = joined_a["id"];
    ASSERT_TRUE(joined_b.contains("resume")) << joined_b;
    b.close_tcp();  // no close frame: the network went away
    EXPECT_EQ(a.expect("peerdown")["id"], joined_b["id"]);
    for (int i = 0; i < 20; ++i) {
        a.send_json({{"type", "message"}, {"room", "demo"}, {"data", {{"n", i}}}});
    }
    // The held seat counts: a newcomer finds the room full.
    ws_client c(server.port());
    c.send_json({{"type", "join"}, {"room", "demo"}});
    c.expect("full");
    ws_client b2(server.port());
    b2.send_json(resume_request("demo", joined_b["resume"]));
    auto const back = b2.expect("joined");
    EXPECT_EQ(back["id"], joined_b["id"]);
    EXPECT_EQ(back["role"], "polite");
    EXPECT_EQ(back["peers"], 2);
    EXPECT_EQ(back["resumed"], true);
    EXPECT_NE(back["resume"], joined_b["resume"]);
    for (int i = 0; i < 20; ++i) {
        auto const m = b2.expect("message");
        EXPECT_EQ(m["from"], id_a);
        EXPECT_EQ(m["data"], (json{{"n", i}}));
    }
    EXPECT_EQ(a.expect("peerup")["id"], joined_b["id"]);
    // The call goes on as before.
    b2.send_json({{"type", "message"}, {"room", "demo"}, {"data", "again"}});
    EXPECT_EQ(a.expect("message")["data"], "again");
    if (server.clustered()) {
        return;  // each node counts its own; the cluster's figures: tests/cluster
    }
    EXPECT_EQ(metric(server.daemon_port(), "duet_leases_resumed_total"), 1);
    EXPECT_EQ(metric(server.daemon_port(), "duet_lease_down_seconds_count"), 1);
    EXPECT_EQ(metric(server.daemon_port(), "duet_call_duration_seconds_count"), 0) << "a resume is not a new call";
}

TEST(SeatLease, AFullKeepAnswersPeerUnavailableAndKeepsWhatFitted) {
    test_server server([](config::settings& s) {
        s.seat_lease = 30s;
        s.lease_queue_bytes = 1024;
    });
    ws_client a(server.port()), b(server.port());
    auto const joined_b = join_pair(a, b).b;
    b.close_tcp();
    a.expect("peerdown");
    std::string const big(900, 'x');
    a.send_json({{"type", "message"}, {"room", "demo"}, {"data", big + "1"}});
    a.send_json({{"type", "message"}, {"room", "demo"}, {"data", big + "2"}});
    a.expect_error("peer_unavailable", "message");
    ws_client b2(server.port());
    b2.send_json(resume_request("demo", joined_b["resume"]));
    b2.expect("joined");
    EXPECT_EQ(b2.expect("message")["data"], big + "1");
    EXPECT_TRUE(b2.nothing_within(100ms));
}

// Rule 7's idle close starts a lease too: the member that went quiet can come back.
TEST(SeatLease, AnIdleTimeoutHoldsTheSeat) {
    test_server server([](config::settings& s) {
        s.seat_lease = 30s;
        s.ping_interval = std::chrono::milliseconds(100);
        s.idle_timeout = std::chrono::milliseconds(400);
    });
    ws_client a(server.port()), b(server.port());
    // While the test waits on `a` only, `b` reads nothing and answers no ping.
    auto const joined_b = join_pair(a, b).b;
    EXPECT_EQ(a.expect("peerdown", 5s)["id"], joined_b["id"]);
    EXPECT_EQ(b.expect_close(5s).code, 1001);
    ws_client b2(server.port());
    b2.send_json(resume_request("demo", joined_b["resume"]));
    EXPECT_EQ(b2.expect("joined")["id"], joined_b["id"]);
    a.expect("peerup");
}

// Rule 5's slow-consumer close starts a lease too: the others get peerdown, not bye.
TEST(SeatLease, ASlowConsumerCloseHoldsTheSeat) {
    test_server server([](config::settings& s) {
        s.seat_lease = 30s;
        s.max_send_queue_bytes = 256 * 1024;
        s.rate_limit_per_second = 1e6;
        s.rate_limit_burst = 1e6;
    });
    ws_client sender(server.port()), stalled(server.port());
    auto const stalled_id = join_pair(sender, stalled, "r").b["id"];
    std::string const frame = R"({"type":"message","room":"r","data":")" + std::string(16 * 1024, 'p') + R"("})";
    json down;
    for (int i = 0; i < 4000 && down.is_null(); ++i) {
        sender.send_text(frame);
        auto event = sender.read(1ms);
        if (auto* text = std::get_if<ws_text>(&event)) {
            auto const j = json::parse(text->text);
            ASSERT_NE(j.value("type", ""), "bye") << "a slow consumer's seat must be held";
            if (j.value("type", "") == "peerdown") {
                down = j;
            }
        }
    }
    ASSERT_EQ(down.value("type", ""), "peerdown") << "the stalled reader was never dropped";
    EXPECT_EQ(down["id"], stalled_id);
    EXPECT_EQ(stalled.expect_close(10s).code, 1008);
}

TEST(SeatLease, AResetConnectionHoldsTheSeat) {
    auto server = leased_server(30s);
    ws_client a(server.port()), b(server.port());
    auto const joined_b = join_pair(a, b).b;
    b.reset_tcp();
    EXPECT_EQ(a.expect("peerdown")["id"], joined_b["id"]);
    ws_client b2(server.port());
    b2.send_json(resume_request("demo", joined_b["resume"]));
    EXPECT_EQ(b2.expect("joined")["resumed"], true);
    EXPECT_EQ(a.expect("peerup")["id"], joined_b["id"]);
}

TEST(SeatLease, AClosedWebSocketHoldsTheSeatToo) {
    auto server = leased_server(30s);
    ws_client a(server.port()), b(server.port());
    auto const joined_b = join_pair(a, b).b;
    b.close();  // a close frame, but no `leave`
    EXPECT_EQ(a.expect("peerdown")["id"], joined_b["id"]);
}

TEST(SeatLease, TheLeaseEndingSaysByeAndSpendsTheSecret) {
    auto server = leased_server(300ms);
    ws_client a(server.port()), b(server.port());
    auto const joined_b = join_pair(a, b).b;
    b.close_tcp();
    EXPECT_EQ(a.expect("peerdown")["id"], joined_b["id"]);
    EXPECT_EQ(a.expect("bye", 5s)["id"], joined_b["id"]);
    if (!server.clustered()) {  // each node counts its own; the cluster's figures: tests/cluster
    EXPECT_EQ(metric(server.daemon_port(), "duet_leases_started_total"), 1);
    EXPECT_EQ(metric(server.daemon_port(), "duet_leases_expired_total"), 1);
    EXPECT_EQ(metric(server.daemon_port(), "duet_leases_resumed_total"), 0);
    // The pair ended when the lease did; no seat came back.
    EXPECT_EQ(metric(server.daemon_port(), "duet_partner_wait_seconds_count"), 1);
    EXPECT_EQ(metric(server.daemon_port(), "duet_call_duration_seconds_count"), 1);
    EXPECT_EQ(metric(server.daemon_port(), "duet_lease_down_seconds_count"), 0);
    }
    ws_client b2(server.port());
    b2.send_json(resume_request("demo", joined_b["resume"]));
    b2.expect_error("bad_resume", "join");
    EXPECT_EQ(b2.join("demo")["peers"], 2);  // the seat is free again
}

TEST(SeatLease, AResumeWhileTheOldConnectionIsOpenClosesItWith4000) {
    auto server = leased_server(30s);
    ws_client a(server.port()), b(server.port());
    auto const joined_b = join_pair(a, b).b;
    ws_client b2(server.port());
    b2.send_json(resume_request("demo", joined_b["resume"]));
    EXPECT_EQ(b2.expect("joined")["id"], joined_b["id"]);
    auto const closed = b.expect_close();
    EXPECT_EQ(closed.code, 4000);
    EXPECT_EQ(closed.reason, "replaced");
    EXPECT_TRUE(a.nothing_within(200ms));  // the others hear nothing
    a.send_json({{"type", "message"}, {"room", "demo"}, {"data", 1}});
    EXPECT_EQ(b2.expect("message")["data"], 1);
    // No seat was held: the replaced close starts no lease and the resume took none back.
    if (server.clustered()) {
        return;  // each node counts its own; the cluster's figures: tests/cluster
    }
    EXPECT_EQ(metric(server.daemon_port(), "duet_leases_started_total"), 0);
    EXPECT_EQ(metric(server.daemon_port(), "duet_leases_resumed_total"), 0);
}

TEST(SeatLease, LeaveReleasesTheSeatAtOnce) {
    auto server = leased_server(30s);
    ws_client a(server.port()), b(server.port());
    auto const joined_b = join_pair(a, b).b;
    b.send_json({{"type", "leave"}, {"room", "demo"}});
    b.expect("leaved");
    EXPECT_EQ(a.expect("bye")["id"], joined_b["id"]);
}

// seat_lease = 0 is 1.0: no secret in `joined`, and a drop is `bye` at once.
TEST(SeatLease, NoLeaseIsTheOldBehaviour) {
    test_server server([](config::settings& s) { s.seat_lease = std::chrono::milliseconds(0); });
    ws_client a(server.port()), b(server.port());
    auto const joined_b = join_pair(a, b).b;
    EXPECT_FALSE(joined_b.contains("resume"));
    b.close_tcp();
    EXPECT_EQ(a.expect("bye")["id"], joined_b["id"]);
    ws_client b2(server.port());
    b2.send_json(resume_request("demo", "anything"));
    b2.expect_error("bad_resume", "join");
}

}  // namespace
}  // namespace duet::testing
