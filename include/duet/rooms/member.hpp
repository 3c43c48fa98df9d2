#pragma once

#include <duet/protocol/error_code.hpp>

#include <string>
#include <string_view>

namespace duet::rooms {

/// What a room registry knows of a member: its id, and how to tell it what happens in
/// its room. signaling::connection implements it; tests use recording fakes.
///
/// The registry calls these while it walks a room's members, so an implementation
/// must not call back into the registry from them (a receiver that has to close, say
/// as a slow consumer, leaves its room later, from a fresh event-loop handler).
class member {
public:
    virtual ~member() = default;

    /// The server-assigned peer id. It changes only when the member resumes a held seat
    /// (rule 12), whose id it then carries.
    virtual std::string const& id() const noexcept = 0;

    /// A message relayed to this member: `frame` is the whole encoded `message`,
    /// shared by every receiver and valid only during the call. After a resume, also
    /// each frame kept for the seat while it was held.
    virtual void deliver(std::string_view frame) = 0;

    /// Another member, `who`, entered `room` (`otherjoin`) or left it (`bye`).
    virtual void member_joined(std::string_view room, std::string_view who) = 0;
    virtual void member_left(std::string_view room, std::string_view who) = 0;

    /// Rule 12: another member's connection ended and its seat is held (`peerdown`), or
    /// it took the seat back (`peerup`).
    virtual void member_down(std::string_view room, std::string_view who) = 0;
    virtual void member_up(std::string_view room, std::string_view who) = 0;

    /// Rule 12: this member's seat in `room` was resumed on another connection; the
    /// member is no longer in the room (close with 4000, and do not leave it).
    virtual void replaced(std::string_view room) = 0;

    /// A message this member relayed earlier was refused after relay() returned (a
    /// registry that relays through a store learns it from the reply): no_such_peer (the
    /// `to` left meanwhile), peer_unavailable (rule 12, a held seat's keep was full) or
    /// unavailable (the store went away). A registry that decides at once never calls it.
    virtual void relay_refused(protocol::error_code code) { (void)code; }
};

}  // namespace duet::rooms
