#include <duet/rooms/local_room_registry.hpp>

#include <duet/logging/event.hpp>
#include <duet/logging/setup.hpp>
#include <duet/protocol/identifiers.hpp>
#include <duet/protocol/server_message.hpp>

#include <algorithm>
#include <utility>

namespace duet::rooms {
namespace {

/// Rule 13: roles exist only in a room of capacity 2. A joiner that finds the room
/// empty is impolite; one that finds a member there (connected or held) takes the role
/// that member does not hold, so a room whose first member left and was replaced still
/// has one of each.
protocol::role role_for_joiner(std::size_t capacity, protocol::role present) {
    if (capacity != 2) {
        return protocol::role::none;
    }
    return present == protocol::role::none ? protocol::role::impolite : protocol::opposite(present);
}

/// How an event reaches one connected member (the frame of it is kept for held ones).
void tell(member& m, room_event e, std::string_view room, std::string_view who) {
    switch (e) {
    case room_event::joined: return m.member_joined(room, who);
    case room_event::left: return m.member_left(room, who);
    case room_event::down: return m.member_down(room, who);
    case room_event::up: return m.member_up(room, who);
    }
}

std::string frame_of(room_event e, std::string_view room, std::string_view who) {
    switch (e) {
    case room_event::joined: return protocol::encode_otherjoin(room, who);
    case room_event::left: return protocol::encode_bye(room, who);
    case room_event::down: return protocol::encode_peerdown(room, who);
    case room_event::up: return protocol::encode_peerup(room, who);
    }
    return {};
}

/// The seat of `seats` whose secret is `secret` and may be resumed at `now`, or null.
/// A lease covers [start, lease_end): at lease_end the seat is gone, whether or not
/// expire() has run yet. (A template so that one scan serves the const and the mutable
/// callers.)
template <class Seats>
auto* find_secret_in(Seats& seats, std::string_view secret, room_registry::clock::time_point now) {
    for (auto& s : seats) {
        if (protocol::same_secret(secret, s.resume) && (s.who != nullptr || now < s.lease_end)) {
            return &s;
        }
    }
    return static_cast<decltype(&seats.front())>(nullptr);
}

/// Whether `m` speaks for seat `s`: it is connected there, or drains it (hold()).
bool speaks_for(auto const& s, member const& m) {
    return s.who == &m || s.draining == &m;
}

}  // namespace

local_room_registry::local_room_registry(std::size_t room_capacity, std::size_t max_rooms, lease_terms lease,
                                         metrics::counters* counters)
    : room_capacity_(room_capacity), max_rooms_(max_rooms), lease_(std::move(lease)), counters_(counters) {}

std::string local_room_registry::new_secret() const {
    // Rule 12: `joined` carries `resume` only when seat_lease > 0.
    return lease_.seat_lease.count() > 0 ? protocol::make_resume_secret() : std::string();
}

void local_room_registry::join(std::string const& room, member& who, clock::time_point now, join_handler done) {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) {
        if (rooms_.size() >= max_rooms_) {
            return done({join_status::room_limit});
        }
        it = rooms_.emplace(room, room_state{}).first;
        it->second.seats.reserve(room_capacity_);
    } else if (it->second.seats.size() >= room_capacity_) {
        // Rule 12: a held seat counts toward the capacity.
        return done({join_status::full});
    }
    auto& seats = it->second.seats;
    auto const role = role_for_joiner(room_capacity_, seats.empty() ? protocol::role::none : seats.front().role);
    seats.push_back({who.id(), &who, role, new_secret(), {}, kept_messages(lease_.queue_bytes)});
    ++members_;
    auto const peers = seats.size();
    if (peers == 1) {
        it->second.alone_since = now;
    } else if (peers == 2) {
        it->second.paired_since = now;
        if (counters_ != nullptr) {
            counters_->calls.partner_wait.observe(now - it->second.alone_since);
        }
    }
    auto const resume = seats.back().resume;
    tell_others(it->first, seats, &who, room_event::joined, who.id());
    done({join_status::joined, peers, role, resume});
}

local_room_registry::seat* local_room_registry::find_secret(std::string const& room, std::string_view secret,
                                                            clock::time_point now) {
    auto const it = rooms_.find(room);
    return it == rooms_.end() ? nullptr : find_secret_in(it->second.seats, secret, now);
}

bool local_room_registry::can_resume(std::string const& room, std::string_view secret, clock::time_point now) const {
    auto const it = rooms_.find(room);
    return it != rooms_.end() && find_secret_in(it->second.seats, secret, now) != nullptr;
}

void local_room_registry::resume(std::string const& room, std::string_view secret, member& who, clock::time_point now,
                                 resume_handler done) {
    auto* s = find_secret(room, secret, now);
    if (s == nullptr) {
        return done({});
    }
    auto& seats = rooms_.find(room)->second.seats;
    auto* const old = s->who;
    s->who = &who;
    s->draining = nullptr;  // a connection still draining it relays from it no more
    s->resume = new_secret();  // the presented one is spent
    resume_result result{true, s->id, seats.size(), s->role, s->resume};
    if (old != nullptr) {
        // Still connected: the seat moves and nobody else notices.
        old->replaced(room);
        return done(std::move(result));
    }
    forget_lease(room, *s);
    if (counters_ != nullptr) {
        // Counted here, past the replaced case: only a held seat is taken back.
        metrics::counters::add(counters_->leases_resumed_total);
        counters_->calls.lease_down.observe(now - (s->lease_end - lease_.seat_lease));
    }
    auto kept = s->kept.take();
    auto const id = s->id;
    done(std::move(result));
    // After `joined` (sent in done), in the order they were kept.
    for (auto const& frame : kept) {
        who.deliver(frame);
    }
    tell_others(room, rooms_.find(room)->second.seats, &who, room_event::up, id);
}

std::optional<local_room_registry::seat_place> local_room_registry::seat_of(std::string const& room,
                                                                             member const& who) {
    auto const it = rooms_.find(room);
    if (it == rooms_.end()) {
        return std::nullopt;
    }
    auto& seats = it->second.seats;
    auto const self = std::find_if(seats.begin(), seats.end(), [&](seat const& s) { return speaks_for(s, who); });
    if (self == seats.end()) {
        return std::nullopt;
    }
    return seat_place{it, self};
}

void local_room_registry::leave(std::string const& room, member& who, clock::time_point now) {
    if (auto const place = seat_of(room, who)) {
        release(place->room, place->self, now);
    }
}

void local_room_registry::drop(std::string const& room, member& who, clock::time_point now) {
    if (lease_.seat_lease.count() == 0) {
        return leave(room, who, now);
    }
    auto const place = seat_of(room, who);
    if (!place) {
        return;
    }
    if (place->self->who == nullptr) {
        // Held already by hold(): its connection has ended, and relays from it with it.
        place->self->draining = nullptr;
        return;
    }
    start_lease(*place, now);
}

void local_room_registry::hold(std::string const& room, member& who, clock::time_point now) {
    if (lease_.seat_lease.count() == 0) {
        return leave(room, who, now);
    }
    auto const place = seat_of(room, who);
    if (!place || place->self->who == nullptr) {
        return;
    }
    place->self->draining = &who;
    start_lease(*place, now);
}

void local_room_registry::start_lease(seat_place const& place, clock::time_point now) {
    auto const& room = place.room->first;
    auto& seats = place.room->second.seats;
    auto const self = place.self;
    self->who = nullptr;
    self->lease_end = now + lease_.seat_lease;
    leases_.emplace(self->lease_end, std::pair(room, self->id));
    if (counters_ != nullptr) {
        metrics::counters::add(counters_->leases_started_total);
    }
    auto const id = self->id;
    auto const end = self->lease_end;
    tell_others(room, seats, nullptr, room_event::down, id);
    if (lease_.alarm) {
        lease_.alarm(end);
    }
}

std::size_t local_room_registry::expire(clock::time_point now) {
    std::size_t released = 0;
    while (!leases_.empty() && leases_.begin()->first <= now) {
        auto const [room, id] = leases_.begin()->second;
        leases_.erase(leases_.begin());
        auto const it = rooms_.find(room);
        if (it == rooms_.end()) {
            continue;
        }
        auto& seats = it->second.seats;
        auto const held =
            std::find_if(seats.begin(), seats.end(), [&](seat const& s) { return s.who == nullptr && s.id == id; });
        if (held != seats.end()) {
            if (spdlog::should_log(spdlog::level::debug)) {  // the tag costs an HMAC
                logging::debug(logging::event("lease.expired").peer(logging::short_id(id)).room(logging::room_tag(room)),
                               "lease ended unused in room {}: the seat is released", room);
            }
            release(it, held, now);
            ++released;
        }
    }
    if (counters_ != nullptr) {
        metrics::counters::add(counters_->leases_expired_total, released);
    }
    return released;
}

std::optional<room_registry::clock::time_point> local_room_registry::next_expiry() const {
    if (leases_.empty()) {
        return std::nullopt;
    }
    return leases_.begin()->first;
}

void local_room_registry::forget_lease(std::string const& room, seat const& s) {
    auto [first, last] = leases_.equal_range(s.lease_end);
    for (auto it = first; it != last; ++it) {
        if (it->second.first == room && it->second.second == s.id) {
            leases_.erase(it);
            return;
        }
    }
}

void local_room_registry::release(room_map::iterator room, seat_list::iterator seat_it, clock::time_point now) {
    if (seat_it->who == nullptr) {
        forget_lease(room->first, *seat_it);
    }
    auto const id = seat_it->id;
    auto& seats = room->second.seats;
    seats.erase(seat_it);
    --members_;
    if (seats.empty()) {
        rooms_.erase(room);
        return;
    }
    if (seats.size() == 1) {
        // The pair ended; whoever stays waits again.
        room->second.alone_since = now;
        if (counters_ != nullptr) {
            counters_->calls.call_duration.observe(now - room->second.paired_since);
        }
    }
    // Rule 6: the others get `bye`.
    tell_others(room->first, seats, nullptr, room_event::left, id);
}

void local_room_registry::tell_others(std::string const& room, seat_list& seats, member const* except, room_event e,
                                      std::string const& who) {
    receiver_list connected;
    std::string frame;  // encoded only if a seat is held
    for (auto& s : seats) {
        if (s.who == except && except != nullptr) {
            continue;
        }
        if (s.who != nullptr) {
            connected.push_back(s.who);
        } else if (s.id != who) {
            if (frame.empty()) {
                frame = frame_of(e, room, who);
            }
            s.kept.keep_event(frame);
        }
    }
    for (auto* m : connected) {
        tell(*m, e, room, who);
    }
}

local_room_registry::relay_result local_room_registry::relay(std::string const& room, member const& from,
                                                             std::string_view frame,
                                                             std::optional<std::string_view> to) {
    auto const it = rooms_.find(room);
    if (it == rooms_.end() || std::none_of(it->second.seats.begin(), it->second.seats.end(),
                                           [&](seat const& s) { return speaks_for(s, from); })) {
        return {relay_status::not_in_room};
    }
    receiver_list targets;
    std::size_t kept = 0;
    std::size_t not_kept = 0;
    bool named = false;
    for (auto& s : it->second.seats) {
        if (speaks_for(s, from) || (to && s.id != *to)) {
            continue;
        }
        named = true;
        if (s.who != nullptr) {
            targets.push_back(s.who);
        } else if (s.kept.keep_message(frame)) {
            ++kept;  // rule 12: in order, for the resume
        } else {
            ++not_kept;
        }
    }
    // `to` naming yourself, or nobody here: rule 4's no_such_peer. A held member is
    // still a member (rule 12).
    if (to && !named) {
        return {relay_status::no_such_peer};
    }
    for (auto* target : targets) {
        target->deliver(frame);
    }
    return {relay_status::relayed, targets.size() + kept, not_kept};
}

}  // namespace duet::rooms
