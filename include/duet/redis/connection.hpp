#pragma once

#include <duet/net/asio.hpp>
#include <duet/redis/address.hpp>
#include <duet/redis/error.hpp>
#include <duet/redis/reply.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct redisAsyncContext;

namespace duet::redis {

/// A command's outcome: the server's reply (an error reply included), or an error_code
/// when the command never got one (redis::error, or asio::error::invalid_argument for an
/// empty command or one that command() refuses).
using command_result = boost::system::result<reply>;
using command_handler = std::function<void(command_result)>;
/// Connect's outcome, and the end of a ready connection: the code, and hiredis's or the
/// server's words for it (empty on success).
using connect_handler = std::function<void(error_code, std::string const& detail)>;
using lost_handler = std::function<void(error_code, std::string const& detail)>;

struct connection_options {
    /// Covers the resolve, the connect and the AUTH and SELECT round trips.
    std::chrono::steady_clock::duration connect_timeout = std::chrono::seconds(2);
};

/// One connection to a Redis server through hiredis's asynchronous API, driven by the
/// owner's event loop: hiredis owns the socket and parses replies, and this class
/// watches the socket with a stream_descriptor and calls hiredis when it is readable;
/// once connected, it writes what hiredis holds at the end of each turn of the loop and
/// waits for writability only when the socket did not take it all. hiredis 0.14 has no
/// timers of its own, so the connect timeout is a steady_timer here.
///
/// Ownership: the owner holds the only shared_ptr (create() makes it). Pending waits hold
/// weak_ptrs, so dropping the last shared_ptr closes the connection like close() does.
///
/// Threading: every member must be called on the executor's single thread, and every
/// handler runs there, always posted (never from inside the call that started it, and
/// never from inside hiredis, so a handler may send commands, close the connection or
/// drop it).
///
/// Guarantees: every command's handler runs exactly once, in the order the commands were
/// sent: with the reply, or with an error when the connection could not take the command,
/// failed or was closed first. A connection connects once: to reconnect, the owner
/// creates a new one (with a delay of its choosing; see reconnect_delay.hpp) from its
/// lost handler. Commands issued before connect has reported success fail with
/// error::not_connected: AUTH and SELECT go first and nothing may overtake them.
///
/// Process-wide: connect() sets SIGPIPE to ignored if it still has its default action,
/// because hiredis 0.14 writes with write(2) and a server that has gone would otherwise
/// end the process.
class connection : public std::enable_shared_from_this<connection> {
public:
    static std::shared_ptr<connection> create(asio::any_io_executor executor, address where,
                                              connection_options options = {});
    ~connection();
    connection(connection const&) = delete;
    connection& operator=(connection const&) = delete;

    /// Called once if a connection that was ready ends without close(): the server went
    /// away, the socket failed or hiredis met a protocol error. Set it before connect().
    void on_lost(lost_handler handler) { on_lost_ = std::move(handler); }

    /// Resolves, connects, sends AUTH (when the address has a password) and SELECT (when
    /// its db is not 0), then reports once. A second call reports already_started.
    void connect(connect_handler handler);

    /// Sends one command, binary-safe (`args` may hold any bytes, NUL included). Only
    /// commands with one reply each: (P/S)(UN)SUBSCRIBE and MONITOR are refused with
    /// invalid_argument (use Streams), and CLIENT REPLY OFF/SKIP must not be sent.
    void command(std::vector<std::string> args, command_handler handler);

    /// Ends the connection: pending commands and a pending connect fail with
    /// error::closed; the lost handler is not called. Idempotent.
    void close();

    bool ready() const noexcept { return state_ == state::ready; }
    address const& where() const noexcept { return where_; }
    asio::any_io_executor get_executor() const noexcept { return executor_; }

private:
    enum class state { idle, resolving, connecting, logging_in, ready, ended };
    struct pending_command;

    connection(asio::any_io_executor executor, address where, connection_options options);

    void on_resolved(error_code ec, tcp::resolver::results_type results);
    void start_hiredis(redisAsyncContext* context);
    void on_timeout(error_code ec);
    void log_in();
    void on_login_reply(command_result const& result, error step_error, bool last);
    void send(std::vector<std::string> const& args, command_handler handler);
    void teardown(error reason, std::string detail);
    void on_context_gone();
    void finish_connect(error_code ec, std::string detail);
    void complete(command_handler handler, command_result result);

    void arm_read();
    void arm_write();
    void on_readable(error_code ec);
    void on_writable(error_code ec);
    void post_write();
    void write_now();

    // hiredis's callbacks and event hooks: `data` is this connection.
    static void hook_add_read(void* data);
    static void hook_del_read(void* data);
    static void hook_add_write(void* data);
    static void hook_del_write(void* data);
    static void hook_cleanup(void* data);
    static void hiredis_on_connect(redisAsyncContext const* context, int status);
    static void hiredis_on_reply(redisAsyncContext* context, void* reply, void* privdata);

    asio::any_io_executor executor_;
    address where_;
    connection_options options_;
    tcp::resolver resolver_;
    asio::steady_timer timer_;
    // Borrows hiredis's fd: released (never closed) before hiredis closes it.
    asio::posix::stream_descriptor descriptor_;
    redisAsyncContext* context_ = nullptr;  // owned; null once hiredis has freed it
    state state_ = state::idle;
    bool want_read_ = false;   // what hiredis asked for through its hooks
    bool want_write_ = false;
    bool read_armed_ = false;  // whether an async_wait is pending
    bool write_armed_ = false;
    bool write_posted_ = false;  // a write_now() is posted for the end of this turn
    bool writing_ = false;       // inside redisAsyncHandleWrite
    std::optional<error> ending_;  // why we end it ourselves (closed, timeout, auth...)
    std::string detail_;
    connect_handler on_connect_;
    lost_handler on_lost_;
};

}  // namespace duet::redis
