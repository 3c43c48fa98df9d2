#pragma once

#include <duet/rooms/peer.hpp>

#include <boost/container/small_vector.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace duet::rooms {

/// All rooms of the daemon and their members (PROTOCOL.md rules 1, 3, 4, 6). Owned by
/// the server, shared by every session; every member function is thread-safe behind one
/// mutex. Inside the lock it only edits maps and picks the receivers; peer::deliver() is
/// called after the lock is released, because a delivery may run at once and call back
/// (a receiver over its send limit is closed and leaves its room). It holds weak_ptrs:
/// a session owns itself and leaves explicitly when it closes.
///
/// The registry does not know which room a connection is in outside of its maps; rule 2
/// (one room per connection) is the session's check, since the session knows its room.
class room_registry {
public:
    room_registry(std::size_t room_capacity, std::size_t max_rooms);

    enum class join_status { joined, full, room_limit };
    struct join_result {
        join_status status;
        std::size_t peers = 0;  // occupancy including the joiner, when joined
    };

    /// Adds `who` to `room`, creating the room if needed, and delivers `otherjoin` to
    /// the members already there. The caller sends `joined` to `who` itself, on its
    /// own strand, in the same handler (so nothing relayed to it can overtake it).
    join_result join(std::string const& room, std::shared_ptr<peer> const& who);

    /// Removes `who` from `room` and delivers `bye` to the remaining members; an empty
    /// room ceases to exist. Returns false (and changes nothing) if it was no member.
    bool leave(std::string const& room, peer const& who);

    enum class relay_status { relayed, not_in_room, no_such_peer };
    struct relay_result {
        relay_status status;
        std::size_t receivers = 0;
    };

    /// Delivers `frame` to every member of `room` but `from`, or only to the member
    /// whose id is `to`. Refuses if `from` is not a member, or `to` names no other member.
    relay_result relay(std::string const& room, peer const& from, shared_frame const& frame,
                       std::optional<std::string_view> to = std::nullopt);

    std::size_t room_count() const;
    std::size_t member_count() const;

private:
    struct member {
        std::string id;
        std::weak_ptr<peer> who;
        peer const* identity;  // compared, never dereferenced
    };
    using member_list = std::vector<member>;  // capacity is small: a scan beats a map
    // The receivers of one delivery, taken under the lock; no allocation for small rooms.
    using receiver_list = boost::container::small_vector<std::shared_ptr<peer>, 3>;

    static member_list::iterator find(member_list& members, peer const& who);
    template <class Predicate>
    static receiver_list receivers(member_list const& members, Predicate wanted);
    static void deliver_to(receiver_list const& receivers, std::string const& room, shared_frame const& frame);

    std::size_t const room_capacity_;
    std::size_t const max_rooms_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, member_list> rooms_;
    std::size_t members_ = 0;
};

}  // namespace duet::rooms
