#pragma once

#include <duet/net/asio.hpp>
#include <duet/rooms/room_registry.hpp>

#include <optional>

namespace duet::app {

/// Ends seat leases on time (docs/protocol.md rule 12). The room registry raises an
/// alarm when a lease starts (arm()); this timer wakes at the earliest lease end, calls
/// the registry's expire() with the time, and sleeps until the next one. The rules stay
/// in the registry, which takes `now` from its caller and is tested with a fake clock;
/// this only turns the clock.
///
/// Owned by app::server, declared after its io_context; used on the event loop only.
class lease_timer {
public:
    using clock = rooms::room_registry::clock;

    lease_timer(asio::io_context& ioc, rooms::room_registry& rooms);

    /// A lease ends at `end`: wake then, unless already waking earlier.
    void arm(clock::time_point end);

    /// Shutdown: no more waking (the leases die with the process).
    void stop();

private:
    void on_timer(error_code ec);

    rooms::room_registry& rooms_;
    asio::steady_timer timer_;
    std::optional<clock::time_point> armed_;  // when the pending wait ends
    bool stopped_ = false;
};

}  // namespace duet::app
