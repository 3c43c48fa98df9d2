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

template <class Predicate>
room_registry::receiver_list room_registry::receivers(member_list const& members, Predicate wanted) {
    receiver_list found;
    for (auto const& m : members) {
        if (wanted(m)) {
            if (auto receiver = m.who.lock()) {
                found.push_back(std::move(receiver));
            }
        }
    }
    return found;
}

void room_registry::deliver_to(receiver_list const& receivers, std::string const& room, shared_frame const& frame) {
    for (auto const& receiver : receivers) {
        receiver->deliver(room, frame);
    }
}

room_registry::join_result room_registry::join(std::string const& room, std::shared_ptr<peer> const& who) {
    std::unique_lock lock(mutex_);
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
    auto const others = receivers(members, [](member const&) { return true; });
    members.push_back(member{who->id(), who, who.get()});
    ++members_;
    auto const peers = members.size();
    lock.unlock();
    if (!others.empty()) {
        deliver_to(others, room, std::make_shared<std::string const>(protocol::encode_otherjoin(room, who->id())));
    }
    return {join_status::joined, peers};
}

bool room_registry::leave(std::string const& room, peer const& who) {
    std::unique_lock lock(mutex_);
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
    auto const others = receivers(members, [](member const&) { return true; });
    lock.unlock();
    deliver_to(others, room, std::make_shared<std::string const>(protocol::encode_bye(room, id)));
    return true;
}

room_registry::relay_result room_registry::relay(std::string const& room, peer const& from,
                                                 shared_frame const& frame,
                                                 std::optional<std::string_view> to) {
    std::unique_lock lock(mutex_);
    auto const it = rooms_.find(room);
    if (it == rooms_.end() || find(it->second, from) == it->second.end()) {
        return {relay_status::not_in_room};
    }
    auto const targets =
        receivers(it->second, [&](member const& m) { return m.identity != &from && (!to || m.id == *to); });
    lock.unlock();
    // `to` naming yourself, or nobody here: rule 4's no_such_peer.
    if (to && targets.empty()) {
        return {relay_status::no_such_peer};
    }
    deliver_to(targets, room, frame);
    return {relay_status::relayed, targets.size()};
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
