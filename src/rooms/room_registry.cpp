#include <duet/rooms/room_registry.hpp>

#include <duet/protocol/server_message.hpp>

#include <algorithm>

namespace duet::rooms {

room_registry::room_registry(std::size_t room_capacity, std::size_t max_rooms)
    : room_capacity_(room_capacity), max_rooms_(max_rooms) {}

room_registry::member_list::iterator room_registry::find(member_list& members, peer const& who) {
    return std::find_if(members.begin(), members.end(),
                        [&](member const& m) { return m.identity == &who; });
}

room_registry::join_result room_registry::join(std::string const& room, std::shared_ptr<peer> const& who) {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) {
        if (rooms_.size() >= max_rooms_) {
            return {join_status::room_limit};
        }
        it = rooms_.emplace(room, member_list{}).first;
        it->second.reserve(room_capacity_);
    } else if (it->second.size() >= room_capacity_) {
        return {join_status::full};
    }
    auto& members = it->second;
    if (!members.empty()) {
        auto const frame = std::make_shared<std::string const>(protocol::encode_otherjoin(room, who->id()));
        for (auto const& m : members) {
            if (auto receiver = m.who.lock()) {
                receiver->deliver(room, frame);
            }
        }
    }
    members.push_back(member{who->id(), who, who.get()});
    ++members_;
    return {join_status::joined, members.size()};
}

bool room_registry::leave(std::string const& room, peer const& who) {
    std::lock_guard lock(mutex_);
    auto const it = rooms_.find(room);
    if (it == rooms_.end()) {
        return false;
    }
    auto& members = it->second;
    auto const self = find(members, who);
    if (self == members.end()) {
        return false;
    }
    std::string const id = self->id;
    members.erase(self);
    --members_;
    if (members.empty()) {
        rooms_.erase(it);
        return true;
    }
    auto const frame = std::make_shared<std::string const>(protocol::encode_bye(room, id));
    for (auto const& m : members) {
        if (auto receiver = m.who.lock()) {
            receiver->deliver(room, frame);
        }
    }
    return true;
}

room_registry::relay_result room_registry::relay(std::string const& room, peer const& from,
                                                 shared_frame const& frame,
                                                 std::optional<std::string_view> to) {
    std::lock_guard lock(mutex_);
    auto const it = rooms_.find(room);
    if (it == rooms_.end() || find(it->second, from) == it->second.end()) {
        return {relay_status::not_in_room};
    }
    std::size_t receivers = 0;
    for (auto const& m : it->second) {
        if (m.identity == &from || (to && m.id != *to)) {
            continue;
        }
        if (auto receiver = m.who.lock()) {
            receiver->deliver(room, frame);
            ++receivers;
        }
    }
    // `to` naming yourself, or nobody here: rule 4's no_such_peer.
    if (to && receivers == 0) {
        return {relay_status::no_such_peer};
    }
    return {relay_status::relayed, receivers};
}

std::size_t room_registry::room_count() const {
    std::lock_guard lock(mutex_);
    return rooms_.size();
}

std::size_t room_registry::member_count() const {
    std::lock_guard lock(mutex_);
    return members_;
}

}  // namespace duet::rooms
