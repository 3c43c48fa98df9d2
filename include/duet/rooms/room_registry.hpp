#pragma once

#include <duet/protocol/role.hpp>
#include <duet/rooms/member.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace duet::rooms {

/// The rooms of the daemon and their members (docs/protocol.md rules 1, 3, 4, 6): who
/// may enter, who hears what. An interface, so that the signaling rules work the same
/// over this process's rooms (local_room_registry) or rooms shared by several daemons
/// through a store (a later implementation: its join needs a round trip, hence the
/// completion handler).
///
/// A registry holds plain references to its members: a member leaves every room it
/// joined (or asked to join) before it is destroyed. Rule 2 (one room per connection)
/// is the caller's check, since the caller knows its room.
class room_registry {
public:
    virtual ~room_registry() = default;

    enum class join_status { joined, full, room_limit };
    struct join_result {
        join_status status;
        std::size_t peers = 0;  // occupancy including the joiner, when joined
        // Rule 13: in a room of capacity 2, impolite for a joiner that found it empty,
        // else the role the member there does not hold; none in any other room.
        protocol::role role = protocol::role::none;
    };
    using join_handler = std::function<void(join_result)>;

    /// Adds `who` to `room` (created if needed) and tells the members already there
    /// (member_joined), then runs `done` exactly once: before join() returns, or later
    /// from the event loop. Until `done` has run, nothing is delivered to `who` from
    /// that room; the caller sends `joined` in `done`, so nothing relayed to it can
    /// overtake `joined` (rule 3).
    virtual void join(std::string const& room, member& who, join_handler done) = 0;

    /// Removes `who` from `room` (or cancels its pending join there) and tells the
    /// remaining members (member_left); an empty room ceases to exist. Nothing happens
    /// if `who` is not there.
    virtual void leave(std::string const& room, member& who) = 0;

    enum class relay_status { relayed, not_in_room, no_such_peer };
    struct relay_result {
        relay_status status;
        std::size_t receivers = 0;
    };

    /// Delivers `frame` to every member of `room` but `from`, or only to the member
    /// whose id is `to`. Refuses if `from` is not a member, or `to` names no other member.
    virtual relay_result relay(std::string const& room, member const& from, std::string_view frame,
                               std::optional<std::string_view> to) = 0;

    virtual std::size_t room_count() const = 0;
    virtual std::size_t member_count() const = 0;
};

}  // namespace duet::rooms
