#include <duet/redis/connection.hpp>

#include "copy_reply.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <csignal>
#include <string_view>

namespace duet::redis {

namespace {

// hiredis 0.14 writes with write(2), not send(MSG_NOSIGNAL): a write to a server that has
// gone raises SIGPIPE, whose default action ends the daemon. Asio's own sockets never
// raise it, so ignoring it changes nothing else; a handler the process installed itself
// is left alone.
void ignore_sigpipe() {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        ::sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, nullptr);
    }
}

// Commands after which replies no longer pair one to one with commands: hiredis 0.14
// keeps a subscriber's or a monitor's callback for every later message (so privdata
// would be used after its handler ran), and knows nothing of SSUBSCRIBE at all.
bool changes_reply_pairing(std::string_view name) {
    static constexpr std::string_view refused[] = {"subscribe",   "psubscribe",   "ssubscribe", "unsubscribe",
                                                   "punsubscribe", "sunsubscribe", "monitor"};
    for (auto word : refused)
        if (name.size() == word.size() &&
            std::equal(name.begin(), name.end(), word.begin(),
                       [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; }))
            return true;
    return false;
}

}  // namespace

/// hiredis's privdata for one command: the handler, until hiredis hands it back.
struct connection::pending_command {
    command_handler handler;
};

std::shared_ptr<connection> connection::create(asio::any_io_executor executor, address where,
                                               connection_options options) {
    return std::shared_ptr<connection>(new connection(std::move(executor), std::move(where), options));
}

connection::connection(asio::any_io_executor executor, address where, connection_options options)
    : executor_(executor),
      where_(std::move(where)),
      options_(options),
      resolver_(executor),
      timer_(executor),
      descriptor_(executor) {}

connection::~connection() {
    // Dropped by its owner: the same end as close(). Freeing the context runs every
    // pending command's callback (each posts its handler with error::closed) and the
    // cleanup hook, which releases the descriptor before hiredis closes the fd.
    ending_ = error::closed;
    if (context_) redisAsyncFree(context_);
    else if (state_ == state::resolving) finish_connect(error::closed, {});
}

void connection::connect(connect_handler handler) {
    if (state_ != state::idle) {
        asio::post(executor_, [h = std::move(handler)] { h(asio::error::already_started, {}); });
        return;
    }
    on_connect_ = std::move(handler);
    ignore_sigpipe();
    timer_.expires_after(options_.connect_timeout);
    timer_.async_wait([weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock()) self->on_timeout(ec);
    });
    if (where_.kind == address::transport::unix_socket) {
        state_ = state::connecting;
        start_hiredis(redisAsyncConnectUnix(where_.path.c_str()));
        return;
    }
    // hiredis would resolve a name with a blocking getaddrinfo on the loop thread, so
    // names are resolved here and hiredis only ever sees an IP address.
    error_code not_an_ip;
    auto ip = asio::ip::make_address(where_.host, not_an_ip);
    if (!not_an_ip) {
        state_ = state::connecting;
        start_hiredis(redisAsyncConnect(ip.to_string().c_str(), where_.port));
        return;
    }
    state_ = state::resolving;
    resolver_.async_resolve(where_.host, std::to_string(where_.port),
                            [weak = weak_from_this()](error_code ec, tcp::resolver::results_type results) {
                                if (auto self = weak.lock()) self->on_resolved(ec, std::move(results));
                            });
}

void connection::on_resolved(error_code ec, tcp::resolver::results_type results) {
    if (state_ != state::resolving) return;  // timed out or closed meanwhile: already reported
    if (ec || results.empty()) {
        state_ = state::ended;
        timer_.cancel();
        finish_connect(error::resolve_failed, where_.host + ": " + (ec ? ec.message() : "no address"));
        return;
    }
    state_ = state::connecting;
    auto ip = results.begin()->endpoint().address().to_string();
    start_hiredis(redisAsyncConnect(ip.c_str(), where_.port));
}

void connection::start_hiredis(redisAsyncContext* context) {
    if (!context || context->err) {
        // Refused before any hook was set (a missing socket file, no memory): hiredis
        // frees the context and its fd itself; nothing of ours is attached yet.
        std::string detail = context ? context->errstr : "out of memory";
        if (context) redisAsyncFree(context);
        state_ = state::ended;
        timer_.cancel();
        finish_connect(error::connect_failed, std::move(detail));
        return;
    }
    context_ = context;
    context_->data = this;
    context_->ev.data = this;
    context_->ev.addRead = &hook_add_read;
    context_->ev.delRead = &hook_del_read;
    context_->ev.addWrite = &hook_add_write;
    context_->ev.delWrite = &hook_del_write;
    context_->ev.cleanup = &hook_cleanup;
    error_code ec;
    descriptor_.assign(context_->c.fd, ec);
    if (ec) {
        teardown(error::connect_failed, "cannot watch the socket: " + ec.message());
        return;
    }
    // hiredis learns that a non-blocking connect finished from the first writable event:
    // setting the connect callback asks for it (addWrite).
    redisAsyncSetConnectCallback(context_, &hiredis_on_connect);
}

void connection::on_timeout(error_code ec) {
    if (ec) return;  // cancelled: the connect finished first
    if (state_ == state::resolving) {
        state_ = state::ended;
        resolver_.cancel();
        finish_connect(error::connect_timeout, "no answer from the resolver");
    } else if (state_ == state::connecting || state_ == state::logging_in) {
        teardown(error::connect_timeout, "no answer from " + to_string(where_));
    }
}

void connection::hiredis_on_connect(redisAsyncContext const* context, int status) {
    auto* self = static_cast<connection*>(context->data);
    // On failure hiredis frees the context as soon as this returns; its cleanup hook
    // then reports connect_failed with these words.
    if (status != REDIS_OK) self->detail_ = context->errstr;
    else self->log_in();
}

void connection::log_in() {
    state_ = state::logging_in;
    bool auth = !where_.password.empty();
    bool select = where_.db != 0;
    if (!auth && !select) {
        state_ = state::ready;
        timer_.cancel();
        finish_connect({}, {});
        return;
    }
    // Both pipelined at once, before any command of the owner's can be sent (command()
    // refuses until ready): a failed AUTH ends the connection before SELECT's answer is
    // looked at.
    auto weak = weak_from_this();
    if (auth) {
        std::vector<std::string> args{"AUTH"};
        if (!where_.user.empty()) args.push_back(where_.user);
        args.push_back(where_.password);
        send(args, [weak, last = !select](command_result result) {
            if (auto self = weak.lock()) self->on_login_reply(result, error::auth_failed, last);
        });
    }
    if (select)
        send({"SELECT", std::to_string(where_.db)}, [weak](command_result result) {
            if (auto self = weak.lock()) self->on_login_reply(result, error::select_failed, true);
        });
}

void connection::on_login_reply(command_result const& result, error step_error, bool last) {
    if (state_ != state::logging_in || !result) return;  // ended meanwhile: already reported
    if (result->type() != reply::kind::status) {
        teardown(step_error, result->text());
        return;
    }
    if (last) {
        state_ = state::ready;
        timer_.cancel();
        finish_connect({}, {});
    }
}

void connection::command(std::vector<std::string> args, command_handler handler) {
    if (state_ != state::ready) {
        complete(std::move(handler), error_code(error::not_connected));
        return;
    }
    if (args.empty() || changes_reply_pairing(args.front())) {
        complete(std::move(handler), error_code(asio::error::invalid_argument));
        return;
    }
    send(args, std::move(handler));
}

void connection::send(std::vector<std::string> const& args, command_handler handler) {
    std::vector<char const*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (auto const& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    auto pending = std::make_unique<pending_command>(pending_command{std::move(handler)});
    // hiredis copies the arguments into its output buffer, so `args` may go right away.
    if (redisAsyncCommandArgv(context_, &hiredis_on_reply, pending.get(), static_cast<int>(args.size()),
                              argv.data(), lengths.data()) != REDIS_OK) {
        complete(std::move(pending->handler), error_code(error::not_connected));
        return;
    }
    pending.release();  // hiredis hands it back to hiredis_on_reply exactly once
}

void connection::hiredis_on_reply(redisAsyncContext* context, void* r, void* privdata) {
    std::unique_ptr<pending_command> pending(static_cast<pending_command*>(privdata));
    auto* self = static_cast<connection*>(context->data);
    // A null reply means the context is being freed with this command unanswered.
    command_result result = r ? command_result(detail::copy_reply(*static_cast<redisReply*>(r)))
                              : command_result(error_code(self->ending_.value_or(error::connection_lost)));
    self->complete(std::move(pending->handler), std::move(result));
}

void connection::close() {
    if (state_ == state::resolving) {
        state_ = state::ended;
        resolver_.cancel();
        timer_.cancel();
        finish_connect(error::closed, {});
        return;
    }
    if (state_ == state::idle) state_ = state::ended;
    teardown(error::closed, {});
}

void connection::teardown(error reason, std::string detail) {
    if (!context_) return;
    ending_ = reason;
    detail_ = std::move(detail);
    // Never called from inside a hiredis callback (handlers are posted), so the context
    // is freed right here: pending callbacks run with a null reply, then the cleanup hook.
    redisAsyncFree(context_);
}

void connection::hook_cleanup(void* data) { static_cast<connection*>(data)->on_context_gone(); }

void connection::on_context_gone() {
    // hiredis closes the fd right after this hook returns: release it first, so the
    // descriptor never closes it too (a double close could hit a reused fd number).
    // release() also cancels our pending waits.
    if (descriptor_.is_open()) descriptor_.release();
    want_read_ = want_write_ = false;
    if (!ending_ && detail_.empty() && context_->err) detail_ = context_->errstr;
    context_ = nullptr;
    timer_.cancel();
    auto was = state_;
    state_ = state::ended;
    if (was == state::ready) {
        if (!ending_ && on_lost_)
            asio::post(executor_, [h = std::move(on_lost_), detail = detail_] {
                h(error::connection_lost, detail);
            });
    } else if (was == state::connecting || was == state::logging_in) {
        finish_connect(ending_.value_or(error::connect_failed), detail_);
    }
}

void connection::finish_connect(error_code ec, std::string detail) {
    if (!on_connect_) return;
    asio::post(executor_, [h = std::move(on_connect_), ec, detail = std::move(detail)] { h(ec, detail); });
    on_connect_ = nullptr;
}

void connection::complete(command_handler handler, command_result result) {
    // Posted, never called here: the caller may be hiredis mid-read, and the handler may
    // close or drop this connection. One thread runs the loop, so posts keep their order.
    asio::post(executor_, [h = std::move(handler), r = std::move(result)]() mutable { h(std::move(r)); });
}

void connection::hook_add_read(void* data) {
    auto* self = static_cast<connection*>(data);
    self->want_read_ = true;
    self->arm_read();
}

void connection::hook_del_read(void* data) { static_cast<connection*>(data)->want_read_ = false; }

void connection::hook_add_write(void* data) {
    auto* self = static_cast<connection*>(data);
    self->want_write_ = true;
    // Once connected, a socket to Redis is nearly always writable: waiting for it to say
    // so would cost an epoll_ctl and a trip through epoll per command (Asio re-arms
    // every wait). So the write is tried at the end of this turn instead, with every
    // command sent meanwhile in one write(2); only what the socket did not take waits.
    // While connecting, hiredis learns that the connect finished from the writable event
    // itself, so that one is waited for.
    // Asked from inside a write the socket did not take whole: that rest does wait.
    if ((self->context_->c.flags & REDIS_CONNECTED) && !self->writing_) self->post_write();
    else self->arm_write();
}

void connection::hook_del_write(void* data) { static_cast<connection*>(data)->want_write_ = false; }

// hiredis wants level-triggered watching: one wait at a time per direction, armed again
// after each call into hiredis for as long as it still wants that direction.
void connection::arm_read() {
    if (!want_read_ || read_armed_ || !descriptor_.is_open()) return;
    read_armed_ = true;
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read, [weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock()) self->on_readable(ec);
    });
}

void connection::arm_write() {
    if (!want_write_ || write_armed_ || !descriptor_.is_open()) return;
    write_armed_ = true;
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_write, [weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock()) self->on_writable(ec);
    });
}

void connection::on_readable(error_code ec) {
    read_armed_ = false;
    if (ec || !context_ || !want_read_) return;
    redisAsyncHandleRead(context_);  // may free the context (EOF, error): then context_ is null
    arm_read();
}

void connection::post_write() {
    if (write_posted_ || write_armed_) return;
    write_posted_ = true;
    asio::post(executor_, [weak = weak_from_this()] {
        if (auto self = weak.lock()) {
            self->write_posted_ = false;
            self->write_now();
        }
    });
}

void connection::on_writable(error_code ec) {
    write_armed_ = false;
    if (ec) return;
    write_now();
}

void connection::write_now() {
    if (!context_ || !want_write_) return;
    writing_ = true;
    redisAsyncHandleWrite(context_);  // may free the context (a failed write): then context_ is null
    writing_ = false;
    arm_write();  // for what the socket did not take
}

}  // namespace duet::redis
