#pragma once

#include <duet/metrics/counters.hpp>
#include <duet/protocol/close_code.hpp>

#include <string_view>

namespace duet::signaling {

/// What the signaling rules need from the connection under them: a way to send a
/// frame and a way to close. ws::websocket_session implements it over a WebSocket;
/// the rules' unit tests use a recording fake.
class transport {
public:
    virtual ~transport() = default;

    /// Sends one whole text frame behind everything sent before. False, and nothing
    /// sent, when that would take the connection's unsent bytes past
    /// max_send_queue_bytes (rule 5: the caller then closes the connection).
    virtual bool send(std::string_view frame) = 0;

    /// Starts closing the connection with `code` and `reason`; `why` is counted. After
    /// this nothing more is sent or read. Never calls back into the rules before it
    /// returns: connection::on_closed() follows from a later event-loop handler. (It may
    /// be called while the room registry walks a room, when a receiver falls behind.)
    virtual void close(protocol::close_code code, std::string_view reason, metrics::close_reason why) = 0;
};

}  // namespace duet::signaling
