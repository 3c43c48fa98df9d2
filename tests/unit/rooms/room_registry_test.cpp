#include <duet/rooms/room_registry.hpp>

#include <duet/rooms/peer.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace duet::rooms {
namespace {

/// One frame handed to a fake peer: the room it came for and its text.
using delivery = std::pair<std::string, std::string>;
using deliveries = std::vector<delivery>;

/// A peer that records every frame delivered to it. deliver() may be called from any
/// thread, so the record is kept under a mutex.
class recording_peer final : public peer {
public:
    explicit recording_peer(std::string id) : id_(std::move(id)) {}

    std::string const& id() const noexcept override { return id_; }

    void deliver(std::string_view room, shared_frame frame) override {
        std::lock_guard lock(mutex_);
        received_.emplace_back(std::string(room), *frame);
    }

    deliveries received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }

private:
    std::string const id_;
    mutable std::mutex mutex_;
    deliveries received_;
};

std::shared_ptr<recording_peer> make_peer(std::string id) {
    return std::make_shared<recording_peer>(std::move(id));
}

shared_frame frame(std::string text) {
    return std::make_shared<std::string const>(std::move(text));
}

using join_status = room_registry::join_status;
using relay_status = room_registry::relay_status;

constexpr std::size_t many_rooms = 1000;

TEST(room_registry, FirstJoinCreatesTheRoom) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    auto const result = registry.join("demo", a);
    EXPECT_EQ(result.status, join_status::joined);
    EXPECT_EQ(result.peers, 1U);
    EXPECT_EQ(registry.room_count(), 1U);
    EXPECT_EQ(registry.member_count(), 1U);
    EXPECT_EQ(a->received(), deliveries{});
}

TEST(room_registry, OtherjoinGoesToTheMembersAlreadyThereNotToTheJoiner) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    ASSERT_EQ(registry.join("demo", a).status, join_status::joined);
    auto const result = registry.join("demo", b);
    EXPECT_EQ(result.status, join_status::joined);
    EXPECT_EQ(result.peers, 2U);
    EXPECT_EQ(a->received(), (deliveries{{"demo", R"({"type":"otherjoin","room":"demo","id":"B"})"}}));
    EXPECT_EQ(b->received(), deliveries{});
    EXPECT_EQ(registry.room_count(), 1U);
    EXPECT_EQ(registry.member_count(), 2U);
}

TEST(room_registry, ThirdJoinIsFullAndDeliversNothing) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto c = make_peer("C");
    registry.join("demo", a);
    registry.join("demo", b);
    auto const result = registry.join("demo", c);
    EXPECT_EQ(result.status, join_status::full);
    EXPECT_EQ(result.peers, 0U);
    EXPECT_EQ(a->received(), (deliveries{{"demo", R"({"type":"otherjoin","room":"demo","id":"B"})"}}));
    EXPECT_EQ(b->received(), deliveries{});
    EXPECT_EQ(c->received(), deliveries{});
    EXPECT_EQ(registry.member_count(), 2U);
    // C is no member: it can neither relay nor leave.
    EXPECT_EQ(registry.relay("demo", *c, frame("x")).status, relay_status::not_in_room);
    EXPECT_FALSE(registry.leave("demo", *c));
    EXPECT_EQ(a->received().size(), 1U);
    EXPECT_EQ(b->received(), deliveries{});
}

TEST(room_registry, CapacityIsConfigurable) {
    room_registry registry(3, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto c = make_peer("C");
    auto d = make_peer("D");
    EXPECT_EQ(registry.join("r", a).peers, 1U);
    EXPECT_EQ(registry.join("r", b).peers, 2U);
    auto const third = registry.join("r", c);
    EXPECT_EQ(third.status, join_status::joined);
    EXPECT_EQ(third.peers, 3U);
    EXPECT_EQ(registry.join("r", d).status, join_status::full);
    EXPECT_EQ(a->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"B"})"},
                                         {"r", R"({"type":"otherjoin","room":"r","id":"C"})"}}));
    EXPECT_EQ(b->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"C"})"}}));
    EXPECT_EQ(c->received(), deliveries{});
    EXPECT_EQ(d->received(), deliveries{});
    EXPECT_EQ(registry.member_count(), 3U);
}

TEST(room_registry, FullRoomAcceptsAgainAfterALeave) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto c = make_peer("C");
    registry.join("r", a);
    registry.join("r", b);
    ASSERT_EQ(registry.join("r", c).status, join_status::full);
    ASSERT_TRUE(registry.leave("r", *b));
    auto const result = registry.join("r", c);
    EXPECT_EQ(result.status, join_status::joined);
    EXPECT_EQ(result.peers, 2U);
    EXPECT_EQ(a->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"B"})"},
                                         {"r", R"({"type":"bye","room":"r","id":"B"})"},
                                         {"r", R"({"type":"otherjoin","room":"r","id":"C"})"}}));
}

TEST(room_registry, LeaveDeliversByeWithTheLeaversIdToTheRest) {
    room_registry registry(3, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto c = make_peer("C");
    registry.join("r", a);
    registry.join("r", b);
    registry.join("r", c);
    EXPECT_TRUE(registry.leave("r", *b));
    EXPECT_EQ(a->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"B"})"},
                                         {"r", R"({"type":"otherjoin","room":"r","id":"C"})"},
                                         {"r", R"({"type":"bye","room":"r","id":"B"})"}}));
    EXPECT_EQ(b->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"C"})"}}));
    EXPECT_EQ(c->received(), (deliveries{{"r", R"({"type":"bye","room":"r","id":"B"})"}}));
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(registry.room_count(), 1U);
    // B is gone: a second leave is refused and B no longer receives relays.
    EXPECT_FALSE(registry.leave("r", *b));
    auto const relayed = registry.relay("r", *a, frame("hi"));
    EXPECT_EQ(relayed.status, relay_status::relayed);
    EXPECT_EQ(relayed.receivers, 1U);
    EXPECT_EQ(b->received().size(), 1U);
    EXPECT_EQ(c->received().back(), (delivery{"r", "hi"}));
}

TEST(room_registry, LeaveOfANonMemberReturnsFalseAndDeliversNothing) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto outsider = make_peer("X");
    registry.join("r", a);
    registry.join("r", b);
    registry.join("other", outsider);
    EXPECT_FALSE(registry.leave("r", *outsider));
    EXPECT_FALSE(registry.leave("nowhere", *a));
    EXPECT_FALSE(registry.leave("other", *a));
    EXPECT_EQ(a->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"B"})"}}));
    EXPECT_EQ(b->received(), deliveries{});
    EXPECT_EQ(outsider->received(), deliveries{});
    EXPECT_EQ(registry.member_count(), 3U);
    EXPECT_EQ(registry.room_count(), 2U);
}

TEST(room_registry, LeaveMatchesThePeerObjectNotItsId) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    auto impostor = make_peer("A");
    registry.join("r", a);
    EXPECT_FALSE(registry.leave("r", *impostor));
    EXPECT_EQ(registry.member_count(), 1U);
    EXPECT_EQ(registry.relay("r", *impostor, frame("x")).status, relay_status::not_in_room);
}

TEST(room_registry, EmptyRoomIsRemoved) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    registry.join("r", a);
    registry.join("r", b);
    registry.join("s", make_peer("S"));
    EXPECT_EQ(registry.room_count(), 2U);
    ASSERT_TRUE(registry.leave("r", *a));
    EXPECT_EQ(registry.room_count(), 2U);
    ASSERT_TRUE(registry.leave("r", *b));
    EXPECT_EQ(registry.room_count(), 1U);
    EXPECT_EQ(registry.member_count(), 1U);
    // The last one out gets nothing (nobody is left to be told).
    EXPECT_EQ(b->received(), (deliveries{{"r", R"({"type":"bye","room":"r","id":"A"})"}}));
    // The room is new again: the next joiner is alone in it.
    auto const again = registry.join("r", a);
    EXPECT_EQ(again.status, join_status::joined);
    EXPECT_EQ(again.peers, 1U);
}

TEST(room_registry, MaxRoomsRefusesOnlyANewRoom) {
    room_registry registry(2, 2);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto c = make_peer("C");
    auto d = make_peer("D");
    ASSERT_EQ(registry.join("r1", a).status, join_status::joined);
    ASSERT_EQ(registry.join("r2", b).status, join_status::joined);
    auto const refused = registry.join("r3", c);
    EXPECT_EQ(refused.status, join_status::room_limit);
    EXPECT_EQ(refused.peers, 0U);
    EXPECT_EQ(registry.room_count(), 2U);
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(c->received(), deliveries{});
    // An existing room can still be joined at the limit.
    auto const existing = registry.join("r1", d);
    EXPECT_EQ(existing.status, join_status::joined);
    EXPECT_EQ(existing.peers, 2U);
    EXPECT_EQ(a->received(), (deliveries{{"r1", R"({"type":"otherjoin","room":"r1","id":"D"})"}}));
    // Once a room ceases to exist, a new one may be created.
    ASSERT_TRUE(registry.leave("r2", *b));
    EXPECT_EQ(registry.join("r3", c).status, join_status::joined);
    EXPECT_EQ(registry.room_count(), 2U);
}

TEST(room_registry, FullIsReportedBeforeRoomLimitForAnExistingRoom) {
    room_registry registry(2, 1);
    registry.join("r", make_peer("A"));
    registry.join("r", make_peer("B"));
    EXPECT_EQ(registry.join("r", make_peer("C")).status, join_status::full);
    EXPECT_EQ(registry.join("s", make_peer("D")).status, join_status::room_limit);
}

TEST(room_registry, RelayGoesToEveryOtherMemberNeverToTheSender) {
    room_registry registry(3, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto c = make_peer("C");
    registry.join("r", a);
    registry.join("r", b);
    registry.join("r", c);
    auto const shared = frame(R"({"type":"message","room":"r","from":"A","data":1})");
    auto const result = registry.relay("r", *a, shared);
    EXPECT_EQ(result.status, relay_status::relayed);
    EXPECT_EQ(result.receivers, 2U);
    EXPECT_EQ(a->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"B"})"},
                                         {"r", R"({"type":"otherjoin","room":"r","id":"C"})"}}));
    EXPECT_EQ(b->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"C"})"},
                                         {"r", R"({"type":"message","room":"r","from":"A","data":1})"}}));
    EXPECT_EQ(c->received(), (deliveries{{"r", R"({"type":"message","room":"r","from":"A","data":1})"}}));
}

TEST(room_registry, RelayWhenAloneReachesNobody) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    registry.join("r", a);
    auto const result = registry.relay("r", *a, frame("x"));
    EXPECT_EQ(result.status, relay_status::relayed);
    EXPECT_EQ(result.receivers, 0U);
    EXPECT_EQ(a->received(), deliveries{});
}

TEST(room_registry, RelayFromANonMemberIsNotInRoomAndDeliversNothing) {
    room_registry registry(2, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto outsider = make_peer("X");
    registry.join("r", a);
    registry.join("r", b);
    registry.join("elsewhere", outsider);
    auto const result = registry.relay("r", *outsider, frame("x"));
    EXPECT_EQ(result.status, relay_status::not_in_room);
    EXPECT_EQ(result.receivers, 0U);
    EXPECT_EQ(registry.relay("nowhere", *a, frame("x")).status, relay_status::not_in_room);
    EXPECT_EQ(registry.relay("r", *outsider, frame("x"), std::string_view("A")).status, relay_status::not_in_room);
    EXPECT_EQ(a->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"B"})"}}));
    EXPECT_EQ(b->received(), deliveries{});
    EXPECT_EQ(outsider->received(), deliveries{});
}

TEST(room_registry, RelayWithToDeliversOnlyToThatMember) {
    room_registry registry(3, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto c = make_peer("C");
    registry.join("r", a);
    registry.join("r", b);
    registry.join("r", c);
    auto const result = registry.relay("r", *a, frame("for C"), std::string_view("C"));
    EXPECT_EQ(result.status, relay_status::relayed);
    EXPECT_EQ(result.receivers, 1U);
    EXPECT_EQ(b->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"C"})"}}));
    EXPECT_EQ(c->received(), (deliveries{{"r", "for C"}}));
    EXPECT_EQ(a->received().size(), 2U);
}

TEST(room_registry, RelayToSelfOrUnknownIdIsNoSuchPeerAndDeliversNothing) {
    room_registry registry(3, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    auto elsewhere = make_peer("E");
    registry.join("r", a);
    registry.join("r", b);
    registry.join("s", elsewhere);
    auto const to_self = registry.relay("r", *a, frame("x"), std::string_view("A"));
    EXPECT_EQ(to_self.status, relay_status::no_such_peer);
    EXPECT_EQ(to_self.receivers, 0U);
    EXPECT_EQ(registry.relay("r", *a, frame("x"), std::string_view("nobody")).status, relay_status::no_such_peer);
    EXPECT_EQ(registry.relay("r", *a, frame("x"), std::string_view("")).status, relay_status::no_such_peer);
    // A member of another room is no member of this one.
    EXPECT_EQ(registry.relay("r", *a, frame("x"), std::string_view("E")).status, relay_status::no_such_peer);
    EXPECT_EQ(a->received(), (deliveries{{"r", R"({"type":"otherjoin","room":"r","id":"B"})"}}));
    EXPECT_EQ(b->received(), deliveries{});
    EXPECT_EQ(elsewhere->received(), deliveries{});
}

TEST(room_registry, ExpiredMembersAreSkipped) {
    room_registry registry(3, many_rooms);
    auto a = make_peer("A");
    auto b = make_peer("B");
    registry.join("r", a);
    registry.join("r", b);
    b.reset();  // the session died without leaving: only the weak_ptr remains

    auto const broadcast = registry.relay("r", *a, frame("x"));
    EXPECT_EQ(broadcast.status, relay_status::relayed);
    EXPECT_EQ(broadcast.receivers, 0U);
    EXPECT_EQ(registry.relay("r", *a, frame("x"), std::string_view("B")).status, relay_status::no_such_peer);

    auto c = make_peer("C");
    EXPECT_EQ(registry.join("r", c).status, join_status::joined);
    auto const to_c = registry.relay("r", *a, frame("y"));
    EXPECT_EQ(to_c.receivers, 1U);
    EXPECT_EQ(c->received(), (deliveries{{"r", "y"}}));
    EXPECT_TRUE(registry.leave("r", *a));
    EXPECT_EQ(c->received(), (deliveries{{"r", "y"}, {"r", R"({"type":"bye","room":"r","id":"A"})"}}));
}

TEST(room_registry, RelayedFrameIsSharedNotCopied) {
    struct pointer_peer final : peer {
        std::string id_ = "P";
        std::vector<shared_frame> frames;
        std::string const& id() const noexcept override { return id_; }
        void deliver(std::string_view, shared_frame f) override { frames.push_back(std::move(f)); }
    };
    room_registry registry(3, many_rooms);
    auto a = make_peer("A");
    auto b = std::make_shared<pointer_peer>();
    auto c = std::make_shared<pointer_peer>();
    registry.join("r", a);
    registry.join("r", b);
    registry.join("r", c);
    auto const shared = frame("payload");
    registry.relay("r", *a, shared);
    ASSERT_EQ(b->frames.size(), 2U);  // otherjoin of c, then the relay
    ASSERT_EQ(c->frames.size(), 1U);
    EXPECT_EQ(b->frames.back().get(), shared.get());
    EXPECT_EQ(c->frames.back().get(), shared.get());
}

/// A peer that, like a session over its send limit, leaves its room from inside
/// deliver(): the registry must not hold its lock while it delivers.
class leaving_peer final : public peer {
public:
    leaving_peer(std::string id, room_registry& registry) : id_(std::move(id)), registry_(registry) {}

    std::string const& id() const noexcept override { return id_; }

    void deliver(std::string_view room, shared_frame) override {
        ++deliveries;
        registry_.leave(std::string(room), *this);
    }

    int deliveries = 0;

private:
    std::string const id_;
    room_registry& registry_;
};

TEST(room_registry, AReceiverMayLeaveFromInsideItsDelivery) {
    room_registry registry(3, many_rooms);
    auto a = make_peer("A");
    auto quitter = std::make_shared<leaving_peer>("Q", registry);
    auto c = make_peer("C");
    registry.join("demo", a);
    registry.join("demo", quitter);
    // Q is told of C's arrival and leaves at once: A and C get its bye.
    EXPECT_EQ(registry.join("demo", c).status, join_status::joined);
    EXPECT_EQ(quitter->deliveries, 1);
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(c->received(), (deliveries{{"demo", R"({"type":"bye","room":"demo","id":"Q"})"}}));
    // Same from a relay.
    auto const again = std::make_shared<leaving_peer>("R", registry);
    registry.join("demo", again);
    EXPECT_EQ(registry.relay("demo", *a, frame("m")).status, relay_status::relayed);
    EXPECT_EQ(again->deliveries, 1);
    EXPECT_EQ(registry.member_count(), 2U);
}

TEST(room_registry, MemberCountAcrossRooms) {
    room_registry registry(2, many_rooms);
    std::vector<std::shared_ptr<recording_peer>> peers;
    for (int i = 0; i < 7; ++i) {
        peers.push_back(make_peer("p" + std::to_string(i)));
        registry.join("room" + std::to_string(i / 2), peers.back());
    }
    EXPECT_EQ(registry.member_count(), 7U);
    EXPECT_EQ(registry.room_count(), 4U);
    registry.join("room0", make_peer("extra"));  // full: counts nothing
    EXPECT_EQ(registry.member_count(), 7U);
    registry.leave("room3", *peers[6]);
    EXPECT_EQ(registry.member_count(), 6U);
    EXPECT_EQ(registry.room_count(), 3U);
}

TEST(room_registry, ConcurrentJoinsToOneRoomAdmitExactlyCapacity) {
    constexpr std::size_t threads = 8;
    constexpr std::size_t peers_per_thread = 50;
    room_registry registry(2, many_rooms);

    std::vector<std::vector<std::shared_ptr<recording_peer>>> peers(threads);
    for (std::size_t t = 0; t < threads; ++t) {
        for (std::size_t i = 0; i < peers_per_thread; ++i) {
            peers[t].push_back(make_peer("t" + std::to_string(t) + "p" + std::to_string(i)));
        }
    }
    std::vector<std::vector<room_registry::join_result>> results(threads);
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            while (!go.load()) {
                std::this_thread::yield();
            }
            for (auto const& p : peers[t]) {
                results[t].push_back(registry.join("race", p));
            }
        });
    }
    go = true;
    for (auto& w : workers) {
        w.join();
    }

    std::shared_ptr<recording_peer> first;
    std::shared_ptr<recording_peer> second;
    std::size_t full = 0;
    for (std::size_t t = 0; t < threads; ++t) {
        for (std::size_t i = 0; i < peers_per_thread; ++i) {
            auto const& r = results[t][i];
            if (r.status == join_status::full) {
                ++full;
                EXPECT_EQ(peers[t][i]->received(), deliveries{});
            } else {
                ASSERT_EQ(r.status, join_status::joined);
                (r.peers == 1 ? first : second) = peers[t][i];
            }
        }
    }
    EXPECT_EQ(full, threads * peers_per_thread - 2);
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(first->received(),
              (deliveries{{"race", R"({"type":"otherjoin","room":"race","id":")" + second->id() + R"("})"}}));
    EXPECT_EQ(second->received(), deliveries{});
    EXPECT_EQ(registry.member_count(), 2U);
    EXPECT_EQ(registry.room_count(), 1U);
}

TEST(room_registry, ConcurrentRoomsNeverCrossDeliver) {
    constexpr int threads = 8;
    constexpr int rounds = 300;
    room_registry registry(2, many_rooms);

    struct pair_of_peers {
        std::string room;
        std::shared_ptr<recording_peer> a;
        std::shared_ptr<recording_peer> b;
    };
    std::vector<pair_of_peers> pairs;
    for (int t = 0; t < threads; ++t) {
        auto const n = std::to_string(t);
        pairs.push_back({"room" + n, make_peer("a" + n), make_peer("b" + n)});
    }
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (auto& pair : pairs) {
        workers.emplace_back([&registry, &failures, &pair] {
            for (int i = 0; i < rounds; ++i) {
                bool ok = registry.join(pair.room, pair.a).status == join_status::joined;
                ok = ok && registry.join(pair.room, pair.b).status == join_status::joined;
                auto const relayed = registry.relay(pair.room, *pair.a, frame("from " + pair.room));
                ok = ok && relayed.status == relay_status::relayed && relayed.receivers == 1;
                ok = ok && registry.leave(pair.room, *pair.b);
                ok = ok && registry.leave(pair.room, *pair.a);
                if (!ok) {
                    ++failures;
                }
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    EXPECT_EQ(failures.load(), 0);

    for (auto const& pair : pairs) {
        auto const otherjoin = R"({"type":"otherjoin","room":")" + pair.room + R"(","id":")" + pair.b->id() + R"("})";
        auto const bye = R"({"type":"bye","room":")" + pair.room + R"(","id":")" + pair.b->id() + R"("})";
        deliveries expected_a;
        deliveries expected_b;
        for (int i = 0; i < rounds; ++i) {
            expected_a.emplace_back(pair.room, otherjoin);
            expected_a.emplace_back(pair.room, bye);
            expected_b.emplace_back(pair.room, "from " + pair.room);
        }
        EXPECT_EQ(pair.a->received(), expected_a) << pair.room;
        EXPECT_EQ(pair.b->received(), expected_b) << pair.room;
    }
    EXPECT_EQ(registry.room_count(), 0U);
    EXPECT_EQ(registry.member_count(), 0U);
}

}  // namespace
}  // namespace duet::rooms
