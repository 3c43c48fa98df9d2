// rooms::local_room_registry with recording fake members: capacity and `full`,
// room_limit, empty rooms removed, who hears otherjoin/bye/relays, `to`, and the
// join handler's promise (exactly once, before join() returns, after the others heard).
#include <duet/rooms/local_room_registry.hpp>

#include <duet/metrics/counters.hpp>
#include <duet/protocol/identifiers.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace duet::rooms {
namespace {

using join_status = room_registry::join_status;
using relay_status = room_registry::relay_status;
using events = std::vector<std::string>;

constexpr std::size_t many_rooms = 1000;

using namespace std::chrono_literals;
using time_point = room_registry::clock::time_point;
// The registry takes `now` from its caller: a fake clock.
time_point const t0{std::chrono::hours(1000)};

/// A member that records what the registry tells it, one string per event:
/// "deliver <frame>", "joined <room> <who>", "left <room> <who>", "down <room> <who>",
/// "up <room> <who>", "replaced <room>".
class recording_member : public member {
public:
    explicit recording_member(std::string id) : id_(std::move(id)) {}

    std::string const& id() const noexcept override { return id_; }

    void deliver(std::string_view frame) override {
        frame_pointers.push_back(frame.data());
        record("deliver " + std::string(frame));
    }
    void member_joined(std::string_view room, std::string_view who) override {
        record("joined " + std::string(room) + " " + std::string(who));
    }
    void member_left(std::string_view room, std::string_view who) override {
        record("left " + std::string(room) + " " + std::string(who));
    }
    void member_down(std::string_view room, std::string_view who) override {
        record("down " + std::string(room) + " " + std::string(who));
    }
    void member_up(std::string_view room, std::string_view who) override {
        record("up " + std::string(room) + " " + std::string(who));
    }
    void replaced(std::string_view room) override { record("replaced " + std::string(room)); }

    events received;
    std::vector<char const*> frame_pointers;  // where each delivered frame's bytes were

protected:
    virtual void record(std::string event) { received.push_back(std::move(event)); }

private:
    std::string const id_;
};

/// What a join's handler saw: how often it ran and with what, and whether join() had
/// returned by then.
struct join_outcome {
    int calls = 0;
    bool after_return = false;
    std::optional<room_registry::join_result> result;
    events joiner_saw;  // the joiner's record when the handler ran
};

/// join() that checks the handler contract of local_room_registry: it ran exactly once,
/// before join() returned; nothing had been delivered to the joiner from the room yet.
room_registry::join_result join(room_registry& registry, std::string const& room, recording_member& who,
                                time_point now = t0) {
    auto outcome = std::make_shared<join_outcome>();
    auto const before = who.received;
    bool returned = false;
    registry.join(room, who, now, [outcome, &who, &returned](room_registry::join_result result) {
        ++outcome->calls;
        outcome->after_return = returned;
        outcome->result = result;
        outcome->joiner_saw = who.received;
    });
    returned = true;
    EXPECT_EQ(outcome->calls, 1) << who.id() << " joining " << room;
    EXPECT_FALSE(outcome->after_return) << who.id() << " joining " << room;
    EXPECT_EQ(outcome->joiner_saw, before) << "the joiner heard something before its handler ran";
    if (!outcome->result) {
        ADD_FAILURE() << "the join handler never ran";
        return {join_status::room_limit, 0, protocol::role::none, {}};
    }
    return *outcome->result;
}

/// The usual room of two: A joins `room`, then B (A impolite, B polite when the room
/// holds two). Returns B's join answer, whose resume secret the lease tests take back.
room_registry::join_result join_pair(room_registry& registry, recording_member& a, recording_member& b,
                                     std::string const& room = "r", time_point now = t0) {
    join(registry, room, a, now);
    return join(registry, room, b, now);
}

std::string relay_frame(std::string_view text) {
    return "deliver " + std::string(text);
}

TEST(local_room_registry, FirstJoinCreatesTheRoom) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    auto const result = join(registry, "demo", a);
    EXPECT_EQ(result.status, join_status::joined);
    EXPECT_EQ(result.peers, 1U);
    EXPECT_EQ(registry.room_count(), 1U);
    EXPECT_EQ(registry.member_count(), 1U);
    EXPECT_EQ(a.received, events{});
}

TEST(local_room_registry, OtherjoinGoesToTheMembersAlreadyThereNotToTheJoiner) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    ASSERT_EQ(join(registry, "demo", a).status, join_status::joined);
    auto const result = join(registry, "demo", b);
    EXPECT_EQ(result.status, join_status::joined);
    EXPECT_EQ(result.peers, 2U);
    EXPECT_EQ(a.received, events{"joined demo B"});
    EXPECT_EQ(b.received, events{});
    EXPECT_EQ(registry.room_count(), 1U);
    EXPECT_EQ(registry.member_count(), 2U);
}

TEST(local_room_registry, TheHandlerRunsAfterTheOthersWereToldAndBeforeJoinReturns) {
    local_room_registry registry(3, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join_pair(registry, a, b);
    events a_when_done;
    events b_when_done;
    int calls = 0;
    registry.join("r", c, t0, [&](room_registry::join_result result) {
        ++calls;
        EXPECT_EQ(result.status, join_status::joined);
        EXPECT_EQ(result.peers, 3U);
        a_when_done = a.received;
        b_when_done = b.received;
    });
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(a_when_done, (events{"joined r B", "joined r C"}));
    EXPECT_EQ(b_when_done, events{"joined r C"});
    EXPECT_EQ(c.received, events{});
}

TEST(local_room_registry, TheHandlerRunsOnceForEveryOutcome) {
    local_room_registry registry(1, 1);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    // join() itself checks "exactly once, before returning" for each outcome.
    EXPECT_EQ(join(registry, "r", a).status, join_status::joined);
    EXPECT_EQ(join(registry, "r", b).status, join_status::full);
    EXPECT_EQ(join(registry, "s", c).status, join_status::room_limit);
}

TEST(local_room_registry, ThirdJoinIsFullAndDeliversNothing) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join(registry, "demo", a);
    join(registry, "demo", b);
    auto const result = join(registry, "demo", c);
    EXPECT_EQ(result.status, join_status::full);
    EXPECT_EQ(result.peers, 0U);
    EXPECT_EQ(a.received, events{"joined demo B"});
    EXPECT_EQ(b.received, events{});
    EXPECT_EQ(c.received, events{});
    EXPECT_EQ(registry.member_count(), 2U);
    // C is no member: it can neither relay nor leave, and nobody hears of it.
    EXPECT_EQ(registry.relay("demo", c, "x", std::nullopt).status, relay_status::not_in_room);
    registry.leave("demo", c, t0);
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(a.received, events{"joined demo B"});
    EXPECT_EQ(b.received, events{});
    // A and B still relay to each other.
    EXPECT_EQ(registry.relay("demo", a, "m", std::nullopt).receivers, 1U);
    EXPECT_EQ(b.received, events{relay_frame("m")});
}

TEST(local_room_registry, CapacityIsConfigurable) {
    local_room_registry registry(3, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    recording_member d("D");
    EXPECT_EQ(join(registry, "r", a).peers, 1U);
    EXPECT_EQ(join(registry, "r", b).peers, 2U);
    auto const third = join(registry, "r", c);
    EXPECT_EQ(third.status, join_status::joined);
    EXPECT_EQ(third.peers, 3U);
    EXPECT_EQ(join(registry, "r", d).status, join_status::full);
    EXPECT_EQ(a.received, (events{"joined r B", "joined r C"}));
    EXPECT_EQ(b.received, events{"joined r C"});
    EXPECT_EQ(c.received, events{});
    EXPECT_EQ(d.received, events{});
    EXPECT_EQ(registry.member_count(), 3U);
}

TEST(local_room_registry, CapacityOneAdmitsOnlyOne) {
    local_room_registry registry(1, many_rooms);
    recording_member a("A");
    recording_member b("B");
    EXPECT_EQ(join(registry, "r", a).status, join_status::joined);
    EXPECT_EQ(join(registry, "r", b).status, join_status::full);
    EXPECT_EQ(a.received, events{});
}

TEST(local_room_registry, FullRoomAcceptsAgainAfterALeave) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join_pair(registry, a, b);
    ASSERT_EQ(join(registry, "r", c).status, join_status::full);
    registry.leave("r", b, t0);
    auto const result = join(registry, "r", c);
    EXPECT_EQ(result.status, join_status::joined);
    EXPECT_EQ(result.peers, 2U);
    EXPECT_EQ(a.received, (events{"joined r B", "left r B", "joined r C"}));
    EXPECT_EQ(b.received, events{});
    EXPECT_EQ(c.received, events{});
}

TEST(local_room_registry, LeaveTellsTheRestWithTheLeaversId) {
    local_room_registry registry(3, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join_pair(registry, a, b);
    join(registry, "r", c);
    registry.leave("r", b, t0);
    EXPECT_EQ(a.received, (events{"joined r B", "joined r C", "left r B"}));
    EXPECT_EQ(b.received, events{"joined r C"});  // the leaver hears nothing of its own leave
    EXPECT_EQ(c.received, events{"left r B"});
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(registry.room_count(), 1U);
    // B is gone: a second leave changes nothing and B no longer receives relays.
    registry.leave("r", b, t0);
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(c.received, events{"left r B"});
    auto const relayed = registry.relay("r", a, "hi", std::nullopt);
    EXPECT_EQ(relayed.status, relay_status::relayed);
    EXPECT_EQ(relayed.receivers, 1U);
    EXPECT_EQ(b.received, events{"joined r C"});
    EXPECT_EQ(c.received, (events{"left r B", relay_frame("hi")}));
    EXPECT_EQ(registry.relay("r", b, "x", std::nullopt).status, relay_status::not_in_room);
}

TEST(local_room_registry, LeaveOfANonMemberChangesNothing) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member outsider("X");
    join_pair(registry, a, b);
    join(registry, "other", outsider);
    registry.leave("r", outsider, t0);
    registry.leave("nowhere", a, t0);
    registry.leave("other", a, t0);
    EXPECT_EQ(a.received, events{"joined r B"});
    EXPECT_EQ(b.received, events{});
    EXPECT_EQ(outsider.received, events{});
    EXPECT_EQ(registry.member_count(), 3U);
    EXPECT_EQ(registry.room_count(), 2U);
}

TEST(local_room_registry, LeaveOfAPendingOrUnknownMemberIsANoOp) {
    local_room_registry registry(1, 1);
    recording_member a("A");
    recording_member refused("R");
    recording_member unknown("U");
    join(registry, "r", a);
    // Refused joins leave nothing behind to cancel.
    ASSERT_EQ(join(registry, "r", refused).status, join_status::full);
    ASSERT_EQ(join(registry, "s", refused).status, join_status::room_limit);
    registry.leave("r", refused, t0);
    registry.leave("s", refused, t0);
    // Never asked to join at all: in an existing room and in one that does not exist,
    // which is not created by the attempt.
    registry.leave("r", unknown, t0);
    registry.leave("s", unknown, t0);
    EXPECT_EQ(registry.room_count(), 1U);
    EXPECT_EQ(registry.member_count(), 1U);
    EXPECT_EQ(a.received, events{});
    EXPECT_EQ(refused.received, events{});
    EXPECT_EQ(unknown.received, events{});
    // The limit still holds, and A is still the member.
    EXPECT_EQ(join(registry, "s", unknown).status, join_status::room_limit);
    EXPECT_EQ(registry.relay("r", a, "x", std::nullopt).status, relay_status::relayed);
}

TEST(local_room_registry, LeaveMatchesTheMemberObjectNotItsId) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member impostor("A");
    join_pair(registry, a, b);
    registry.leave("r", impostor, t0);
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(b.received, events{});
    EXPECT_EQ(registry.relay("r", impostor, "x", std::nullopt).status, relay_status::not_in_room);
    EXPECT_EQ(b.received, events{});
}

TEST(local_room_registry, EmptyRoomIsRemoved) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member s("S");
    join_pair(registry, a, b);
    join(registry, "s", s);
    EXPECT_EQ(registry.room_count(), 2U);
    registry.leave("r", a, t0);
    EXPECT_EQ(registry.room_count(), 2U);
    registry.leave("r", b, t0);
    EXPECT_EQ(registry.room_count(), 1U);
    EXPECT_EQ(registry.member_count(), 1U);
    // The last one out hears nothing (nobody is left to be told).
    EXPECT_EQ(b.received, events{"left r A"});
    EXPECT_EQ(registry.relay("r", b, "x", std::nullopt).status, relay_status::not_in_room);
    // The room is new again: the next joiner is alone in it.
    auto const again = join(registry, "r", a);
    EXPECT_EQ(again.status, join_status::joined);
    EXPECT_EQ(again.peers, 1U);
    EXPECT_EQ(b.received, events{"left r A"});
}

TEST(local_room_registry, MaxRoomsRefusesOnlyANewRoom) {
    local_room_registry registry(2, 2);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    recording_member d("D");
    ASSERT_EQ(join(registry, "r1", a).status, join_status::joined);
    ASSERT_EQ(join(registry, "r2", b).status, join_status::joined);
    auto const refused = join(registry, "r3", c);
    EXPECT_EQ(refused.status, join_status::room_limit);
    EXPECT_EQ(refused.peers, 0U);
    EXPECT_EQ(registry.room_count(), 2U);
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(c.received, events{});
    // An existing room can still be joined at the limit.
    auto const existing = join(registry, "r1", d);
    EXPECT_EQ(existing.status, join_status::joined);
    EXPECT_EQ(existing.peers, 2U);
    EXPECT_EQ(a.received, events{"joined r1 D"});
    // Once a room ceases to exist, a new one may be created.
    registry.leave("r2", b, t0);
    EXPECT_EQ(join(registry, "r3", c).status, join_status::joined);
    EXPECT_EQ(registry.room_count(), 2U);
}

TEST(local_room_registry, FullIsReportedBeforeRoomLimitForAnExistingRoom) {
    local_room_registry registry(2, 1);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    recording_member d("D");
    join_pair(registry, a, b);
    EXPECT_EQ(join(registry, "r", c).status, join_status::full);
    EXPECT_EQ(join(registry, "s", d).status, join_status::room_limit);
}

TEST(local_room_registry, RelayGoesToEveryOtherMemberNeverToTheSender) {
    local_room_registry registry(3, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join_pair(registry, a, b);
    join(registry, "r", c);
    std::string const frame = R"({"type":"message","room":"r","from":"A","data":1})";
    auto const result = registry.relay("r", a, frame, std::nullopt);
    EXPECT_EQ(result.status, relay_status::relayed);
    EXPECT_EQ(result.receivers, 2U);
    EXPECT_EQ(a.received, (events{"joined r B", "joined r C"}));
    EXPECT_EQ(b.received, (events{"joined r C", relay_frame(frame)}));
    EXPECT_EQ(c.received, events{relay_frame(frame)});
}

TEST(local_room_registry, RelayedFrameIsSharedNotCopied) {
    local_room_registry registry(3, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join_pair(registry, a, b);
    join(registry, "r", c);
    std::string const frame(4096, 'f');
    registry.relay("r", a, frame, std::nullopt);
    ASSERT_EQ(b.frame_pointers.size(), 1U);
    ASSERT_EQ(c.frame_pointers.size(), 1U);
    EXPECT_EQ(b.frame_pointers.front(), frame.data());
    EXPECT_EQ(c.frame_pointers.front(), frame.data());
}

TEST(local_room_registry, RelaysKeepTheirOrder) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    join_pair(registry, a, b);
    events expected;
    for (int i = 0; i < 50; ++i) {
        auto const text = "m" + std::to_string(i);
        registry.relay("r", i % 2 == 0 ? a : b, text, std::nullopt);
        if (i % 2 == 0) {
            expected.push_back(relay_frame(text));
        }
    }
    EXPECT_EQ(b.received, expected);
    EXPECT_EQ(a.received.size(), 1U + 25U);
}

TEST(local_room_registry, RelayWhenAloneReachesNobody) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    join(registry, "r", a);
    auto const result = registry.relay("r", a, "x", std::nullopt);
    EXPECT_EQ(result.status, relay_status::relayed);
    EXPECT_EQ(result.receivers, 0U);
    EXPECT_EQ(a.received, events{});
}

TEST(local_room_registry, RelayFromANonMemberIsNotInRoomAndDeliversNothing) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member outsider("X");
    join_pair(registry, a, b);
    join(registry, "elsewhere", outsider);
    auto const result = registry.relay("r", outsider, "x", std::nullopt);
    EXPECT_EQ(result.status, relay_status::not_in_room);
    EXPECT_EQ(result.receivers, 0U);
    EXPECT_EQ(registry.relay("nowhere", a, "x", std::nullopt).status, relay_status::not_in_room);
    EXPECT_EQ(registry.relay("elsewhere", a, "x", std::nullopt).status, relay_status::not_in_room);
    EXPECT_EQ(registry.relay("r", outsider, "x", std::string_view("A")).status, relay_status::not_in_room);
    EXPECT_EQ(registry.room_count(), 2U);  // relaying into a missing room does not create it
    EXPECT_EQ(a.received, events{"joined r B"});
    EXPECT_EQ(b.received, events{});
    EXPECT_EQ(outsider.received, events{});
}

TEST(local_room_registry, RelayWithToDeliversOnlyToThatMember) {
    local_room_registry registry(3, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join_pair(registry, a, b);
    join(registry, "r", c);
    auto const result = registry.relay("r", a, "for C", std::string_view("C"));
    EXPECT_EQ(result.status, relay_status::relayed);
    EXPECT_EQ(result.receivers, 1U);
    EXPECT_EQ(b.received, events{"joined r C"});
    EXPECT_EQ(c.received, events{relay_frame("for C")});
    EXPECT_EQ(a.received, (events{"joined r B", "joined r C"}));
    // `to` a member that joined before the sender works the same.
    EXPECT_EQ(registry.relay("r", c, "for A", std::string_view("A")).receivers, 1U);
    EXPECT_EQ(a.received.back(), relay_frame("for A"));
    EXPECT_EQ(b.received, events{"joined r C"});
}

TEST(local_room_registry, RelayToSelfOrUnknownIdIsNoSuchPeerAndDeliversNothing) {
    local_room_registry registry(3, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member elsewhere("E");
    join_pair(registry, a, b);
    join(registry, "s", elsewhere);
    auto const to_self = registry.relay("r", a, "x", std::string_view("A"));
    EXPECT_EQ(to_self.status, relay_status::no_such_peer);
    EXPECT_EQ(to_self.receivers, 0U);
    EXPECT_EQ(registry.relay("r", a, "x", std::string_view("nobody")).status, relay_status::no_such_peer);
    EXPECT_EQ(registry.relay("r", a, "x", std::string_view("")).status, relay_status::no_such_peer);
    // A member of another room is no member of this one.
    EXPECT_EQ(registry.relay("r", a, "x", std::string_view("E")).status, relay_status::no_such_peer);
    // Nor is one that left.
    registry.leave("r", b, t0);
    EXPECT_EQ(registry.relay("r", a, "x", std::string_view("B")).status, relay_status::no_such_peer);
    EXPECT_EQ(a.received, (events{"joined r B", "left r B"}));
    EXPECT_EQ(b.received, events{});
    EXPECT_EQ(elsewhere.received, events{});
}

/// The event loop of the real daemon, reduced to a queue the test drains: a member
/// that must leave (a receiver closed as a slow consumer) does so from a later handler,
/// never from inside the registry's call.
using handler_queue = std::deque<std::function<void()>>;

void drain(handler_queue& queue) {
    while (!queue.empty()) {
        auto next = std::move(queue.front());
        queue.pop_front();
        next();
    }
}

/// A member that records, and on its first event asks (through `later`) to leave.
class quitting_member final : public recording_member {
public:
    quitting_member(std::string id, room_registry& registry, handler_queue& later)
        : recording_member(std::move(id)), registry_(registry), later_(later) {}

    std::string room = "r";

private:
    void record(std::string event) override {
        recording_member::record(std::move(event));
        if (!asked_) {
            asked_ = true;
            later_.push_back([this] { registry_.leave(room, *this, t0); });
        }
    }

    room_registry& registry_;
    handler_queue& later_;
    bool asked_ = false;
};

TEST(local_room_registry, EveryReceiverGetsARelayWhenOneOfThemLeavesAfterIt) {
    handler_queue later;
    local_room_registry registry(4, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member d("D");
    join_pair(registry, a, b);
    quitting_member q("Q", registry, later);
    join(registry, "r", q);
    drain(later);  // Q heard nothing yet: it stays
    join(registry, "r", d);  // Q hears D's arrival and asks to leave
    EXPECT_EQ(registry.member_count(), 4U);
    // The relay goes to everyone in the room when it is made, Q included.
    auto const result = registry.relay("r", a, "m1", std::nullopt);
    EXPECT_EQ(result.receivers, 3U);
    drain(later);
    EXPECT_EQ(registry.member_count(), 3U);
    EXPECT_EQ(q.received, (events{"joined r D", relay_frame("m1")}));
    EXPECT_EQ(b.received, (events{"joined r Q", "joined r D", relay_frame("m1"), "left r Q"}));
    EXPECT_EQ(d.received, (events{relay_frame("m1"), "left r Q"}));
    // After it left, the receivers are the rest.
    EXPECT_EQ(registry.relay("r", a, "m2", std::nullopt).receivers, 2U);
    EXPECT_EQ(q.received.back(), relay_frame("m1"));
    EXPECT_EQ(d.received.back(), relay_frame("m2"));
}

TEST(local_room_registry, EveryoneHearsAByeWhenAReceiverOfItLeavesAfterIt) {
    handler_queue later;
    local_room_registry registry(4, many_rooms);
    recording_member a("A");
    recording_member c("C");
    quitting_member q("Q", registry, later);
    recording_member b("B");
    join(registry, "r", a);
    join(registry, "r", q);
    drain(later);
    join(registry, "r", b);  // Q hears it and asks to leave
    join(registry, "r", c);  // Q, still a member, hears this one too
    // A leaves: B, C and Q are told, though Q asked to leave before.
    registry.leave("r", a, t0);
    EXPECT_EQ(q.received, (events{"joined r B", "joined r C", "left r A"}));
    EXPECT_EQ(b.received, (events{"joined r C", "left r A"}));
    EXPECT_EQ(c.received, events{"left r A"});
    drain(later);
    EXPECT_EQ(b.received, (events{"joined r C", "left r A", "left r Q"}));
    EXPECT_EQ(c.received, (events{"left r A", "left r Q"}));
    EXPECT_EQ(registry.member_count(), 2U);
}

TEST(local_room_registry, MemberCountAcrossRooms) {
    local_room_registry registry(2, many_rooms);
    std::vector<std::unique_ptr<recording_member>> members;
    for (int i = 0; i < 7; ++i) {
        members.push_back(std::make_unique<recording_member>("p" + std::to_string(i)));
        join(registry, "room" + std::to_string(i / 2), *members.back());
    }
    EXPECT_EQ(registry.member_count(), 7U);
    EXPECT_EQ(registry.room_count(), 4U);
    recording_member extra("extra");
    EXPECT_EQ(join(registry, "room0", extra).status, join_status::full);  // counts nothing
    EXPECT_EQ(registry.member_count(), 7U);
    registry.leave("room3", *members[6], t0);
    EXPECT_EQ(registry.member_count(), 6U);
    EXPECT_EQ(registry.room_count(), 3U);
    for (int i = 0; i < 6; ++i) {
        registry.leave("room" + std::to_string(i / 2), *members[static_cast<std::size_t>(i)], t0);
    }
    EXPECT_EQ(registry.member_count(), 0U);
    EXPECT_EQ(registry.room_count(), 0U);
}

// Rule 13: the first member of a two-seat room is impolite, the second polite.
TEST(local_room_registry, RolesInARoomOfTwo) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    EXPECT_EQ(join(registry, "r", a).role, protocol::role::impolite);
    EXPECT_EQ(join(registry, "r", b).role, protocol::role::polite);
}

// Rule 13: a joiner takes the role the member there does not hold, whoever left.
TEST(local_room_registry, AJoinerTakesTheRoleTheMemberThereDoesNotHold) {
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    recording_member d("D");
    join_pair(registry, a, b);
    registry.leave("r", a, t0);  // B, polite, stays
    EXPECT_EQ(join(registry, "r", c).role, protocol::role::impolite);
    registry.leave("r", c, t0);
    EXPECT_EQ(join(registry, "r", d).role, protocol::role::impolite);
    registry.leave("r", b, t0);  // D, impolite, stays
    EXPECT_EQ(join(registry, "r", c).role, protocol::role::polite);
}

// Rule 13 speaks of rooms of capacity 2 only: other rooms have no roles, and a
// refused join has none either.
TEST(local_room_registry, NoRolesOutsideARoomOfTwo) {
    local_room_registry one(1, many_rooms);
    local_room_registry three(3, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    EXPECT_EQ(join(one, "r", a).role, protocol::role::none);
    EXPECT_EQ(join(three, "r", a).role, protocol::role::none);
    EXPECT_EQ(join(three, "r", b).role, protocol::role::none);
    EXPECT_EQ(join(three, "r", c).role, protocol::role::none);
    EXPECT_EQ(join(one, "r", b).role, protocol::role::none);  // full
}

TEST(local_room_registry, AMemberMayBeInSeveralRoomsAsFarAsTheRegistryCares) {
    // Rule 2 (one room per connection) is the caller's check, not the registry's.
    local_room_registry registry(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join(registry, "r", a);
    join(registry, "s", a);
    join(registry, "r", b);
    join(registry, "s", c);
    EXPECT_EQ(a.received, (events{"joined r B", "joined s C"}));
    registry.leave("r", a, t0);
    EXPECT_EQ(b.received, events{"left r A"});
    EXPECT_EQ(c.received, events{});
    EXPECT_EQ(registry.relay("s", a, "x", std::nullopt).receivers, 1U);
    EXPECT_EQ(c.received, events{relay_frame("x")});
}

// ---------------------------------------------------------------------------------------
// Rule 12: seat leases, with a fake clock (the registry takes `now` from its caller).

constexpr std::chrono::milliseconds lease = 15s;

/// A registry of two-seat rooms with a 15 s lease and a keep of `keep_bytes`; records
/// each alarm it raises.
struct leased {
    explicit leased(std::size_t keep_bytes = 1024, std::size_t capacity = 2)
        : registry(capacity, many_rooms, lease_terms{lease, keep_bytes, [this](time_point end) { alarms.push_back(end); }}) {}
    std::vector<time_point> alarms;
    local_room_registry registry;
};

/// What resume() answered, checked against the same handler contract as join's.
room_registry::resume_result resume(room_registry& registry, std::string const& room, std::string const& secret,
                                    recording_member& who, time_point now) {
    std::optional<room_registry::resume_result> out;
    auto const before = who.received;
    registry.resume(room, secret, who, now, [&](room_registry::resume_result r) {
        EXPECT_FALSE(out.has_value()) << "the handler ran twice";
        EXPECT_EQ(who.received, before) << "delivered before the handler ran";
        out = std::move(r);
    });
    if (!out) {
        ADD_FAILURE() << "the resume handler never ran";
        return {};
    }
    return *out;
}

std::string frame(std::string_view type, std::string_view room, std::string_view id) {
    return "deliver {\"type\":\"" + std::string(type) + "\",\"room\":\"" + std::string(room) + "\",\"id\":\"" +
           std::string(id) + "\"}";
}

TEST(seat_lease, JoinedCarriesASecretOnlyWithALease) {
    leased l;
    local_room_registry plain(2, many_rooms);
    recording_member a("A");
    auto const secret = join(l.registry, "r", a).resume;
    EXPECT_EQ(secret.size(), 32U);
    EXPECT_TRUE(protocol::is_valid_peer_id(secret));
    recording_member b("B");
    EXPECT_EQ(join(plain, "r", b).resume, "");
}

TEST(seat_lease, ADropHoldsTheSeatAndTellsTheOthersDown) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    join_pair(l.registry, a, b);
    l.registry.drop("r", b, t0);
    EXPECT_EQ(a.received, (events{"joined r B", "down r B"}));
    EXPECT_EQ(l.registry.member_count(), 2U);
    EXPECT_EQ(l.registry.held_count(), 1U);
    EXPECT_EQ(l.registry.next_expiry(), t0 + lease);
    EXPECT_EQ(l.alarms, std::vector<time_point>{t0 + lease});
}

TEST(seat_lease, WithoutALeaseADropIsALeave) {
    local_room_registry plain(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    join_pair(plain, a, b);
    plain.drop("r", b, t0);
    EXPECT_EQ(a.received, (events{"joined r B", "left r B"}));
    EXPECT_EQ(plain.held_count(), 0U);
    EXPECT_EQ(plain.next_expiry(), std::nullopt);
}

// Rules 11 and 12 at a planned stop: hold() holds the seat at once (down, kept for the
// resume) while the closing member may still relay from it, until its drop().
TEST(seat_lease, AHeldSeatStillRelaysWhatItsClosingMemberSendsUntilItsDrop) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    auto const secret = join_pair(l.registry, a, b).resume;
    l.registry.hold("r", b, t0);
    EXPECT_EQ(a.received, (events{"joined r B", "down r B"}));
    EXPECT_EQ(l.registry.held_count(), 1U);
    EXPECT_EQ(l.alarms, std::vector<time_point>{t0 + lease});
    // From the held seat: delivered; to it: kept, not delivered to the closing member.
    EXPECT_EQ(l.registry.relay("r", b, "late", std::nullopt).receivers, 1U);
    EXPECT_EQ(l.registry.relay("r", b, "named", "A").receivers, 1U);
    EXPECT_EQ(l.registry.relay("r", b, "self", "B").status, relay_status::no_such_peer);
    EXPECT_EQ(l.registry.relay("r", a, "kept", std::nullopt).receivers, 1U);
    EXPECT_EQ(b.received, events{});
    EXPECT_EQ(a.received, (events{"joined r B", "down r B", relay_frame("late"), relay_frame("named")}));
    // Its connection ends: the seat stays held, and relays from it end.
    l.registry.drop("r", b, t0 + 1s);
    EXPECT_EQ(l.registry.relay("r", b, "too late", std::nullopt).status, relay_status::not_in_room);
    EXPECT_EQ(l.registry.held_count(), 1U);
    EXPECT_EQ(l.registry.next_expiry(), t0 + lease);  // the lease runs from the hold
    EXPECT_EQ(a.received.size(), 4U);
    ASSERT_TRUE(resume(l.registry, "r", secret, b2, t0 + 2s).resumed);
    EXPECT_EQ(b2.received, events{relay_frame("kept")});
    EXPECT_EQ(a.received.back(), "up r B");
}

TEST(seat_lease, AResumeEndsTheRelaysOfTheConnectionThatHeldTheSeat) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    auto const secret = join_pair(l.registry, a, b).resume;
    l.registry.hold("r", b, t0);
    ASSERT_TRUE(resume(l.registry, "r", secret, b2, t0 + 1s).resumed);
    EXPECT_EQ(l.registry.relay("r", b, "stale", std::nullopt).status, relay_status::not_in_room);
    EXPECT_EQ(b.received, events{});  // not replaced: it is closing already
    // Its drop afterwards leaves the resumed seat alone.
    l.registry.drop("r", b, t0 + 2s);
    EXPECT_EQ(l.registry.held_count(), 0U);
    EXPECT_EQ(l.registry.relay("r", b2, "on", std::nullopt).receivers, 1U);
    EXPECT_EQ(a.received.back(), relay_frame("on"));
}

TEST(seat_lease, ALeaveFromAHeldSeatsClosingMemberReleasesIt) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    join_pair(l.registry, a, b);
    l.registry.hold("r", b, t0);
    l.registry.leave("r", b, t0);
    EXPECT_EQ(a.received, (events{"joined r B", "down r B", "left r B"}));
    EXPECT_EQ(l.registry.held_count(), 0U);
    EXPECT_EQ(l.registry.member_count(), 1U);
    EXPECT_EQ(l.registry.next_expiry(), std::nullopt);
}

TEST(seat_lease, WithoutALeaseAHoldIsALeave) {
    local_room_registry plain(2, many_rooms);
    recording_member a("A");
    recording_member b("B");
    join_pair(plain, a, b);
    plain.hold("r", b, t0);
    EXPECT_EQ(a.received, (events{"joined r B", "left r B"}));
    EXPECT_EQ(plain.relay("r", b, "m", std::nullopt).status, relay_status::not_in_room);
}

// The lease covers [drop, drop + lease): expire() at the last instant before keeps
// the seat, at the boundary releases it (bye), and a resume at the boundary is refused.
TEST(seat_lease, ExpiryAtTheExactBoundary) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    auto const secret = join_pair(l.registry, a, b).resume;
    l.registry.drop("r", b, t0);
    EXPECT_EQ(l.registry.expire(t0 + lease - 1ns), 0U);
    EXPECT_EQ(l.registry.held_count(), 1U);
    EXPECT_TRUE(l.registry.can_resume("r", secret, t0 + lease - 1ns));
    EXPECT_FALSE(l.registry.can_resume("r", secret, t0 + lease));
    EXPECT_EQ(l.registry.expire(t0 + lease), 1U);
    EXPECT_EQ(a.received, (events{"joined r B", "down r B", "left r B"}));
    EXPECT_EQ(l.registry.member_count(), 1U);
    EXPECT_EQ(l.registry.held_count(), 0U);
    EXPECT_EQ(l.registry.next_expiry(), std::nullopt);
}

// A resume that arrives when the lease has ended but before the timer ran loses: the
// seat is as good as gone, and the timer then releases it.
TEST(seat_lease, ResumeRacingExpiryLosesAtTheBoundary) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    auto const secret = join_pair(l.registry, a, b).resume;
    l.registry.drop("r", b, t0);
    EXPECT_FALSE(resume(l.registry, "r", secret, b2, t0 + lease).resumed);
    EXPECT_EQ(b2.received, events{});
    l.registry.expire(t0 + lease);
    EXPECT_EQ(a.received, (events{"joined r B", "down r B", "left r B"}));
}

// ...and one just before the boundary wins: the timer that fires then finds nothing.
TEST(seat_lease, ResumeJustBeforeExpiryWins) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    auto const first = join_pair(l.registry, a, b);
    l.registry.drop("r", b, t0);
    auto const back = resume(l.registry, "r", first.resume, b2, t0 + lease - 1ns);
    ASSERT_TRUE(back.resumed);
    EXPECT_EQ(back.id, "B");
    EXPECT_EQ(back.role, first.role);
    EXPECT_EQ(back.peers, 2U);
    EXPECT_NE(back.resume, first.resume);
    EXPECT_EQ(back.resume.size(), 32U);
    l.registry.expire(t0 + lease);
    EXPECT_EQ(a.received, (events{"joined r B", "down r B", "up r B"}));
    EXPECT_EQ(l.registry.held_count(), 0U);
    EXPECT_EQ(l.registry.next_expiry(), std::nullopt);
}

TEST(seat_lease, ASecretIsSpentByItsResume) {
    leased l;
    recording_member a("A");
    recording_member a2("A2");
    recording_member a3("A3");
    auto const secret = join(l.registry, "r", a).resume;
    l.registry.drop("r", a, t0);
    auto const back = resume(l.registry, "r", secret, a2, t0 + 1s);
    ASSERT_TRUE(back.resumed);
    EXPECT_FALSE(l.registry.can_resume("r", secret, t0 + 1s));
    EXPECT_FALSE(resume(l.registry, "r", secret, a3, t0 + 1s).resumed);
    EXPECT_TRUE(l.registry.can_resume("r", back.resume, t0 + 1s));
}

TEST(seat_lease, ASecretForAnotherRoomOrUnknownIsRefused) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    auto const secret = join(l.registry, "r", a).resume;
    join(l.registry, "s", b);
    l.registry.drop("r", a, t0);
    EXPECT_FALSE(l.registry.can_resume("s", secret, t0));
    EXPECT_FALSE(l.registry.can_resume("nowhere", secret, t0));
    EXPECT_FALSE(l.registry.can_resume("r", "", t0));
    EXPECT_FALSE(l.registry.can_resume("r", std::string(32, 'A'), t0));
    EXPECT_TRUE(l.registry.can_resume("r", secret, t0));
}

// Resumed while the old connection is still open: the seat moves, the old member is
// told replaced, and the others hear nothing.
TEST(seat_lease, ResumeWhileTheOldConnectionIsOpenReplacesIt) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    auto const secret = join_pair(l.registry, a, b).resume;
    auto const back = resume(l.registry, "r", secret, b2, t0);
    ASSERT_TRUE(back.resumed);
    EXPECT_EQ(back.id, "B");
    EXPECT_EQ(b.received, events{"replaced r"});
    EXPECT_EQ(a.received, events{"joined r B"});
    EXPECT_EQ(l.registry.member_count(), 2U);
    // The old member is out: its leave changes nothing; the new one relays.
    l.registry.leave("r", b, t0);
    EXPECT_EQ(a.received, events{"joined r B"});
    EXPECT_EQ(l.registry.relay("r", b2, "m", std::nullopt).receivers, 1U);
    EXPECT_EQ(l.registry.relay("r", b, "m", std::nullopt).status, relay_status::not_in_room);
}

TEST(seat_lease, AThirdJoinerFindsTheHeldSeatTaken) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join_pair(l.registry, a, b);
    l.registry.drop("r", b, t0);
    EXPECT_EQ(join(l.registry, "r", c).status, join_status::full);
    l.registry.expire(t0 + lease);
    auto const in = join(l.registry, "r", c);
    EXPECT_EQ(in.status, join_status::joined);
    EXPECT_EQ(in.role, protocol::role::polite);  // A, impolite, stayed
}

// Kept in order, then delivered after the resume's handler; past the keep's bytes a
// message is not kept (not_kept) while the members still connected get it.
TEST(seat_lease, MessagesAreKeptInOrderUntilTheKeepIsFull) {
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    recording_member b2("B2");
    local_room_registry three(3, many_rooms, lease_terms{lease, 10, {}});
    auto const secret = join_pair(three, a, b).resume;
    join(three, "r", c);
    three.drop("r", b, t0);
    auto const one = three.relay("r", a, "1234", std::nullopt);
    EXPECT_EQ(one.receivers, 2U);
    EXPECT_EQ(one.not_kept, 0U);
    EXPECT_EQ(three.relay("r", c, "5678", "B").not_kept, 0U);
    auto const over = three.relay("r", a, "abc", std::nullopt);
    EXPECT_EQ(over.status, relay_status::relayed);
    EXPECT_EQ(over.receivers, 1U);  // C
    EXPECT_EQ(over.not_kept, 1U);
    EXPECT_EQ(three.relay("r", a, "xy", "B").not_kept, 0U);  // 4 + 4 + 2 = 10 fits
    EXPECT_EQ(c.received, (events{"down r B", relay_frame("1234"), relay_frame("abc")}));
    ASSERT_TRUE(resume(three, "r", secret, b2, t0 + 1s).resumed);
    EXPECT_EQ(b2.received, (events{relay_frame("1234"), relay_frame("5678"), relay_frame("xy")}));
    EXPECT_EQ(a.received.back(), "up r B");
    EXPECT_EQ(c.received.back(), "up r B");
}

TEST(seat_lease, AHeldMemberIsStillNamedByTo) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    join_pair(l.registry, a, b);
    l.registry.drop("r", b, t0);
    auto const r = l.registry.relay("r", a, "m", "B");
    EXPECT_EQ(r.status, relay_status::relayed);
    EXPECT_EQ(r.receivers, 1U);
    EXPECT_EQ(l.registry.relay("r", a, "m", "Z").status, relay_status::no_such_peer);
}

// `leave` releases at once, lease or not; a member leaving while the other is held
// leaves the held one alone in the room, and its resume finds the bye kept for it.
TEST(seat_lease, AMemberLeavingWhileTheOtherIsHeld) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    auto const secret = join_pair(l.registry, a, b).resume;
    l.registry.drop("r", b, t0);
    l.registry.leave("r", a, t0);
    EXPECT_EQ(l.registry.member_count(), 1U);
    EXPECT_EQ(l.registry.room_count(), 1U);
    auto const back = resume(l.registry, "r", secret, b2, t0 + 1s);
    ASSERT_TRUE(back.resumed);
    EXPECT_EQ(back.peers, 1U);
    EXPECT_EQ(b2.received, events{frame("bye", "r", "A")});
    EXPECT_EQ(a.received, (events{"joined r B", "down r B"}));
}

TEST(seat_lease, TheLastHeldSeatExpiringEndsTheRoom) {
    leased l;
    recording_member a("A");
    join(l.registry, "r", a);
    l.registry.drop("r", a, t0);
    EXPECT_EQ(l.registry.room_count(), 1U);
    l.registry.expire(t0 + lease);
    EXPECT_EQ(l.registry.room_count(), 0U);
    EXPECT_EQ(l.registry.member_count(), 0U);
}

// Both members held at once: each keeps what it would have heard of the other, and
// each seat comes back (or ends) on its own.
TEST(seat_lease, BothMembersHeldAtOnce) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member a2("A2");
    recording_member b2("B2");
    auto const secret_a = join(l.registry, "r", a).resume;
    auto const secret_b = join(l.registry, "r", b).resume;
    l.registry.drop("r", a, t0);
    l.registry.drop("r", b, t0 + 2s);
    EXPECT_EQ(l.registry.held_count(), 2U);
    EXPECT_EQ(l.registry.next_expiry(), t0 + lease);
    EXPECT_EQ(l.alarms, (std::vector<time_point>{t0 + lease, t0 + 2s + lease}));
    auto const back_b = resume(l.registry, "r", secret_b, b2, t0 + 3s);
    ASSERT_TRUE(back_b.resumed);
    EXPECT_EQ(back_b.role, protocol::role::polite);
    // B heard nothing of A while held: A went down before B did.
    EXPECT_EQ(b2.received, events{});
    auto const back_a = resume(l.registry, "r", secret_a, a2, t0 + 4s);
    ASSERT_TRUE(back_a.resumed);
    EXPECT_EQ(back_a.role, protocol::role::impolite);
    EXPECT_EQ(a2.received, (events{frame("peerdown", "r", "B"), frame("peerup", "r", "B")}));
    EXPECT_EQ(b2.received, events{"up r A"});
    l.registry.expire(t0 + 60s);
    EXPECT_EQ(l.registry.member_count(), 2U);
}

TEST(seat_lease, BothHeldAndOneExpiresTheOtherKeepsTheBye) {
    leased l;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    auto const secret_b = join_pair(l.registry, a, b).resume;
    l.registry.drop("r", a, t0);
    l.registry.drop("r", b, t0 + 2s);
    l.registry.expire(t0 + lease);
    EXPECT_EQ(l.registry.held_count(), 1U);
    auto const back = resume(l.registry, "r", secret_b, b2, t0 + lease + 1s);
    ASSERT_TRUE(back.resumed);
    EXPECT_EQ(back.peers, 1U);
    EXPECT_EQ(b2.received, events{frame("bye", "r", "A")});
}

// Keep filling up, then the keep drains with the resume and takes messages again.
TEST(seat_lease, TheKeepIsEmptyAgainAfterAResume) {
    leased l(4);
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    recording_member b3("B3");
    auto const secret = join_pair(l.registry, a, b).resume;
    l.registry.drop("r", b, t0);
    EXPECT_EQ(l.registry.relay("r", a, "1234", std::nullopt).not_kept, 0U);
    EXPECT_EQ(l.registry.relay("r", a, "5", std::nullopt).not_kept, 1U);
    auto const back = resume(l.registry, "r", secret, b2, t0 + 1s);
    l.registry.drop("r", b2, t0 + 2s);
    EXPECT_EQ(l.registry.relay("r", a, "6789", std::nullopt).not_kept, 0U);
    ASSERT_TRUE(resume(l.registry, "r", back.resume, b3, t0 + 3s).resumed);
    EXPECT_EQ(b3.received, events{relay_frame("6789")});
}

// ---------------------------------------------------------------------------------------
// Call timings (issue 12, item 4): the registry alone sees rooms fill and empty.

/// A two-seat, 15 s lease registry that counts leases and records call timings.
struct timed {
    metrics::counters counters;
    metrics::call_timings& timings = counters.calls;
    local_room_registry registry{2, many_rooms, lease_terms{lease, 1024, {}}, &counters};

    std::uint64_t started() const { return metrics::counters::read(counters.leases_started_total); }
    std::uint64_t resumed() const { return metrics::counters::read(counters.leases_resumed_total); }
    std::uint64_t expired() const { return metrics::counters::read(counters.leases_expired_total); }
};

TEST(call_timings, AWaitEndsWhenTheSecondArrivesAndACallWhenItDropsBelowTwo) {
    timed t;
    recording_member a("A");
    recording_member b("B");
    recording_member c("C");
    join(t.registry, "r", a, t0);
    EXPECT_EQ(t.timings.partner_wait.count(), 0U);
    join(t.registry, "r", b, t0 + 7s);
    EXPECT_EQ(t.timings.partner_wait.count(), 1U);
    EXPECT_DOUBLE_EQ(t.timings.partner_wait.sum_seconds(), 7.0);
    EXPECT_EQ(t.timings.call_duration.count(), 0U);
    t.registry.leave("r", b, t0 + 67s);
    EXPECT_EQ(t.timings.call_duration.count(), 1U);
    EXPECT_DOUBLE_EQ(t.timings.call_duration.sum_seconds(), 60.0);
    // A waits again from the moment B left.
    join(t.registry, "r", c, t0 + 70s);
    EXPECT_EQ(t.timings.partner_wait.count(), 2U);
    EXPECT_DOUBLE_EQ(t.timings.partner_wait.sum_seconds(), 10.0);
}

TEST(call_timings, AMemberWhoLeavesAloneWaitedForNobody) {
    timed t;
    recording_member a("A");
    join(t.registry, "r", a, t0);
    t.registry.leave("r", a, t0 + 30s);
    EXPECT_EQ(t.timings.partner_wait.count(), 0U);
    EXPECT_EQ(t.timings.call_duration.count(), 0U);
}

TEST(call_timings, AResumedSeatContinuesItsCallAndRecordsItsDownTime) {
    timed t;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    join(t.registry, "r", a, t0);
    auto const secret = join(t.registry, "r", b, t0 + 1s).resume;
    t.registry.drop("r", b, t0 + 10s);
    ASSERT_TRUE(resume(t.registry, "r", secret, b2, t0 + 12500ms).resumed);
    EXPECT_EQ(t.timings.lease_down.count(), 1U);
    EXPECT_DOUBLE_EQ(t.timings.lease_down.sum_seconds(), 2.5);
    EXPECT_EQ(t.timings.call_duration.count(), 0U) << "a resume is not a new call";
    t.registry.leave("r", a, t0 + 31s);
    EXPECT_EQ(t.timings.call_duration.count(), 1U);
    EXPECT_DOUBLE_EQ(t.timings.call_duration.sum_seconds(), 30.0);
}

TEST(call_timings, ALeaseThatEndsUnusedEndsTheCallAndRecordsNoDownTime) {
    timed t;
    recording_member a("A");
    recording_member b("B");
    join_pair(t.registry, a, b);
    t.registry.drop("r", b, t0 + 5s);
    EXPECT_EQ(t.timings.call_duration.count(), 0U) << "a held seat is still in the call";
    EXPECT_EQ(t.registry.expire(t0 + 5s + lease), 1U);
    EXPECT_EQ(t.timings.call_duration.count(), 1U);
    EXPECT_DOUBLE_EQ(t.timings.call_duration.sum_seconds(), 20.0);
    EXPECT_EQ(t.timings.lease_down.count(), 0U);
}

TEST(call_timings, ReplacingAConnectedSeatRecordsNothing) {
    timed t;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    auto const secret = join_pair(t.registry, a, b).resume;
    ASSERT_TRUE(resume(t.registry, "r", secret, b2, t0 + 3s).resumed);
    EXPECT_EQ(t.timings.lease_down.count(), 0U);
    EXPECT_EQ(t.timings.call_duration.count(), 0U);
}

// ---------------------------------------------------------------------------------------
// Lease counters: counted where the registry decides, so each names what happened.

// A resume of a still-connected seat (4000 "replaced") takes back nothing held; only a
// resume of a held seat counts as resumed.
TEST(lease_counters, OnlyAHeldSeatTakenBackCountsAsResumed) {
    timed t;
    recording_member a("A");
    recording_member b("B");
    recording_member b2("B2");
    recording_member b3("B3");
    auto const secret = join_pair(t.registry, a, b).resume;
    auto const moved = resume(t.registry, "r", secret, b2, t0 + 1s);
    ASSERT_TRUE(moved.resumed);
    EXPECT_EQ(b.received, events{"replaced r"});
    t.registry.drop("r", b, t0 + 1s);  // the replaced connection ends: it holds nothing
    EXPECT_EQ(t.started(), 0U);
    EXPECT_EQ(t.resumed(), 0U) << "a replaced seat was never held";
    t.registry.drop("r", b2, t0 + 2s);
    EXPECT_EQ(t.started(), 1U);
    ASSERT_TRUE(resume(t.registry, "r", moved.resume, b3, t0 + 3s).resumed);
    EXPECT_EQ(t.resumed(), 1U);
    EXPECT_EQ(t.expired(), 0U);
}

TEST(lease_counters, EachSeatReleasedByExpireCountsOnce) {
    timed t;
    recording_member a("A");
    recording_member b("B");
    join_pair(t.registry, a, b);
    t.registry.drop("r", a, t0);
    t.registry.drop("r", b, t0 + 1s);
    EXPECT_EQ(t.started(), 2U);
    EXPECT_EQ(t.registry.expire(t0 + lease + 1s), 2U);
    EXPECT_EQ(t.expired(), 2U);
    EXPECT_EQ(t.registry.expire(t0 + lease + 2s), 0U);
    EXPECT_EQ(t.expired(), 2U);
    EXPECT_EQ(t.resumed(), 0U);
}

// A drop that holds no seat starts no lease: without a lease it is a leave, and a
// member not in the room has no seat to hold.
TEST(lease_counters, ADropThatHoldsNothingCountsNothing) {
    metrics::counters counters;
    local_room_registry plain(2, many_rooms, {}, &counters);
    recording_member a("A");
    recording_member b("B");
    join_pair(plain, a, b);
    plain.drop("r", b, t0);
    EXPECT_EQ(metrics::counters::read(counters.leases_started_total), 0U);
    timed t;
    recording_member stranger("S");
    t.registry.drop("r", stranger, t0);
    EXPECT_EQ(t.started(), 0U);
}

}  // namespace
}  // namespace duet::rooms
