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

    /// Queues `frame` for sending, as a member of `room`. Called from any thread,
    /// possibly under the registry's lock: it must only post, never block or call back
    /// into the registry.
    virtual void deliver(std::string_view room, shared_frame frame) = 0;
};

}  // namespace duet::rooms
