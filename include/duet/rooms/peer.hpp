#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace duet::rooms {

/// An encoded frame, shared by every receiver of one relay.
using shared_frame = std::shared_ptr<std::string const>;

/// What the room registry knows of a member: its id and a way to hand it a frame.
/// The WebSocket session implements it; tests use recording fakes.
class peer {
public:
    virtual ~peer() = default;

    /// The server-assigned id; fixed for the peer's life.
    virtual std::string const& id() const noexcept = 0;

    /// Queues `frame` for sending, as a member of `room`. Called from any thread, never
    /// under the registry's lock: it may send at once when the caller runs where the
    /// receiver does (one event-loop thread), or post to the receiver's own thread.
    virtual void deliver(std::string_view room, shared_frame frame) = 0;
};

}  // namespace duet::rooms
