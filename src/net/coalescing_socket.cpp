#include <duet/net/coalescing_socket.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace duet::net {
namespace {

/// Posts `handler(args...)` to `executor`, the connection's strand, which is also
/// the executor of every handler Beast gives this socket.
/// Asio 1.26's any_completion_handler has a broken move assignment (it re-wraps the
/// handler in itself until the stack overflows): handlers here are only ever moved
/// by construction or swapped, never assigned.
template <class Handler, class... Args>
void post_completion(tcp::socket::executor_type const& executor, Handler handler, Args... args) {
    asio::post(executor, [h = std::move(handler), args...]() mutable { std::move(h)(args...); });
}

/// One send that never waits (MSG_DONTWAIT: no mode switch on the socket, which costs
/// a system call per connection) and raises no SIGPIPE. Returns the bytes the kernel
/// took; `would_block` when it took none.
std::size_t send_without_waiting(tcp::socket& socket, asio::const_buffer bytes, error_code& ec) {
    for (;;) {
        auto const sent = ::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
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

}  // namespace

coalescing_socket::coalescing_socket(tcp::socket&& socket, std::size_t high_water)
    : state_(std::make_shared<state>(std::move(socket), high_water)) {}

coalescing_socket::~coalescing_socket() {
    // The connection is over: a write still in flight is cut short, and its
    // completion frees the state.
    error_code ignored;
    state_->socket.close(ignored);
}

void coalescing_socket::state::append(asio::const_buffer head, asio::const_buffer body) {
    if (failed) {
        return;  // the connection is broken; its read ends with the error
    }
    auto const size = head.size() + body.size();
    auto into = pending.prepare(size);
    asio::buffer_copy(into, head);
    asio::buffer_copy(into + head.size(), body);
    pending.commit(size);
    // Sent now, not from a posted flush: one request brings at most a frame or two
    // for any one socket, so waiting gathers nothing, and the post would cost a trip
    // through the event loop (and its epoll_wait) per message.
    flush();
}

void coalescing_socket::state::accepted(write_handler handler, std::size_t size) {
    if (writing && pending.size() >= high_water) {
        // The kernel is not taking bytes as fast as they come: hold the writer until
        // the write in flight completes (at most one writer waits: Beast writes one
        // frame at a time).
        parked.swap(handler);  // not `=`: see post_completion
        parked_size = size;
        return;
    }
    if (!writing && !flush_scheduled) {
        schedule_flush();
    }
    complete(std::move(handler), {}, size);
}

void coalescing_socket::state::when_flushed(flush_handler handler) {
    if (failed || (!writing && pending.size() == 0)) {
        auto const ec = failed;
        return post_completion(socket.get_executor(), std::move(handler), ec);
    }
    flushed_waiter.swap(handler);  // not `=`: see post_completion
    if (!writing) {
        flush();  // a teardown does not wait for the posted flush
    }
}

void coalescing_socket::state::schedule_flush() {
    // Posted, not done now: the writes of the handlers already queued join this one.
    flush_scheduled = true;
    asio::post(socket.get_executor(), [self = shared_from_this()] {
        self->flush_scheduled = false;
        self->flush();
    });
}

void coalescing_socket::state::flush() {
    if (writing || failed || pending.size() == 0) {
        return;
    }
    // First what the kernel takes at once (usually all of it): no completion to wait
    // for, so no further trip through the event loop.
    error_code error;
    auto const sent = send_without_waiting(socket, pending.data(), error);
    if (error && error != asio::error::would_block) {
        return finish_sending(error);
    }
    pending.consume(sent);
    if (pending.size() == 0) {
        return finish_sending({});
    }
    // The rest when the socket is writable again.
    std::swap(pending, sending);
    writing = true;
    asio::async_write(socket, sending.data(),
                      [self = shared_from_this()](error_code ec, std::size_t) { self->on_flushed(ec); });
}

void coalescing_socket::state::on_flushed(error_code ec) {
    writing = false;
    sending.consume(sending.size());
    if (!ec && pending.size() > 0) {
        // The write a held writer waited for is done: it may go on.
        if (parked) {
            complete(std::move(parked), {}, parked_size);
        }
        // What came in during that write has waited long enough: send it now.
        return flush();
    }
    finish_sending(ec);
}

void coalescing_socket::state::finish_sending(error_code ec) {
    // Everything written so far has reached the kernel, or the socket failed.
    if (ec && !failed) {
        failed = ec;
        pending.consume(pending.size());
        // A send that fails (reset, broken pipe) ends the connection: close it, so the
        // pending read ends too and the session finishes (its room gets `bye`) now
        // rather than when a read notices.
        error_code ignored;
        socket.close(ignored);
    }
    if (parked) {
        complete(std::move(parked), failed, failed ? 0 : parked_size);
    }
    // Idle: hold no buffer memory (most connections are idle most of the time).
    sending.shrink_to_fit();
    pending.shrink_to_fit();
    if (flushed_waiter) {
        auto const result = failed;
        post_completion(socket.get_executor(), std::move(flushed_waiter), result);
    }
}

void coalescing_socket::state::complete(write_handler handler, error_code ec, std::size_t size) {
    // Never call a handler from inside its initiating function; the handler's own
    // executor (the connection's strand) runs it.
    post_completion(socket.get_executor(), std::move(handler), ec, size);
}

}  // namespace duet::net
