#pragma once

#include <cstdint>

namespace duet::protocol {

/// The WebSocket close codes the daemon sends (RFC 6455 section 7.4; docs/protocol.md
/// transport, rules 5, 7, 8, 11, 12).
enum class close_code : std::uint16_t {
    going_away = 1001,        // shutdown, idle timeout
    unsupported_data = 1003,  // a binary frame
    policy_violation = 1008,  // slow consumer, too many refused requests
    message_too_big = 1009,   // over max_message_bytes
    internal_error = 1011,
    replaced = 4000,          // rule 12: the seat was resumed on another connection
};

}  // namespace duet::protocol
