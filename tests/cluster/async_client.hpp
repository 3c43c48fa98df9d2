#pragma once

#include "support/ws_client.hpp"

#include <duet/net/asio.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace duet::testing {

/// One io_context run by one thread, shared by many async_clients: the clients read
/// all the time (so a member that is sent 10,000 messages never backs up the daemon)
/// while the test's thread decides what to send and checks what arrived. The destructor
/// stops the loop and joins the thread; destroy the clients' last references first.
class client_loop {
public:
    client_loop();
    ~client_loop();
    client_loop(client_loop const&) = delete;
    client_loop& operator=(client_loop const&) = delete;

    asio::io_context& context() noexcept { return ioc_; }

private:
    asio::io_context ioc_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;
};

/// A WebSocket client of the cluster tests that reads continuously on a client_loop.
/// Owned by shared_ptr; its pending read holds one, so it lives until its connection
/// ends (close() or abandon() end it; so does the client_loop's end). Its socket is touched only on
/// the loop's thread; the test's thread calls the public members, which post to the
/// loop or read what the loop recorded under a mutex.
///
/// Writes are queued and written one at a time in order; each records whether the
/// socket accepted it (its async_write completed without error) under the tag the test
/// gave it, which is how a test counts the messages "sent".
class async_client : public std::enable_shared_from_this<async_client> {
public:
    /// Connects to 127.0.0.1:port and upgrades within `timeout`; throws
    /// std::runtime_error on failure.
    static std::shared_ptr<async_client> connect(client_loop& loop, std::uint16_t port,
                                                 std::chrono::milliseconds timeout = 5s);

    explicit async_client(client_loop& loop);  // use connect()
    ~async_client();

    /// Queues `message` for writing; its outcome is recorded under `tag`.
    void send(json const& message, std::uint64_t tag = 0);

    /// The next message received (parsed), or nullopt when none arrived by `deadline`
    /// (or the connection ended and everything before the end was taken).
    std::optional<json> next(std::chrono::steady_clock::time_point deadline);
    std::optional<json> next_within(std::chrono::milliseconds timeout) {
        return next(std::chrono::steady_clock::now() + timeout);
    }
    /// The next message, which must have `type` (a gtest failure and nullopt otherwise).
    std::optional<json> expect(std::string const& type, std::chrono::milliseconds timeout = 5s);
    /// Everything received so far, without waiting.
    std::vector<json> take_all();
    /// Waits until a message arrives or the connection ends, at most until `deadline`.
    void wait_any(std::chrono::steady_clock::time_point deadline);

    /// How the connection ended (code 0: without a close frame), or nullopt while open.
    std::optional<ws_closed> ended() const;
    /// Waits for the end up to `deadline`, discarding nothing (messages stay queued).
    std::optional<ws_closed> wait_end(std::chrono::steady_clock::time_point deadline);

    /// The tags of the writes the socket accepted, in the order they completed.
    std::vector<std::uint64_t> accepted() const;
    std::size_t accepted_count() const;
    std::size_t failed_count() const;
    /// Writes queued and not yet completed.
    std::size_t unfinished_writes() const;

    /// Starts a normal close handshake (code 1000).
    void close();
    /// Drops the TCP connection without a close frame.
    void abandon();

private:
    void do_read();
    void do_write();

    client_loop& loop_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    // Loop thread only.
    std::deque<std::pair<std::shared_ptr<std::string const>, std::uint64_t>> outbox_;
    bool writing_ = false;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<json> inbox_;
    std::optional<ws_closed> ended_;
    std::vector<std::uint64_t> accepted_;
    std::size_t failed_ = 0;
    std::size_t queued_ = 0;
};

}  // namespace duet::testing
