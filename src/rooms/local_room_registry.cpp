#include <duet/rooms/local_room_registry.hpp>

#include <algorithm>

namespace duet::rooms {
namespace {

/// Rule 13: roles exist only in a room of capacity 2. A joiner that finds the room
/// empty is impolite; one that finds a member there takes the role that member does not
/// hold, so a room whose first member left and was replaced still has one of each.
protocol::role role_for_joiner(std::size_t capacity, protocol::role present) {
    if (capacity != 2) {
        return protocol::role::none;
    }
    return present == protocol::role::none ? protocol::role::impolite : protocol::opposite(present);
}

}  // namespace

local_room_registry::local_room_registry(std::size_t room_capacity, std::size_t max_rooms)
    : room_capacity_(room_capacity), max_rooms_(max_rooms) {}

void local_room_registry::join(std::string const& room, member& who, join_handler done) {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) {
        if (rooms_.size() >= max_rooms_) {
            return done({join_status::room_limit});
        }
        it = rooms_.emplace(room, member_list{}).first;
        it->second.reserve(room_capacity_);
    } else if (it->second.size() >= room_capacity_) {
        return done({join_status::full});
    }
    auto& seats = it->second;
    receiver_list others;
    for (auto const& s : seats) {
        others.push_back(s.who);
    }
    auto const role = role_for_joiner(room_capacity_, seats.empty() ? protocol::role::none : seats.front().role);
    seats.push_back({&who, role});
    ++members_;
    auto const peers = seats.size();
    for (auto* other : others) {
        other->member_joined(room, who.id());
    }
    done({join_status::joined, peers, role});
}

void local_room_registry::leave(std::string const& room, member& who) {
    auto const it = rooms_.find(room);
    if (it == rooms_.end()) {
        return;
    }
    auto& seats = it->second;
    auto const self = std::find_if(seats.begin(), seats.end(), [&](seat const& s) { return s.who == &who; });
    if (self == seats.end()) {
        return;
    }
    seats.erase(self);
    --members_;
    if (seats.empty()) {
        rooms_.erase(it);
        return;
    }
    // Rule 6: the others get `bye`.
    receiver_list others;
    for (auto const& s : seats) {
        others.push_back(s.who);
    }
    for (auto* other : others) {
        other->member_left(room, who.id());
    }
}

local_room_registry::relay_result local_room_registry::relay(std::string const& room, member const& from,
                                                             std::string_view frame,
                                                             std::optional<std::string_view> to) {
    auto const it = rooms_.find(room);
    if (it == rooms_.end() ||
        std::none_of(it->second.begin(), it->second.end(), [&](seat const& s) { return s.who == &from; })) {
        return {relay_status::not_in_room};
    }
    receiver_list targets;
    for (auto const& s : it->second) {
        if (s.who != &from && (!to || s.who->id() == *to)) {
            targets.push_back(s.who);
        }
    }
    // `to` naming yourself, or nobody here: rule 4's no_such_peer.
    if (to && targets.empty()) {
        return {relay_status::no_such_peer};
    }
    for (auto* target : targets) {
        target->deliver(frame);
    }
    return {relay_status::relayed, targets.size()};
}

}  // namespace duet::rooms
