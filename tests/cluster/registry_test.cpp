// The cluster's room registry below the sockets: two or three nodes (registries) on one
// event loop sharing a real redis-server, with recording members. Each rule the Lua
// scripts carry is checked here where a failure names the script; the process-level
// scenarios (real duetd nodes, nginx, kills and restarts) are in scenarios_test.cpp.
#include "../redis/event_loop.hpp"
#include "support/redis_server.hpp"

#include <duet/cluster/cluster_room_registry.hpp>
#include <duet/cluster/inbox_entry.hpp>
#include <duet/cluster/shared_spent_tokens.hpp>
#include <duet/protocol/identifiers.hpp>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace duet::testing {
namespace {

using registry = cluster::cluster_room_registry;
using rooms::room_registry;

/// A member that writes down what it is told, one line each.
class recording_member final : public rooms::member {
public:
    recording_member() : id_(protocol::make_peer_id()) {}

    std::string const& id() const noexcept override { return id_; }
    void set_id(std::string id) { id_ = std::move(id); }
    void deliver(std::string_view frame) override { heard.push_back("frame " + std::string(frame)); }
    void member_joined(std::string_view, std::string_view who) override { heard.push_back("joined " + std::string(who)); }
    void member_left(std::string_view, std::string_view who) override { heard.push_back("left " + std::string(who)); }
    void member_down(std::string_view, std::string_view who) override { heard.push_back("down " + std::string(who)); }
    void member_up(std::string_view, std::string_view who) override { heard.push_back("up " + std::string(who)); }
    void replaced(std::string_view) override { heard.push_back("replaced"); }
    void relay_refused(protocol::error_code code) override {
        heard.push_back("refused " + std::to_string(static_cast<int>(code)));
    }

    bool heard_line(std::string const& line) const {
        return std::find(heard.begin(), heard.end(), line) != heard.end();
    }

    std::vector<std::string> heard;

private:
    std::string id_;
};

class ClusterRegistry : public ::testing::Test {
protected:
    ClusterRegistry() : redis_(redis_server::options{.tcp = true, .requirepass = {}}) {
        char const* level = std::getenv("DUET_TEST_LOG");
        spdlog::set_level(spdlog::level::from_str(level != nullptr ? level : "off"));
    }

    cluster::cluster_terms terms(std::chrono::milliseconds lease = std::chrono::seconds(20)) {
        cluster::cluster_terms t;
        t.store = std::get<redis::address>(redis::parse_address(redis_.tcp_url()));
        t.name = name_;
        t.seat_lease = lease;
        t.node_ttl = std::chrono::milliseconds(1000);
        return t;
    }

    std::unique_ptr<registry> node(std::chrono::milliseconds lease = std::chrono::seconds(20)) {
        auto n = std::make_unique<registry>(terms(lease));
        n->attach(ioc_);
        EXPECT_TRUE(run_until(ioc_, [&] { return n->available(); })) << "the node never registered";
        return n;
    }

    room_registry::join_result join(registry& n, std::string const& room, recording_member& m) {
        std::optional<room_registry::join_result> result;
        n.join(room, m, room_registry::clock::now(), [&](room_registry::join_result r) { result = r; });
        EXPECT_TRUE(run_until(ioc_, [&] { return result.has_value(); })) << "no answer to a join";
        return result.value_or(room_registry::join_result{room_registry::join_status::unavailable});
    }

    room_registry::resume_result resume(registry& n, std::string const& room, std::string const& secret,
                                        recording_member& m) {
        std::optional<room_registry::resume_result> result;
        n.resume(room, secret, m, room_registry::clock::now(), [&](room_registry::resume_result r) { result = r; });
        EXPECT_TRUE(run_until(ioc_, [&] { return result.has_value(); })) << "no answer to a resume";
        if (result && result->resumed) {
            m.set_id(result->id);
        }
        return result.value_or(room_registry::resume_result{});
    }

    bool wait_for(recording_member const& m, std::string const& line) {
        return run_until(ioc_, [&] { return m.heard_line(line); });
    }

    asio::io_context ioc_;
    redis_server redis_;
    std::string name_ = "t" + protocol::make_peer_id().substr(0, 8);
};

TEST_F(ClusterRegistry, MembersOnTwoNodesMeetAndHearEachOtherInOrder) {
    auto one = node();
    auto two = node();
    recording_member a, b;
    auto ja = join(*one, "r", a);
    ASSERT_EQ(ja.status, room_registry::join_status::joined);
    EXPECT_EQ(ja.peers, 1u);
    EXPECT_EQ(ja.role, protocol::role::impolite);
    EXPECT_FALSE(ja.resume.empty());
    auto jb = join(*two, "r", b);
    ASSERT_EQ(jb.status, room_registry::join_status::joined);
    EXPECT_EQ(jb.peers, 2u);
    EXPECT_EQ(jb.role, protocol::role::polite);
    ASSERT_TRUE(wait_for(a, "joined " + b.id()));

    for (int i = 0; i < 500; ++i) {
        auto r = one->relay("r", a, "a" + std::to_string(i), std::nullopt);
        ASSERT_EQ(r.status, room_registry::relay_status::relayed);
        two->relay("r", b, "b" + std::to_string(i), std::string_view(a.id()));
    }
    ASSERT_TRUE(wait_for(b, "frame a499"));
    ASSERT_TRUE(wait_for(a, "frame b499"));
    std::vector<std::string> expected_b = {}, got_b;
    for (int i = 0; i < 500; ++i) {
        expected_b.push_back("frame a" + std::to_string(i));
    }
    for (auto const& line : b.heard) {
        if (line.starts_with("frame ")) got_b.push_back(line);
    }
    EXPECT_EQ(got_b, expected_b) << "complete and in the order sent (rule 5)";
    EXPECT_EQ(two->relay("r", b, "x", std::string_view("nobody")).status, room_registry::relay_status::no_such_peer);
    recording_member stranger;
    EXPECT_EQ(two->relay("r", stranger, "x", std::nullopt).status, room_registry::relay_status::not_in_room);

    one->leave("r", a, room_registry::clock::now());
    EXPECT_TRUE(wait_for(b, "left " + a.id()));
    two->leave("r", b, room_registry::clock::now());
}

TEST_F(ClusterRegistry, TwoJoinsRacingForTheLastSeatOnTwoNodesNeverBothGetIn) {
    auto one = node();
    auto two = node();
    for (int round = 0; round < 200; ++round) {
        std::string const room = "race" + std::to_string(round);
        recording_member seated, x, y;
        ASSERT_EQ(join(*one, room, seated).status, room_registry::join_status::joined);
        std::optional<room_registry::join_result> rx, ry;
        one->join(room, x, room_registry::clock::now(), [&](auto r) { rx = r; });
        two->join(room, y, room_registry::clock::now(), [&](auto r) { ry = r; });
        ASSERT_TRUE(run_until(ioc_, [&] { return rx && ry; }));
        int const winners = (rx->status == room_registry::join_status::joined) +
                            (ry->status == room_registry::join_status::joined);
        ASSERT_EQ(winners, 1) << "round " << round;
        for (auto* m : {&seated, &x, &y}) {
            one->leave(room, *m, room_registry::clock::now());
            two->leave(room, *m, room_registry::clock::now());
        }
    }
}

TEST_F(ClusterRegistry, ADroppedSeatIsHeldKeepsMessagesAndResumesOnAnotherNode) {
    auto one = node();
    auto two = node();
    recording_member a, b;
    join(*one, "r", a);
    auto jb = join(*two, "r", b);
    ASSERT_TRUE(wait_for(a, "joined " + b.id()));
    auto const b_id = b.id();
    two->drop("r", b, room_registry::clock::now());
    ASSERT_TRUE(wait_for(a, "down " + b_id));
    // Held: still a member, messages kept in order, a third joiner is told full.
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(one->relay("r", a, "kept" + std::to_string(i), std::string_view(b_id)).status,
                  room_registry::relay_status::relayed);
    }
    recording_member third;
    EXPECT_EQ(join(*two, "r", third).status, room_registry::join_status::full);
    recording_member back;
    EXPECT_FALSE(resume(*two, "r", "not-the-secret", back).resumed);
    auto r = resume(*one, "r", jb.resume, back);
    ASSERT_TRUE(r.resumed);
    EXPECT_EQ(r.id, b_id);
    EXPECT_EQ(r.peers, 2u);
    EXPECT_EQ(r.role, protocol::role::polite);
    EXPECT_NE(r.resume, jb.resume);
    ASSERT_TRUE(wait_for(back, "frame kept2"));
    std::vector<std::string> frames;
    for (auto const& line : back.heard) {
        if (line.starts_with("frame ")) frames.push_back(line);
    }
    EXPECT_EQ(frames, (std::vector<std::string>{"frame kept0", "frame kept1", "frame kept2"}));
    EXPECT_TRUE(wait_for(a, "up " + b_id));
    recording_member again;
    EXPECT_FALSE(resume(*two, "r", jb.resume, again).resumed) << "a spent secret";
}

TEST_F(ClusterRegistry, AResumeOfASeatStillConnectedReplacesItAndTheOthersHearNothing) {
    auto one = node();
    auto two = node();
    recording_member a, b;
    join(*one, "r", a);
    auto jb = join(*two, "r", b);
    ASSERT_TRUE(wait_for(a, "joined " + b.id()));
    recording_member tab;
    ASSERT_TRUE(resume(*one, "r", jb.resume, tab).resumed);
    EXPECT_TRUE(wait_for(b, "replaced"));
    one->relay("r", a, "after", std::nullopt);
    EXPECT_TRUE(wait_for(tab, "frame after"));
    EXPECT_FALSE(a.heard_line("down " + tab.id()));
    EXPECT_FALSE(a.heard_line("up " + tab.id()));
}

TEST_F(ClusterRegistry, ALeaseThatEndsReleasesTheSeat) {
    auto one = node(std::chrono::milliseconds(300));
    auto two = node(std::chrono::milliseconds(300));
    recording_member a, b;
    join(*one, "r", a);
    auto jb = join(*two, "r", b);
    ASSERT_TRUE(wait_for(a, "joined " + b.id()));
    auto const b_id = b.id();
    two->drop("r", b, room_registry::clock::now());
    ASSERT_TRUE(wait_for(a, "down " + b_id));
    ASSERT_TRUE(wait_for(a, "left " + b_id));
    recording_member late;
    EXPECT_FALSE(resume(*two, "r", jb.resume, late).resumed);
    recording_member newcomer;
    EXPECT_EQ(join(*two, "r", newcomer).status, room_registry::join_status::joined);
}

TEST_F(ClusterRegistry, ANodeThatStopsRenewingIsReapedAndItsMembersResumeElsewhere) {
    auto one = node();
    auto two = node();
    recording_member a, b;
    join(*one, "r", a);
    auto jb = join(*two, "r", b);
    ASSERT_TRUE(wait_for(a, "joined " + b.id()));
    auto const b_id = b.id();
    one->relay("r", a, "before", std::nullopt);
    ASSERT_TRUE(wait_for(b, "frame before"));
    // As if killed: its connections to Redis end, nothing is said.
    two->detach();
    auto const cut = std::chrono::steady_clock::now();
    ASSERT_TRUE(wait_for(a, "down " + b_id)) << "the reaper never held the dead node's seat";
    EXPECT_LT(std::chrono::steady_clock::now() - cut, std::chrono::seconds(3)) << "a TTL of 1 s";
    one->relay("r", a, "meanwhile", std::nullopt);
    recording_member back;
    auto r = resume(*one, "r", jb.resume, back);
    ASSERT_TRUE(r.resumed);
    EXPECT_EQ(r.id, b_id);
    EXPECT_TRUE(wait_for(back, "frame meanwhile"));
    EXPECT_TRUE(wait_for(a, "up " + b_id));
}

TEST_F(ClusterRegistry, WithoutRedisJoinsAreUnavailableLocalPairsRelayAndTheNodeRecovers) {
    auto one = node();
    auto two = node();
    recording_member a, b, c;
    join(*one, "local", a);
    join(*one, "local", b);
    ASSERT_TRUE(wait_for(a, "joined " + b.id()));
    join(*two, "cross", c);
    recording_member d;
    join(*one, "cross", d);
    ASSERT_TRUE(wait_for(c, "joined " + d.id()));

    redis_.stop();
    ASSERT_TRUE(run_until(ioc_, [&] { return !one->available() && !two->available(); }));
    recording_member e;
    EXPECT_EQ(join(*one, "new", e).status, room_registry::join_status::unavailable);
    EXPECT_EQ(one->relay("local", a, "still", std::nullopt).status, room_registry::relay_status::relayed);
    EXPECT_TRUE(b.heard_line("frame still"));
    EXPECT_EQ(one->relay("cross", d, "lost", std::nullopt).status, room_registry::relay_status::unavailable);

    redis_.start();  // empty: it keeps nothing (no persistence)
    ASSERT_TRUE(run_until(ioc_, [&] { return one->available() && two->available(); }, std::chrono::seconds(15)));
    EXPECT_EQ(one->relay("cross", d, "again", std::nullopt).status, room_registry::relay_status::relayed);
    EXPECT_TRUE(wait_for(c, "frame again"));
    // Redis came back empty: the seats were taken back silently (the others were never
    // told they went), not as new joins.
    EXPECT_EQ(std::count(c.heard.begin(), c.heard.end(), "joined " + d.id()), 1);
    recording_member f;
    EXPECT_EQ(join(*one, "new", f).status, room_registry::join_status::joined);
    recording_member g;
    EXPECT_EQ(join(*two, "cross", g).status, room_registry::join_status::full) << "both seats were taken back";
}

TEST_F(ClusterRegistry, AOnceTokenSpentOnOneNodeIsRefusedOnTheOther) {
    auto one = node();
    auto two = node();
    cluster::shared_spent_tokens first(*one), second(*two);
    using claim = access::spent_tokens::claim_status;
    auto const until = access::spent_tokens::clock::now() + std::chrono::minutes(5);
    std::optional<claim> a, b;
    first.claim("jti-1", until, [&](claim c) { a = c; });
    ASSERT_TRUE(run_until(ioc_, [&] { return a.has_value(); }));
    EXPECT_EQ(*a, claim::claimed);
    second.claim("jti-1", until, [&](claim c) { b = c; });
    ASSERT_TRUE(run_until(ioc_, [&] { return b.has_value(); }));
    EXPECT_EQ(*b, claim::already_used);
    // A refused join gives its claim back: the token may be used again (claimed
    // through the same node, whose one connection sends the release first).
    first.release("jti-1");
    std::optional<claim> c;
    first.claim("jti-1", until, [&](claim x) { c = x; });
    ASSERT_TRUE(run_until(ioc_, [&] { return c.has_value(); }));
    EXPECT_EQ(*c, claim::claimed);
}

TEST(ClusterInbox, NextStreamIdDropsExactlyTheGivenEntry) {
    EXPECT_EQ(cluster::next_stream_id("1700000000000-0"), "1700000000000-1");
    EXPECT_EQ(cluster::next_stream_id("5-41"), "5-42");
}

TEST(ClusterInbox, ANilReplyIsNoEntriesAndAMisshapenOneIsRefused) {
    auto none = cluster::parse_inbox(redis::reply());
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none->empty());
    EXPECT_FALSE(cluster::parse_inbox(redis::reply::string("x")).has_value());
}

}  // namespace
}  // namespace duet::testing
