// docs/protocol.md rules 1-4, 6 and 9 against the real daemon over real sockets.
#include "support/drop_modes.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

#include <duet/protocol/identifiers.hpp>

#include <gtest/gtest.h>

namespace duet::testing {
namespace {

TEST(Signaling, JoinedCarriesRoomIdPeersAndIceServers) {
    test_server server([](config::settings& s) { s.stun_urls = {"stun:stun.example.org:3478"}; });
    ws_client a(server.port());
    auto joined = a.join("demo");
    EXPECT_EQ(joined["room"], "demo");
    EXPECT_EQ(joined["peers"], 1);
    ASSERT_TRUE(joined["id"].is_string());
    auto const id = joined["id"].get<std::string>();
    EXPECT_GE(id.size(), 16u);  // >= 96 bits in base64url
    EXPECT_TRUE(protocol::is_valid_peer_id(id));
    EXPECT_EQ(joined["iceServers"], json::parse(R"([{"urls":["stun:stun.example.org:3478"]}])"));
}

TEST(Signaling, SecondJoinerGetsJoinedAndFirstGetsOtherjoin) {
    test_server server;
    ws_client a(server.port()), b(server.port());
    auto const a_id = a.join("demo")["id"];
    auto joined_b = b.join("demo");
    EXPECT_EQ(joined_b["peers"], 2);
    EXPECT_NE(joined_b["id"], a_id);
    auto other = a.expect("otherjoin");
    EXPECT_EQ(other["room"], "demo");
    EXPECT_EQ(other["id"], joined_b["id"]);
    EXPECT_TRUE(b.nothing_within(100ms));  // the joiner gets no otherjoin about itself
}

TEST(Signaling, Rule1_ThirdJoinerGetsFullAndNothingChanges) {
    test_server server;
    ws_client a(server.port()), b(server.port()), c(server.port());
    a.join("demo");
    b.join("demo");
    a.expect("otherjoin");
    c.send_json({{"type", "join"}, {"room", "demo"}});
    auto full = c.expect("full");
    EXPECT_EQ(full["room"], "demo");
    EXPECT_TRUE(a.nothing_within(100ms));
    EXPECT_TRUE(b.nothing_within(10ms));
    // c is in no room: it may join another one, and cannot relay into demo.
    c.send_json({{"type", "message"}, {"room", "demo"}, {"data", 1}});
    c.expect_error("not_in_room", "message");
    EXPECT_EQ(c.join("elsewhere")["peers"], 1);
}

TEST(Signaling, Rule1_CapacityIsConfigurable) {
    test_server server([](config::settings& s) { s.room_capacity = 3; });
    ws_client a(server.port()), b(server.port()), c(server.port()), d(server.port());
    a.join("r");
    b.join("r");
    EXPECT_EQ(c.join("r")["peers"], 3);
    d.send_json({{"type", "join"}, {"room", "r"}});
    d.expect("full");
}

// Rule 13: the joiner that finds the room empty is impolite, the second polite; a
// newcomer beside the polite one that stayed is impolite.
TEST(Signaling, Rule13_JoinedCarriesTheNegotiationRole) {
    test_server server;
    ws_client a(server.port()), b(server.port()), c(server.port());
    EXPECT_EQ(a.join("demo")["role"], "impolite");
    EXPECT_EQ(b.join("demo")["role"], "polite");
    a.expect("otherjoin");
    a.send_json({{"type", "leave"}, {"room", "demo"}});
    a.expect("leaved");
    b.expect("bye");
    EXPECT_EQ(c.join("demo")["role"], "impolite");
}

// Rule 13 is about rooms of two: a bigger room's `joined` has no role.
TEST(Signaling, Rule13_NoRoleInARoomOfThree) {
    test_server server([](config::settings& s) { s.room_capacity = 3; });
    ws_client a(server.port()), b(server.port());
    EXPECT_FALSE(a.join("r").contains("role"));
    EXPECT_FALSE(b.join("r").contains("role"));
}

TEST(Signaling, Rule2_JoinWhileInARoomIsAlreadyInRoom) {
    test_server server;
    ws_client a(server.port()), b(server.port());
    a.join("one");
    a.send_json({{"type", "join"}, {"room", "two"}});
    a.expect_error("already_in_room", "join");
    a.send_json({{"type", "join"}, {"room", "one"}});
    a.expect_error("already_in_room", "join");
    // Nothing changed: "two" does not exist, so b is alone there.
    EXPECT_EQ(b.join("two")["peers"], 1);
}

TEST(Signaling, Rule3_MessagesRelayBothWaysWithFromAndData) {
    test_server server;
    ws_client a(server.port()), b(server.port());
    auto const a_id = a.join("demo")["id"];
    auto const b_id = b.join("demo")["id"];
    a.expect("otherjoin");
    a.send_text(R"({"type":"message","room":"demo","data":{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0"}})");
    auto m = b.expect("message");
    EXPECT_EQ(m["room"], "demo");
    EXPECT_EQ(m["from"], a_id);
    EXPECT_EQ(m["data"], json::parse(R"({"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 0.0.0.0"})"));
    b.send_json({{"type", "message"}, {"room", "demo"}, {"data", {{"type", "answer"}}}});
    EXPECT_EQ(a.expect("message")["from"], b_id);
    // Rule 4: the sender never receives its own message.
    EXPECT_TRUE(a.nothing_within(100ms));
    EXPECT_TRUE(b.nothing_within(10ms));
}

TEST(Signaling, Rule5_DataIsRelayedByteForByte) {
    test_server server;
    ws_client a(server.port()), b(server.port());
    a.join("demo");
    b.join("demo");
    a.expect("otherjoin");
    std::string const data = R"({ "z" : 1e2, "a":[true,null,"\u00e9\n"] , "n": -0.0 })";
    a.send_text(R"({"type":"message","room":"demo","data":)" + data + "}");
    auto event = b.read();
    auto* text = std::get_if<ws_text>(&event);
    ASSERT_NE(text, nullptr);
    EXPECT_NE(text->text.find(R"("data":)" + data), std::string::npos) << text->text;
}

/// duetd frames what it sends itself (ws::text_frame_header): every length encoding,
/// at its edges, reaches a Beast client as the one text message that was relayed.
TEST(Signaling, RelayedMessagesOfEveryFrameLengthArriveWhole) {
    test_server server([](config::settings& s) {
        s.max_message_bytes = 200000;
        s.max_send_queue_bytes = 2 * s.max_message_bytes + 1024;
    });
    ws_client a(server.port()), b(server.port());
    a.join("demo");
    b.join("demo");
    a.expect("otherjoin");
    // The relayed frame is the envelope plus `data`: aim its total length at the edges
    // of the 7-bit, 16-bit and 64-bit encodings (125/126, 65535/65536).
    auto const envelope = [&](std::string const& data) {
        return R"({"type":"message","room":"demo","data":")" + data + R"("})";
    };
    std::size_t const probe = 10;
    a.send_text(envelope(std::string(probe, 'p')));
    auto const probe_event = b.read();
    ASSERT_TRUE(std::holds_alternative<ws_text>(probe_event));
    auto const overhead = std::get<ws_text>(probe_event).text.size() - probe;
    for (std::size_t frame : {overhead, std::size_t{125}, std::size_t{126}, std::size_t{127}, std::size_t{4096},
                              std::size_t{65535}, std::size_t{65536}, std::size_t{150000}}) {
        auto const data = std::string(frame - overhead, static_cast<char>('a' + frame % 26));
        a.send_text(envelope(data));
        auto event = b.read();
        auto* text = std::get_if<ws_text>(&event);
        ASSERT_NE(text, nullptr) << "frame of " << frame << " bytes";
        EXPECT_EQ(text->text.size(), frame);
        EXPECT_NE(text->text.find('"' + data + '"'), std::string::npos) << "frame of " << frame << " bytes";
    }
}

TEST(Signaling, Rule3_JoinedArrivesBeforeAnythingRelayed) {
    test_server server;
    // Repeat the race: the member already present relays the moment it sees otherjoin.
    for (int i = 0; i < 50; ++i) {
        ws_client a(server.port()), b(server.port());
        std::string const room = "race" + std::to_string(i);
        a.join(room);
        b.send_json({{"type", "join"}, {"room", room}});
        a.expect("otherjoin");
        a.send_json({{"type", "message"}, {"room", room}, {"data", "offer"}});
        b.expect("joined");
        EXPECT_EQ(b.expect("message")["data"], "offer");
    }
}

TEST(Signaling, Rule4_MessageFromOutsideTheRoomIsNotInRoomAndNotRelayed) {
    test_server server;
    ws_client a(server.port()), b(server.port()), c(server.port());
    a.join("demo");
    b.join("demo");
    a.expect("otherjoin");
    c.join("other");
    c.send_json({{"type", "message"}, {"room", "demo"}, {"data", "sneaky"}});
    c.expect_error("not_in_room", "message");
    ws_client d(server.port());
    d.send_json({{"type", "message"}, {"room", "demo"}, {"data", "sneaky"}});
    d.expect_error("not_in_room", "message");
    EXPECT_TRUE(a.nothing_within(100ms));
    EXPECT_TRUE(b.nothing_within(10ms));
}

TEST(Signaling, Rule4_ToTargetsOneMemberAndUnknownIsNoSuchPeer) {
    test_server server([](config::settings& s) { s.room_capacity = 3; });
    ws_client a(server.port()), b(server.port()), c(server.port());
    auto const a_id = a.join("r")["id"].get<std::string>();
    auto const b_id = b.join("r")["id"].get<std::string>();
    c.join("r");
    a.expect("otherjoin");
    a.expect("otherjoin");
    b.expect("otherjoin");
    a.send_json({{"type", "message"}, {"room", "r"}, {"to", b_id}, {"data", "for b"}});
    EXPECT_EQ(b.expect("message")["data"], "for b");
    EXPECT_TRUE(c.nothing_within(100ms));
    a.send_json({{"type", "message"}, {"room", "r"}, {"to", "nobody"}, {"data", 1}});
    a.expect_error("no_such_peer", "message");
    a.send_json({{"type", "message"}, {"room", "r"}, {"to", a_id}, {"data", 1}});
    a.expect_error("no_such_peer", "message");
    EXPECT_TRUE(b.nothing_within(100ms));
    EXPECT_TRUE(c.nothing_within(10ms));
    // Without `to`, everyone else in the room gets it.
    a.send_json({{"type", "message"}, {"room", "r"}, {"data", "all"}});
    EXPECT_EQ(b.expect("message")["data"], "all");
    EXPECT_EQ(c.expect("message")["data"], "all");
}

TEST(Signaling, Rule6_LeaveGivesLeavedAndByeAndRoomCanBeRejoined) {
    test_server server;
    ws_client a(server.port()), b(server.port()), c(server.port());
    a.join("demo");
    auto const b_id = b.join("demo")["id"];
    a.expect("otherjoin");
    b.send_json({{"type", "leave"}, {"room", "demo"}});
    auto leaved = b.expect("leaved");
    EXPECT_EQ(leaved["room"], "demo");
    EXPECT_EQ(leaved["id"], b_id);
    auto bye = a.expect("bye");
    EXPECT_EQ(bye["room"], "demo");
    EXPECT_EQ(bye["id"], b_id);
    // The seat is free again, and b may join again on the same connection.
    EXPECT_EQ(c.join("demo")["peers"], 2);
    a.expect("otherjoin");
    b.send_json({{"type", "join"}, {"room", "demo"}});
    b.expect("full");
    EXPECT_EQ(b.join("fresh")["peers"], 1);
}

TEST(Signaling, Rule6_LeaveOfARoomYouAreNotInIsNotInRoom) {
    test_server server;
    ws_client a(server.port());
    a.send_json({{"type", "leave"}, {"room", "nowhere"}});
    a.expect_error("not_in_room", "leave");
    a.join("here");
    a.send_json({{"type", "leave"}, {"room", "there"}});
    a.expect_error("not_in_room", "leave");
    // Still in "here": a second join is refused.
    a.send_json({{"type", "join"}, {"room", "x"}});
    a.expect_error("already_in_room", "join");
}

// Without a lease (1.0): the room ceases with its last member. lease_test.cpp has the
// leased case.
TEST(Signaling, Rule6_AbruptDisconnectSendsByeAndEmptyRoomCeases) {
    test_server server([](config::settings& s) { s.seat_lease = std::chrono::milliseconds(0); });
    {
        ws_client a(server.port()), b(server.port());
        a.join("demo");
        auto const b_id = b.join("demo")["id"];
        a.expect("otherjoin");
        b.close_tcp();  // no close frame: the TCP connection just drops
        auto bye = a.expect("bye");
        EXPECT_EQ(bye["id"], b_id);
        a.send_json({{"type", "leave"}, {"room", "demo"}});
        a.expect("leaved");
    }
    // The last member left: the room is gone.
    ws_client probe(server.port());
    probe.send_json({{"type", "ping"}});
    probe.expect("pong");
    EXPECT_EQ(server.server().gauges().rooms, 0u);
}

/// A connection that ends without `leave`: `bye` at once, or `peerdown` under a lease.
class SignalingDrop : public ::testing::TestWithParam<drop_mode> {};
INSTANTIATE_TEST_SUITE_P(BothModes, SignalingDrop, both_drop_modes(), drop_mode_name);

TEST_P(SignalingDrop, Rule6_CloseHandshakeWithoutLeaveIsADrop) {
    test_server server([](config::settings& s) { s.seat_lease = GetParam().seat_lease; });
    ws_client a(server.port()), b(server.port());
    a.join("demo");
    auto const b_id = b.join("demo")["id"];
    a.expect("otherjoin");
    b.close();
    EXPECT_EQ(a.expect(GetParam().others_hear)["id"], b_id);
}

TEST(Signaling, PingIsAnsweredWithPong) {
    test_server server;
    ws_client a(server.port());
    a.send_json({{"type", "ping"}});
    EXPECT_EQ(a.expect("pong"), json::parse(R"({"type":"pong"})"));
}

TEST(Signaling, Rule9_RoomLimitRefusesNewRoomsOnly) {
    test_server server([](config::settings& s) { s.max_rooms = 2; });
    ws_client a(server.port()), b(server.port()), c(server.port()), d(server.port());
    a.join("r1");
    b.join("r2");
    c.send_json({{"type", "join"}, {"room", "r3"}});
    c.expect_error("room_limit", "join");
    // An existing room still takes members.
    EXPECT_EQ(c.join("r1")["peers"], 2);
    b.send_json({{"type", "leave"}, {"room", "r2"}});
    b.expect("leaved");
    if (server.clustered()) {
        // A node answers `leaved` once it has sent the leave to Redis, not once Redis ran
        // it (docs/cluster.md, "Known limits"): a join on another node in that instant
        // can still count the room. It must get in within moments.
        auto const deadline = std::chrono::steady_clock::now() + 5s;
        for (;;) {
            d.send_json({{"type", "join"}, {"room", "r3"}});
            auto const answer = d.read_json();
            if (answer["type"] == "joined") {
                EXPECT_EQ(answer["peers"], 1);
                break;
            }
            ASSERT_EQ(answer["code"], "room_limit") << answer.dump();
            ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the room r2 never went";
        }
        return;
    }
    EXPECT_EQ(d.join("r3")["peers"], 1);
}

TEST_P(SignalingDrop, InvalidUtf8InATextFrameFailsTheWebSocketWith1007) {
    // RFC 6455 8.1: a text frame that is not UTF-8 fails the connection (1007); it is
    // a WebSocket error, below the JSON protocol. Browsers cannot send one.
    test_server server([](config::settings& s) { s.seat_lease = GetParam().seat_lease; });
    ws_client a(server.port()), b(server.port());
    a.join("demo");
    auto const b_id = b.join("demo")["id"];
    a.expect("otherjoin");
    b.send_text("{\"type\":\"\xff\"}");
    auto const closed = b.expect_close();
    EXPECT_EQ(closed.code, 1007) << closed.reason;  // code 0: the reason is the socket error
    EXPECT_EQ(a.expect(GetParam().others_hear)["id"], b_id);
}

struct bad_input {
    std::string name;
    std::string frame;
    std::string code;
    std::string ref;  // empty: no ref expected

    friend void PrintTo(bad_input const& input, std::ostream* out) { *out << input.name; }
};

class MalformedInput : public ::testing::TestWithParam<bad_input> {};

TEST_P(MalformedInput, IsAnsweredWithItsErrorAndTheConnectionStaysUsable) {
    test_server server;
    ws_client a(server.port()), b(server.port());
    a.join("demo");
    b.join("demo");
    a.expect("otherjoin");
    auto const& input = GetParam();
    a.send_text(input.frame);
    auto error = a.expect_error(input.code);
    if (input.ref.empty()) {
        EXPECT_FALSE(error.contains("ref")) << error.dump();
    } else {
        EXPECT_EQ(error.value("ref", ""), input.ref);
    }
    // Rule 9: nothing changed and nothing was relayed; the connection still works.
    EXPECT_TRUE(b.nothing_within(50ms));
    a.send_json({{"type", "message"}, {"room", "demo"}, {"data", "still here"}});
    EXPECT_EQ(b.expect("message")["data"], "still here");
}

INSTANTIATE_TEST_SUITE_P(
    Rule9, MalformedInput,
    ::testing::Values(bad_input{"not_json", "hello", "bad_json", ""},
                      bad_input{"truncated", R"({"type":"join")", "bad_json", ""},
                      bad_input{"array", R"(["join","demo"])", "bad_json", ""},
                      bad_input{"no_type", R"({"room":"demo"})", "bad_json", ""},
                      bad_input{"type_not_string", R"({"type":7})", "bad_json", ""},
                      bad_input{"unknown_type", R"({"type":"dance"})", "unknown_type", "dance"},
                      bad_input{"join_without_room", R"({"type":"join"})", "bad_request", "join"},
                      bad_input{"room_not_string", R"({"type":"join","room":5})", "bad_request", "join"},
                      bad_input{"message_without_data", R"({"type":"message","room":"demo"})", "bad_request",
                                "message"},
                      bad_input{"to_not_string", R"({"type":"message","room":"demo","data":1,"to":9})",
                                "bad_request", "message"},
                      bad_input{"room_with_space", R"({"type":"join","room":"a b"})", "invalid_room", "join"},
                      bad_input{"room_too_long", R"({"type":"join","room":")" + std::string(65, 'x') + R"("})",
                                "invalid_room", "join"},
                      bad_input{"room_empty", R"({"type":"leave","room":""})", "invalid_room", "leave"},
                      bad_input{"room_slash", R"({"type":"message","room":"a/b","data":1})", "invalid_room",
                                "message"},
                      bad_input{"already_in_room", R"({"type":"join","room":"other"})", "already_in_room", "join"},
                      bad_input{"not_in_room", R"({"type":"message","room":"other","data":1})", "not_in_room",
                                "message"},
                      bad_input{"no_such_peer", R"({"type":"message","room":"demo","data":1,"to":"x"})",
                                "no_such_peer", "message"}),
    [](auto const& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace duet::testing
