#pragma once

#include <duet/net/asio.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace duet::testing {

using namespace std::chrono_literals;

/// A WebSocket client at the byte level, for what a well-behaved client library never
/// does: announce a frame and keep sending it after the server closed, never answer a
/// close, stream garbage. It does the upgrade itself, then writes and reads raw bytes;
/// every step has a deadline. Blocking, on the test's thread.
class raw_ws {
public:
    /// Connects to 127.0.0.1:port and completes the upgrade; throws on failure.
    explicit raw_ws(std::uint16_t port);

    /// Writes all of `bytes` within `timeout`; the error if the connection failed
    /// (a reset, a broken pipe) or timed_out.
    error_code write(std::string_view bytes, std::chrono::milliseconds timeout = 5s);

    /// How the connection ended, as this client saw it.
    struct ending {
        std::string bytes;          // everything the server sent after the upgrade
        error_code how;             // eof: an orderly end; connection_reset: a reset
        bool timed_out = false;     // still open at the deadline
        std::chrono::milliseconds after{0};  // how long the wait took
    };
    /// Reads until the server ends the connection, or `timeout`.
    ending read_to_end(std::chrono::milliseconds timeout);

    /// Waits until the server's bytes hold a whole close frame, within `timeout`;
    /// returns its code (nullopt if none came), keeping the bytes for read_to_end.
    std::optional<int> wait_for_close(std::chrono::milliseconds timeout = 5s);

    tcp::socket& socket() noexcept { return socket_; }

    /// A client frame (masked with a zero key, which leaves the payload as is), with
    /// the shortest length encoding; `announced` claims a longer payload than given.
    static std::string frame(std::uint8_t opcode, std::string_view payload,
                             std::optional<std::uint64_t> announced = std::nullopt);
    static std::string close_frame(int code);

    /// The code of the first close frame in `server_bytes` (unmasked server frames).
    static std::optional<int> close_code_in(std::string_view server_bytes);

private:
    /// Waits for `events` on the socket until `deadline`; false on timeout.
    bool wait(short events, std::chrono::steady_clock::time_point deadline);

    asio::io_context ioc_;
    tcp::socket socket_;
    std::string received_;
};

}  // namespace duet::testing
