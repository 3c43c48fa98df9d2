#pragma once

#include <duet/metrics/counters.hpp>
#include <duet/rooms/kept_messages.hpp>
#include <duet/rooms/room_registry.hpp>

#include <boost/container/small_vector.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace duet::rooms {

/// How seats are leased (docs/protocol.md rule 12; settings seat_lease and
/// lease_queue_bytes). A zero lease is 1.0: a dropped member leaves at once.
struct lease_terms {
    std::chrono::milliseconds seat_lease{0};
    std::size_t queue_bytes = 65536;
    /// Called when a lease starts, with the time it ends: the owner's timer calls
    /// expire() then. May be empty (the owner then polls next_expiry()).
    std::function<void(room_registry::clock::time_point)> alarm;
};

/// What happened to a member, as its room is told.
enum class room_event { joined, left, down, up };

/// The rooms of this process, in memory. Every call completes before it returns (a
/// join's handler included). Owned by app::server; used on its event-loop thread only,
/// so it needs no lock.
///
/// Members are told of events while the registry walks a copy of the receivers, not the
/// room itself: a member may leave (in a later handler) without invalidating the walk.
/// A held seat is told nothing: what it would have been told is kept for its resume.
///
/// With `counters`, it also counts leases (started, resumed, expired) and records the
/// shape of calls (how long a member waited alone, how long a pair lasted, how long a
/// held seat was down), since it alone decides when a seat is held, taken back or
/// released, and sees rooms fill and empty; null records nothing.
class local_room_registry final : public room_registry {
public:
    local_room_registry(std::size_t room_capacity, std::size_t max_rooms, lease_terms lease = {},
                        metrics::counters* counters = nullptr);

    void join(std::string const& room, member& who, clock::time_point now, join_handler done) override;
    bool can_resume(std::string const& room, std::string_view secret, clock::time_point now) const override;
    void resume(std::string const& room, std::string_view secret, member& who, clock::time_point now,
                resume_handler done) override;
    void leave(std::string const& room, member& who, clock::time_point now) override;
    void drop(std::string const& room, member& who, clock::time_point now) override;
    void hold(std::string const& room, member& who, clock::time_point now) override;
    void when_applied(std::function<void()> done) override { done(); }
    std::size_t expire(clock::time_point now) override;
    std::optional<clock::time_point> next_expiry() const override;
    relay_result relay(std::string const& room, member const& from, std::string_view frame,
                       std::optional<std::string_view> to) override;

    std::size_t room_count() const override { return rooms_.size(); }
    std::size_t member_count() const override { return members_; }
    std::size_t held_count() const override { return leases_.size(); }

private:
    /// One member's place in a room: connected (`who` set) or held for a resume.
    struct seat {
        std::string id;          // the member's peer id; the seat keeps it while held
        member* who;             // null while the seat is held
        protocol::role role;
        std::string resume;      // the secret that takes the seat back; empty without a lease
        clock::time_point lease_end{};  // while held
        kept_messages kept;      // while held
        // While held by hold(): the closing connection that may still relay from it.
        member const* draining = nullptr;
    };

    using seat_list = std::vector<seat>;  // capacity is small: a scan beats a map

    /// A room: its seats, and when its call shape last changed (for call_timings).
    struct room_state {
        seat_list seats;
        clock::time_point alone_since{};   // when it last came down (or up) to one seat
        clock::time_point paired_since{};  // when it last came up to two seats
    };
    using room_map = std::unordered_map<std::string, room_state>;
    // The receivers of one event; no allocation for small rooms.
    using receiver_list = boost::container::small_vector<member*, 3>;
    // Held seats by the end of their lease: the room and the seat's id.
    using lease_index = std::multimap<clock::time_point, std::pair<std::string, std::string>>;

    /// Where `who` sits (connected, or draining a held seat): its room and its seat, if
    /// it has one in `room`.
    struct seat_place {
        room_map::iterator room;
        seat_list::iterator self;
    };
    std::optional<seat_place> seat_of(std::string const& room, member const& who);
    /// Holds the connected seat at `place` for its lease; the others get member_down.
    void start_lease(seat_place const& place, clock::time_point now);
    seat* find_secret(std::string const& room, std::string_view secret, clock::time_point now);
    /// Takes `seat_it` out of `room` and tells the rest member_left (rule 6).
    void release(room_map::iterator room, seat_list::iterator seat_it, clock::time_point now);
    /// Tells every seat of `seats` but `except`'s and `who`'s own that `who` joined, left,
    /// went down or came up: a connected member through its member_* call, a held one by
    /// keeping the frame it would have been sent.
    void tell_others(std::string const& room, seat_list& seats, member const* except, room_event e,
                     std::string const& who);
    void forget_lease(std::string const& room, seat const& s);
    std::string new_secret() const;

    std::size_t const room_capacity_;
    std::size_t const max_rooms_;
    lease_terms const lease_;
    metrics::counters* const counters_;
    room_map rooms_;
    lease_index leases_;
    std::size_t members_ = 0;
};

}  // namespace duet::rooms
