#pragma once

#include <duet/net/asio.hpp>

#include <boost/asio/any_completion_handler.hpp>

#include <cstddef>
#include <memory>
#include <utility>

namespace duet::net {

/// A TCP socket for a websocket::stream that sends the frames written close together
/// with one send.
///
/// Why: each delivered frame used to be its own sendmsg, and on loopback (and in a
/// VM) the per-packet cost of sendmsg is half of the daemon's CPU. Beast writes one
/// WebSocket message per call, so the gathering happens one layer down:
/// async_write_some copies the bytes into a pending buffer and completes at once; a
/// flush posted with the first of them sends everything pending when it runs, and
/// whatever is written while that write is in flight goes out in the next one.
/// (Flushing at the end of each event-loop pass was tried too: it gathered little
/// more on the relay benchmark and cost an extra epoll_wait per pass.) The flush
/// first offers the bytes to the kernel without waiting (MSG_DONTWAIT), and only what
/// the kernel does not take then waits for an asynchronous write.
///
/// The session's own data frames skip Beast's write operation altogether: append()
/// copies a frame in and sends it at once unless a write is in flight, with no
/// completion to run; the session bounds what waits with unsent_bytes() (PROTOCOL.md
/// rule 5's slow-consumer limit).
///
/// Nothing is dropped or reordered unless drop_unsent() is called: bytes leave in the
/// order they were written or appended, and control frames (pong, close) take the same
/// path. Back-pressure is kept for Beast's writes: once `high_water` bytes wait behind
/// a write still in flight, the next write completes only when that write does.
///
/// All members run on the socket's executor (the connection's strand). The buffers
/// and the socket live in a shared state that an in-flight write keeps alive.
class coalescing_socket {
public:
    using executor_type = tcp::socket::executor_type;
    using next_layer_type = tcp::socket;
    static constexpr std::size_t default_high_water = 64 * 1024;

    explicit coalescing_socket(tcp::socket&& socket, std::size_t high_water = default_high_water);
    ~coalescing_socket();
    coalescing_socket(coalescing_socket const&) = delete;
    coalescing_socket& operator=(coalescing_socket const&) = delete;

    executor_type get_executor() noexcept { return state_->socket.get_executor(); }
    /// The TCP socket itself (beast::get_lowest_layer finds it here).
    tcp::socket& next_layer() noexcept { return state_->socket; }
    tcp::socket const& next_layer() const noexcept { return state_->socket; }

    template <class MutableBuffers, class Token>
    auto async_read_some(MutableBuffers const& buffers, Token&& token) {
        return state_->socket.async_read_some(buffers, std::forward<Token>(token));
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(ConstBuffers const& buffers, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [](auto handler, std::shared_ptr<state> const& s, ConstBuffers const& b) {
                s->write(b, write_handler(std::move(handler)));
            },
            token, state_, buffers);
    }

    /// Sends `head` then `body` behind everything written so far: now, if no write is
    /// in flight, else with the next one. No completion: for a writer that frames its
    /// own messages and bounds what waits with unsent_bytes() (the WebSocket session's
    /// data frames, which need no per-message handler). The bytes are copied.
    void append(asio::const_buffer head, asio::const_buffer body) { state_->append(head, body); }

    /// Bytes written or appended and not yet taken by the kernel.
    std::size_t unsent_bytes() const noexcept { return state_->pending.size() + state_->sending.size(); }

    /// Forgets the bytes not yet handed to the kernel (a write in flight finishes):
    /// the connection is being closed and what waits is not to be delivered.
    void drop_unsent() { state_->pending.consume(state_->pending.size()); }

    /// Runs `handler` once every byte written so far has reached the kernel (or the
    /// socket failed); the first step of tearing the connection down.
    template <class Token>
    auto async_flush(Token&& token) {
        return asio::async_initiate<Token, void(error_code)>(
            [](auto handler, std::shared_ptr<state> const& s) { s->when_flushed(flush_handler(std::move(handler))); },
            token, state_);
    }

private:
    using write_handler = asio::any_completion_handler<void(error_code, std::size_t)>;
    using flush_handler = asio::any_completion_handler<void(error_code)>;

    struct state : std::enable_shared_from_this<state> {
        state(tcp::socket&& s, std::size_t limit) : socket(std::move(s)), high_water(limit) {}

        template <class ConstBuffers>
        void write(ConstBuffers const& buffers, write_handler handler) {
            if (failed) {
                return complete(std::move(handler), failed, 0);
            }
            auto const size = asio::buffer_size(buffers);
            pending.commit(asio::buffer_copy(pending.prepare(size), buffers));
            accepted(std::move(handler), size);
        }
        void append(asio::const_buffer head, asio::const_buffer body);
        void accepted(write_handler handler, std::size_t size);
        void when_flushed(flush_handler handler);
        void schedule_flush();
        void flush();
        void on_flushed(error_code ec);
        void finish_sending(error_code ec);
        void complete(write_handler handler, error_code ec, std::size_t size);

        tcp::socket socket;
        std::size_t const high_water;
        beast::flat_buffer pending;  // written by Beast, not yet handed to the kernel
        beast::flat_buffer sending;  // the bytes of the write in flight
        bool writing = false;
        bool flush_scheduled = false;
        error_code failed;               // a write failed: every later write fails too
        write_handler parked;            // a writer held back by high_water
        std::size_t parked_size = 0;
        flush_handler flushed_waiter;    // async_flush
    };

    std::shared_ptr<state> state_;
};

/// Beast's close handshake ends with a teardown of the next layer: send what is
/// still gathered, then tear the TCP connection down as Beast does for a socket.
template <class TeardownHandler>
void async_teardown(beast::role_type role, coalescing_socket& socket, TeardownHandler&& handler) {
    socket.async_flush([role, &tcp_socket = socket.next_layer(),
                        handler = std::forward<TeardownHandler>(handler)](error_code) mutable {
        websocket::async_teardown(role, tcp_socket, std::move(handler));
    });
}

}  // namespace duet::net
