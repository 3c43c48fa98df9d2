#include <duet/net/outbound_stream.hpp>

#include <duet/net/text_frame.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

namespace duet::net {
namespace {

/// One sendmsg that never waits (MSG_DONTWAIT: no mode switch on the socket) and
/// raises no SIGPIPE. Returns the bytes the kernel took; `ec` is would_block when it
/// took none because its buffer is full.
std::size_t send_now(tcp::socket& socket, iovec* parts, std::size_t count, error_code& ec) {
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = count;
    for (;;) {
        auto const sent = ::sendmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent >= 0) {
            ec = {};
            return static_cast<std::size_t>(sent);
        }
        if (errno != EINTR) {
            ec = error_code(errno, boost::system::system_category());
            return 0;
        }
    }
}

iovec part(void const* data, std::size_t size) {
    return iovec{const_cast<void*>(data), size};  // sendmsg only reads
}

/// Copies what the kernel did not take of `parts` (after `sent` bytes) to `into`.
void keep_unsent(iovec const* parts, std::size_t count, std::size_t sent, beast::flat_buffer& into) {
    for (std::size_t i = 0; i < count; ++i) {
        auto const size = parts[i].iov_len;
        if (sent >= size) {
            sent -= size;
            continue;
        }
        auto const* bytes = static_cast<char const*>(parts[i].iov_base) + sent;
        auto const rest = size - sent;
        into.commit(asio::buffer_copy(into.prepare(rest), asio::buffer(bytes, rest)));
        sent = 0;
    }
}

}  // namespace

outbound_stream::outbound_stream(tcp::socket&& socket, std::string early_bytes, linger_limits limits)
    : state_(std::make_shared<state>(std::move(socket), std::move(early_bytes), limits)) {}

outbound_stream::~outbound_stream() {
    // The connection is over: a write still in flight is cut short, and its
    // completion frees the state, as does the linger deadline's.
    error_code ignored;
    state_->socket.close(ignored);
    state_->linger_deadline.cancel();
}

bool outbound_stream::append_text(std::string_view payload, std::size_t limit) {
    auto& s = *state_;
    text_frame_header const header(payload.size());
    auto const head = header.buffer();
    auto const size = head.size() + payload.size();
    if (s.failed) {
        return true;
    }
    if (unsent_bytes() + size > limit) {
        return false;
    }
    iovec parts[2] = {part(head.data(), head.size()), part(payload.data(), payload.size())};
    if (!s.idle()) {
        // Behind what is queued (the invariant): one copy, sent when the write in
        // flight completes.
        keep_unsent(parts, 2, 0, s.pending);
        return true;
    }
    error_code ec;
    auto const sent = send_now(s.socket, parts, 2, ec);
    if (ec && ec != asio::error::would_block) {
        s.fail(ec);
        return true;
    }
    if (sent < size) {
        keep_unsent(parts, 2, sent, s.pending);
        s.send_queued();
    }
    return true;
}

void outbound_stream::append_close(std::uint16_t code, std::string_view reason) {
    auto& s = *state_;
    if (s.failed || s.close_sent) {
        return;
    }
    s.close_sent = true;
    // RFC 6455 5.5.1: FIN + opcode 8, unmasked (a server's), a payload of at most 125
    // bytes: the code in network order, then the reason.
    constexpr std::size_t max_reason = 123;
    reason = reason.substr(0, max_reason);
    std::string frame;
    frame.reserve(4 + reason.size());
    frame.push_back(static_cast<char>(0x88));
    frame.push_back(static_cast<char>(2 + reason.size()));
    frame.push_back(static_cast<char>(code >> 8));
    frame.push_back(static_cast<char>(code & 0xff));
    frame.append(reason);
    s.pending.commit(asio::buffer_copy(s.pending.prepare(frame.size()), asio::buffer(frame)));
    s.send_queued();
}

void outbound_stream::state::send_queued() {
    if (writing || failed || pending.size() == 0) {
        return;
    }
    // First what the kernel takes at once (usually all of it): then there is no
    // completion to wait for.
    auto const bytes = pending.data();
    iovec whole = part(bytes.data(), bytes.size());
    error_code ec;
    auto const sent = send_now(socket, &whole, 1, ec);
    if (ec && ec != asio::error::would_block) {
        return fail(ec);
    }
    pending.consume(sent);
    if (pending.size() == 0) {
        return drained();
    }
    // The rest when the socket is writable again; what is handed over meanwhile
    // queues behind it in `pending`.
    std::swap(pending, sending);
    writing = true;
    asio::async_write(socket, sending.data(),
                      [self = shared_from_this()](error_code error, std::size_t) { self->on_written(error); });
}

void outbound_stream::state::on_written(error_code ec) {
    writing = false;
    sending.consume(sending.size());
    if (ec) {
        return fail(ec);
    }
    if (pending.size() > 0) {
        return send_queued();
    }
    drained();
}

void outbound_stream::state::fail(error_code ec) {
    if (!failed) {
        failed = ec;
        pending.consume(pending.size());
        // A send that fails (reset, broken pipe) ends the connection: close the socket
        // so the pending read ends too and the session finishes now.
        error_code ignored;
        socket.close(ignored);
    }
    drained();
}

void outbound_stream::state::drained() {
    // Idle (or dead): hold no buffer memory; most connections are idle most of the time.
    if (!writing) {
        sending.shrink_to_fit();
        pending.shrink_to_fit();
    }
    if (flushed_waiter && (failed || idle())) {
        post_completion(socket.get_executor(), std::move(flushed_waiter), failed);
    }
}

void outbound_stream::state::when_flushed(done_handler handler) {
    if (failed || idle()) {
        return post_completion(socket.get_executor(), std::move(handler), failed);
    }
    flushed_waiter.swap(handler);  // not `=`: see post_completion
}

// --- the lingering close ---------------------------------------------------------------

namespace {

// The teardown reads in pieces of this size; the buffer exists only while it runs.
constexpr std::size_t discard_size = 16 * 1024;

}  // namespace

void outbound_stream::state::took_in(std::string_view bytes) {
    client_frames.observe(bytes);
    if (closing) {
        read_while_closing += bytes.size();
        if (read_while_closing > limits.bytes) {
            cut();
        }
    }
}

void outbound_stream::state::begin_closing() {
    if (closing) {
        return;
    }
    closing = true;
    linger_deadline.expires_after(limits.time);
    linger_deadline.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec) {
            self->cut();
        }
    });
}

void outbound_stream::state::cut() {
    // A reset, if the client is still sending: it overran what a close may cost.
    error_code ignored;
    socket.close(ignored);
}

void outbound_stream::state::linger_and_close(done_handler handler) {
    begin_closing();
    teardown_waiter.swap(handler);  // not `=`: see post_completion
    // Our close frame (and whatever the close let go before it) leaves first.
    when_flushed(done_handler([self = shared_from_this()](error_code) { self->linger(); }));
}

void outbound_stream::state::linger() {
    if (!socket.is_open()) {
        return end_teardown();
    }
    if (client_frames.close_seen() && !our_side_shut) {
        // The client said its last word: our FIN may follow now. A proxy then ends both
        // of its connections, and a direct client closes its side, which ends the reads.
        error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        our_side_shut = true;
    }
    if (!discard) {
        discard = std::make_unique<char[]>(discard_size);
    }
    socket.async_read_some(asio::buffer(discard.get(), discard_size),
                           [self = shared_from_this()](error_code ec, std::size_t bytes) {
                               if (ec) {
                                   // The client ended its side (EOF), or a limit cut the socket.
                                   return self->end_teardown();
                               }
                               self->took_in(std::string_view(self->discard.get(), bytes));
                               self->linger();
                           });
}

void outbound_stream::state::end_teardown() {
    linger_deadline.cancel();
    error_code ignored;
    socket.close(ignored);
    discard.reset();
    if (teardown_waiter) {
        post_completion(socket.get_executor(), std::move(teardown_waiter), error_code{});
    }
}

}  // namespace duet::net
