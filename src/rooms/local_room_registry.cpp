#include <duet/rooms/local_room_registry.hpp>

#include <algorithm>

namespace duet::rooms {

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
    receiver_list const others(it->second.begin(), it->second.end());
    it->second.push_back(&who);
    ++members_;
    auto const peers = it->second.size();
    for (auto* other : others) {
        other->member_joined(room, who.id());
    }
    done({join_status::joined, peers});
}

void local_room_registry::leave(std::string const& room, member& who) {
    auto const it = rooms_.find(room);
    if (it == rooms_.end()) {
        return;
    }
    auto& members = it->second;
    auto const self = std::find(members.begin(), members.end(), &who);
    if (self == members.end()) {
        return;
    }
    members.erase(self);
    --members_;
    if (members.empty()) {
        rooms_.erase(it);
        return;
    }
    // Rule 6: the others get `bye`.
    receiver_list const others(members.begin(), members.end());
    for (auto* other : others) {
        other->member_left(room, who.id());
    }
}

local_room_registry::relay_result local_room_registry::relay(std::string const& room, member const& from,
                                                             std::string_view frame,
                                                             std::optional<std::string_view> to) {
    auto const it = rooms_.find(room);
    if (it == rooms_.end() || std::find(it->second.begin(), it->second.end(), &from) == it->second.end()) {
        return {relay_status::not_in_room};
    }
    receiver_list targets;
    for (auto* m : it->second) {
        if (m != &from && (!to || m->id() == *to)) {
            targets.push_back(m);
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
