#pragma once

#include <duet/net/asio.hpp>
#include <duet/net/close_frame_watch.hpp>

#include <boost/asio/any_completion_handler.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace duet::net {

/// What a closing connection may still cost (settings close_linger_bytes, _time).
struct linger_limits {
    std::size_t bytes = 16 * 1024 * 1024;
    std::chrono::milliseconds time{2'000};
};

/// The one path between a WebSocket connection and its TCP socket: the next layer
/// under Beast's websocket::stream (handshake answer, pings, pongs, close frames) and
/// the writer of the session's own text frames (append_text), which skip Beast's write
/// operation so that a delivered message costs no completion handler.
///
/// THE INVARIANT: every byte that reaches the socket goes through this object, in the
/// order it was handed over, and each unit handed over (one whole Beast write, or one
/// whole frame from append_text) leaves contiguously, never split by another unit.
/// It holds because (1) async_write_some takes every byte it is given, so Beast never
/// comes back with the rest of a frame after one of ours was appended (this needs each
/// Beast write to come in one async_write_some call: asio::async_write hands over at
/// most 64 KiB per call, and Beast writes only its handshake answer and control frames
/// here, all far smaller; our messages never go through Beast's write), and (2) a unit
/// either reaches the kernel whole at once, or its unsent rest is queued in `pending`
/// before anything else can be handed over, and nothing goes straight to the kernel
/// while anything is queued.
///
/// Steady state: with nothing queued, append_text offers the frame to the kernel
/// straight from the caller's bytes (one sendmsg of header and payload: no copy, no
/// allocation). Only what the kernel does not take is copied, once, into `pending`
/// and written when the socket is writable; the queue gives its memory back when it
/// drains, so an idle connection holds no send buffer.
///
/// Back-pressure: append_text refuses a frame that would take the unsent bytes past
/// the caller's limit (max_send_queue_bytes); the caller then closes the connection
/// (docs/protocol.md rule 5). Beast's writes are small control frames and always taken.
///
/// Reading: the bytes that came in behind the HTTP upgrade request (given to the
/// constructor) are read before the socket's. Every byte read is shown to a
/// close_frame_watch, which is how the lingering close knows the client's last word.
///
/// Closing (the lingering close, docs/protocol.md section 8): once the connection
/// begins closing (begin_closing, or Beast's teardown after its close frame), it may
/// take at most `linger_limits::time` and read at most `linger_limits::bytes` more;
/// past either the socket is closed at once. The teardown sends nothing more, reads and
/// drops what the client still sends until its close frame has arrived (or it ended
/// its side), and only then shuts our side down: a proxy between us and the client
/// (nginx) forwards our close frame only if its writes to us keep succeeding until the
/// client is done, and ends both connections as soon as we end ours.
///
/// One event-loop thread: every member runs on it. The buffers and the socket live in
/// a shared state that a write in flight keeps alive.
class outbound_stream {
public:
    using executor_type = tcp::socket::executor_type;
    using next_layer_type = tcp::socket;

    outbound_stream(tcp::socket&& socket, std::string early_bytes, linger_limits limits = {});
    ~outbound_stream();
    outbound_stream(outbound_stream const&) = delete;
    outbound_stream& operator=(outbound_stream const&) = delete;

    executor_type get_executor() noexcept { return state_->socket.get_executor(); }
    /// The TCP socket itself (beast::get_lowest_layer finds it here).
    tcp::socket& next_layer() noexcept { return state_->socket; }
    tcp::socket const& next_layer() const noexcept { return state_->socket; }

    /// For Beast: the early bytes first, then the socket. What is read is watched for
    /// the client's close frame and, once closing, counted against the linger budget.
    template <class MutableBuffers, class Token>
    auto async_read_some(MutableBuffers const& buffers, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [](auto handler, std::shared_ptr<state> const& s, MutableBuffers const& b) {
                if (s->early.empty()) {
                    watched_read<std::decay_t<decltype(handler)>, MutableBuffers>(std::move(handler), s, b);
                    return;
                }
                auto const n = asio::buffer_copy(b, asio::buffer(s->early));
                s->took_in(std::string_view(s->early).substr(0, n));
                s->early.erase(0, n);
                if (s->early.empty()) {
                    std::string().swap(s->early);
                }
                post_completion(s->socket.get_executor(), std::move(handler), error_code{}, n);
            },
            token, state_, buffers);
    }

    /// For Beast: takes every byte (the invariant above), completes through the loop.
    template <class ConstBuffers, class Token>
    auto async_write_some(ConstBuffers const& buffers, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [](auto handler, std::shared_ptr<state> const& s, ConstBuffers const& b) {
                auto const size = asio::buffer_size(b);
                // After append_close nothing may follow our close frame: Beast's answer
                // to the client's close, or a pong, is taken and dropped.
                if (!s->failed && !s->close_sent) {
                    s->pending.commit(asio::buffer_copy(s->pending.prepare(size), b));
                    s->send_queued();
                }
                auto const ec = s->failed;
                post_completion(s->socket.get_executor(), std::move(handler), ec, ec ? std::size_t{0} : size);
            },
            token, state_, buffers);
    }

    /// Frames `payload` as one text message and sends it behind everything handed over
    /// so far. False, and nothing sent, when that would take the unsent bytes past
    /// `limit`. On a socket that already failed it returns true and sends nothing: the
    /// connection is ending and its read reports why.
    bool append_text(std::string_view payload, std::size_t limit);

    /// Sends a close frame (`code`, `reason` cut to fit) behind everything handed over,
    /// without Beast: Beast's close would read the client's answer itself and drop the
    /// messages that come before it, while here Beast's read goes on and hands them to
    /// the session until the answer arrives (a planned stop's hand-over). Whatever Beast
    /// writes afterwards is dropped: nothing may follow a close frame. Once only.
    void append_close(std::uint16_t code, std::string_view reason);

    /// Bytes handed over and not yet taken by the kernel.
    std::size_t unsent_bytes() const noexcept { return state_->pending.size() + state_->sending.size(); }

    /// Forgets what waits behind the write in flight (which finishes): the connection
    /// is being closed and what waits is not to be delivered.
    void drop_unsent() { state_->pending.consume(state_->pending.size()); }

    /// Runs `handler` once everything handed over has reached the kernel (or the
    /// socket failed).
    template <class Token>
    auto async_flush(Token&& token) {
        return asio::async_initiate<Token, void(error_code)>(
            [](auto handler, std::shared_ptr<state> const& s) { s->when_flushed(done_handler(std::move(handler))); },
            token, state_);
    }

    /// The connection starts closing: from now on it may take linger_limits::time and
    /// read linger_limits::bytes at most. Once only; the teardown calls it too.
    void begin_closing() { state_->begin_closing(); }

    /// The end of a connection after a close frame was sent (Beast's teardown): what is
    /// queued is sent, then the lingering close described above; the socket is closed
    /// when `token` completes, always without an error (within the limits, or cut).
    template <class Token>
    auto async_linger_and_close(Token&& token) {
        return asio::async_initiate<Token, void(error_code)>(
            [](auto handler, std::shared_ptr<state> const& s) { s->linger_and_close(done_handler(std::move(handler))); },
            token, state_);
    }

private:
    using done_handler = asio::any_completion_handler<void(error_code)>;
    struct state;

    /// A read from the socket whose bytes the state sees before Beast does. Beast's
    /// handler keeps its executor, allocator and cancellation slot (async_base).
    template <class Handler, class MutableBuffers>
    class watched_read : public beast::async_base<Handler, executor_type> {
    public:
        watched_read(Handler&& handler, std::shared_ptr<state> const& s, MutableBuffers const& buffers)
            : beast::async_base<Handler, executor_type>(std::move(handler), s->socket.get_executor()),
              state_(s),
              buffers_(buffers) {
            // Both taken before *this moves into the operation.
            auto& socket = state_->socket;
            MutableBuffers const target = buffers_;
            socket.async_read_some(target, std::move(*this));
        }

        void operator()(error_code ec, std::size_t bytes) {
            auto left = bytes;
            for (auto it = asio::buffer_sequence_begin(buffers_); left > 0 && it != asio::buffer_sequence_end(buffers_);
                 ++it) {
                asio::const_buffer const piece = *it;
                auto const size = std::min(left, piece.size());
                state_->took_in(std::string_view(static_cast<char const*>(piece.data()), size));
                left -= size;
            }
            this->complete_now(ec, bytes);
        }

    private:
        std::shared_ptr<state> state_;
        MutableBuffers buffers_;
    };

    /// Posts `handler(args...)`: a handler never runs inside its initiating function.
    /// (Asio 1.26's any_completion_handler has a broken move assignment: handlers here
    /// are only moved by construction, never assigned.)
    template <class Handler, class... Args>
    static void post_completion(executor_type const& executor, Handler handler, Args... args) {
        asio::post(executor, [h = std::move(handler), args...]() mutable { std::move(h)(args...); });
    }

    struct state : std::enable_shared_from_this<state> {
        state(tcp::socket&& s, std::string early_bytes, linger_limits l)
            : socket(std::move(s)), early(std::move(early_bytes)), limits(l), linger_deadline(socket.get_executor()) {}

        bool idle() const noexcept { return !writing && pending.size() == 0; }
        /// Offers `pending` to the kernel now and writes the rest asynchronously.
        void send_queued();
        void on_written(error_code ec);
        void fail(error_code ec);
        void drained();
        void when_flushed(done_handler handler);

        /// Bytes the client sent, just read (by Beast or by the teardown).
        void took_in(std::string_view bytes);
        void begin_closing();
        void linger_and_close(done_handler handler);
        void linger();
        void end_teardown();
        /// Past a linger limit: the socket is closed, whatever is pending fails.
        void cut();

        tcp::socket socket;
        std::string early;           // bytes read with the upgrade request, not yet given to Beast
        beast::flat_buffer pending;  // handed over, not yet sent or being sent
        beast::flat_buffer sending;  // the bytes of the write in flight
        bool writing = false;
        error_code failed;            // a send failed: nothing is sent any more
        done_handler flushed_waiter;  // async_flush

        close_frame_watch client_frames;
        linger_limits limits;
        bool closing = false;
        bool close_sent = false;  // append_close: what Beast writes from now on is dropped
        std::size_t read_while_closing = 0;
        asio::steady_timer linger_deadline;
        std::unique_ptr<char[]> discard;  // the teardown's read buffer, only while it runs
        bool our_side_shut = false;
        done_handler teardown_waiter;
    };

    std::shared_ptr<state> state_;
};

/// Beast ends every close (the handshake completed, or the connection failed) with a
/// teardown of the next layer: here, the lingering close. Beast's own teardown for a
/// plain socket shuts our side down at once and reads once (Boost 1.81), so a client
/// still sending gets a reset, and through a proxy loses our close frame with it.
template <class TeardownHandler>
void async_teardown(beast::role_type, outbound_stream& stream, TeardownHandler&& handler) {
    stream.async_linger_and_close(std::forward<TeardownHandler>(handler));
}

}  // namespace duet::net
