#pragma once

#include <duet/rooms/room_registry.hpp>

#include <boost/container/small_vector.hpp>

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace duet::rooms {

/// The rooms of this process, in memory. Every call completes before it returns (a
/// join's handler included). Owned by app::server; used on its event-loop thread only,
/// so it needs no lock.
///
/// Members are told of events while the registry walks a copy of the receivers, not the
/// room itself: a member may leave (in a later handler) without invalidating the walk.
class local_room_registry final : public room_registry {
public:
    local_room_registry(std::size_t room_capacity, std::size_t max_rooms);

    void join(std::string const& room, member& who, join_handler done) override;
    void leave(std::string const& room, member& who) override;
    relay_result relay(std::string const& room, member const& from, std::string_view frame,
                       std::optional<std::string_view> to) override;

    std::size_t room_count() const override { return rooms_.size(); }
    std::size_t member_count() const override { return members_; }

private:
    struct seat {
        member* who;
        protocol::role role;
    };
    using member_list = std::vector<seat>;  // capacity is small: a scan beats a map
    // The receivers of one event; no allocation for small rooms.
    using receiver_list = boost::container::small_vector<member*, 3>;

    std::size_t const room_capacity_;
    std::size_t const max_rooms_;
    std::unordered_map<std::string, member_list> rooms_;
    std::size_t members_ = 0;
};

}  // namespace duet::rooms
