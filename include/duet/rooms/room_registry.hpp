#pragma once

#include <duet/protocol/role.hpp>
#include <duet/rooms/member.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace duet::rooms {

/// The rooms of the daemon and their seats (docs/protocol.md rules 1, 3, 4, 6, 12, 13):
/// who may enter, who hears what, which seat is held for whom. An interface, so that the
/// signaling rules work the same over this process's rooms (local_room_registry) or
/// rooms shared by several daemons through a store (a later implementation: its join
/// needs a round trip, hence the completion handlers).
///
/// A registry holds plain references to its members: a member leaves (or drops) every
/// room it joined (or asked to join) before it is destroyed. Rule 2 (one room per
/// connection) is the caller's check, since the caller knows its room. Times are the
/// caller's (`now`), so the lease rules are tested with a fake clock.
class room_registry {
public:
    using clock = std::chrono::steady_clock;

    virtual ~room_registry() = default;

    // unavailable: the registry cannot reach the store it keeps rooms in (a cluster node
    // without Redis); the caller answers error `unavailable` and nothing changed.
    enum class join_status { joined, full, room_limit, unavailable };
    struct join_result {
        join_status status;
        std::size_t peers = 0;  // occupancy including the joiner (held seats too), when joined
        // Rule 13: in a room of capacity 2, impolite for a joiner that found it empty,
        // else the role the member there does not hold; none in any other room.
        protocol::role role = protocol::role::none;
        std::string resume{};  // rule 12: the seat's secret; empty when there is no lease
    };
    using join_handler = std::function<void(join_result)>;

    /// Adds `who` to `room` (created if needed) and tells the members already there
    /// (member_joined), then runs `done` exactly once: before join() returns, or later
    /// from the event loop. Until `done` has run, nothing is delivered to `who` from
    /// that room; the caller sends `joined` in `done`, so nothing relayed to it can
    /// overtake `joined` (rule 3).
    virtual void join(std::string const& room, member& who, clock::time_point now, join_handler done) = 0;

    struct resume_result {
        bool resumed = false;  // false: bad_resume (the seat went away meanwhile)...
        std::string id{};      // the seat's peer id, which `who` now carries
        std::size_t peers = 0;
        protocol::role role = protocol::role::none;
        std::string resume{};  // the seat's new secret; the one presented is spent
        bool unavailable = false;  // ...or `unavailable` when not resumed and this is true (no store)
    };
    using resume_handler = std::function<void(resume_result)>;

    /// Rule 12: whether `secret` takes back a seat of `room` at `now` (held and its lease
    /// not ended, or still connected). Rule 9 reports bad_resume before the state errors,
    /// so the caller asks this before it looks at its own place.
    virtual bool can_resume(std::string const& room, std::string_view secret, clock::time_point now) const = 0;

    /// Rule 12: gives the seat whose secret is `secret` to `who`. A still-connected
    /// holder is told replaced() and the others nothing; a held seat's others get
    /// member_up. `done` runs as join's does, and the frames kept for the seat are
    /// delivered to `who` after it, in order.
    virtual void resume(std::string const& room, std::string_view secret, member& who, clock::time_point now,
                        resume_handler done) = 0;

    /// Removes `who` from `room` (or cancels its pending join there) and tells the
    /// remaining members (member_left); an empty room ceases to exist. Nothing happens
    /// if `who` is not there. Rule 12: `leave` releases a seat at once, lease or not.
    virtual void leave(std::string const& room, member& who, clock::time_point now) = 0;

    /// Rule 12: `who`'s connection ended without `leave`. With a lease its seat is held
    /// until `now` + the lease and the others are told member_down; without one, leave().
    virtual void drop(std::string const& room, member& who, clock::time_point now) = 0;

    /// Rules 11 and 12 at a planned stop: `who`'s connection is closing (its close frame
    /// is on its way), but what its client sent before it saw the close is still to be
    /// read. The seat is held now, as drop() holds it (the others get member_down, what
    /// is relayed to it is kept), yet `who` may still relay from it, or leave it, until
    /// drop() or leave() ends that, so nothing its client sent is lost. Without a lease,
    /// the same as drop().
    virtual void hold(std::string const& room, member& who, clock::time_point now) = 0;

    /// Runs `done` once every change made so far is in effect for every node (a
    /// cluster's store has run them all; at once here, for a registry of this process
    /// only), or cannot be (the store is out of reach). A planned stop sends its close
    /// frames only then: a client that comes back at once through another node must find
    /// its seat held, not still here.
    virtual void when_applied(std::function<void()> done) = 0;

    /// Rule 12: releases every held seat whose lease has ended at `now` (a lease covers
    /// [start, start + lease)): its kept frames are discarded, the others told member_left.
    /// Returns how many it released.
    virtual std::size_t expire(clock::time_point now) = 0;

    /// When the next lease ends; none while no seat is held.
    virtual std::optional<clock::time_point> next_expiry() const = 0;

    // unavailable: some receivers are on other nodes and the store is out of reach; the
    // members this process holds got it all the same.
    enum class relay_status { relayed, not_in_room, no_such_peer, unavailable };
    struct relay_result {
        relay_status status;
        std::size_t receivers = 0;  // delivered, or kept for a held seat
        std::size_t not_kept = 0;   // held seats whose keep was full (rule 12: peer_unavailable)
    };

    /// Delivers `frame` to every member of `room` but `from`, or only to the member
    /// whose id is `to`; keeps it for a held seat. Refuses if `from` is not a member, or
    /// `to` names no other member. A registry that relays through a store may learn of a
    /// refusal only later: it then tells `from` through member::relay_refused.
    virtual relay_result relay(std::string const& room, member const& from, std::string_view frame,
                               std::optional<std::string_view> to) = 0;

    virtual std::size_t room_count() const = 0;
    virtual std::size_t member_count() const = 0;  // seats, held ones included
    virtual std::size_t held_count() const = 0;
};

}  // namespace duet::rooms
