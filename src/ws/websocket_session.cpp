#include <duet/ws/websocket_session.hpp>

#include <duet/logging/event.hpp>
#include <duet/logging/setup.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>

namespace duet::ws {
namespace {

// A read buffer grown past this by one large message is given back once that message
// is handled: an idle connection should not keep 64 KiB because it once got one.
constexpr std::size_t kept_read_capacity = 8 * 1024;

/// Closes that are about the connection itself drop what still waits to be sent: the
/// receiver is too slow, gone quiet, or not speaking the protocol. The others (refused
/// requests) let the queued replies go first, as a shutdown does (shut_down).
bool drops_unsent(metrics::close_reason why) {
    using metrics::close_reason;
    return why == close_reason::slow_consumer || why == close_reason::idle_timeout ||
           why == close_reason::binary_frame;
}

}  // namespace

websocket_session::websocket_session(tcp::socket&& socket, std::string early_bytes, net::admission::slot place,
                                     net::client_address client, net::client_limits::slot client_place,
                                     logging::connection_label const& who, session_context const& ctx)
    : ctx_(ctx),
      who_(who),
      place_(std::move(place)),
      client_(std::move(client)),
      client_place_(std::move(client_place)),
      ws_(std::move(socket), std::move(early_bytes),
          net::linger_limits{ctx.settings.close_linger_bytes, ctx.settings.close_linger_time}),
      rules_(ctx.signaling, *this, clock::now(), who),
      heartbeat_(ws_.get_executor()) {}

websocket_session::~websocket_session() {
    ctx_.tracker.remove(tracker_key_);
}

void websocket_session::run(bhttp::request<bhttp::string_body> upgrade_request) {
    ws_.read_message_max(ctx_.settings.max_message_bytes);  // larger: Beast closes with 1009
    ws_.auto_fragment(false);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = ctx_.settings.request_timeout;  // also bounds the close handshake
    timeouts.idle_timeout = websocket::stream_base::none();       // rule 7 is ours: see on_heartbeat
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "duetd"); }));
    // Rule 7: any frame from the client, pongs included, shows it is alive.
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { last_received_ = clock::now(); });
    // Added before the handshake: a shutdown that begins meanwhile reaches this session
    // too (shut_down waits for the handshake, then closes with 1001).
    tracker_key_ = ctx_.tracker.add(weak_from_this());
    ws_.async_accept(upgrade_request, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(error_code ec) {
    if (ec) {
        // Never a WebSocket: counted apart from the closes of open ones.
        metrics::counters::add(ctx_.counters.ws_handshake_failures_total);
        logging::debug(logging::event("ws.handshake_failed").about(who_),
                       "ws: handshake failed: {}", ec.message());
        return finish(ec);
    }
    open_ = true;
    metrics::counters::add(ctx_.counters.ws_accepted_total);
    last_received_ = clock::now();
    opened_ = last_received_;
    // Connections come and go at debug (STYLE.md).
    logging::debug(logging::event("ws.open").about(who_).peer(logging::short_id(rules_.id())),
                   "ws: open");
    next_ping_ = last_received_ + ctx_.settings.ping_interval;
    if (shut_down_requested_) {
        shut_down();
    } else {
        arm_heartbeat();
    }
    // Read even when closing: the close handshake ends with the client's answer.
    do_read();
}

void websocket_session::shut_down() {
    if (!open_) {
        shut_down_requested_ = true;  // on_accept closes it
        return;
    }
    if (closing_ || finished_) {
        return;
    }
    // Rule 11 without losing a message (rules 5, 12): the seat is held for a resume on
    // another node before the close frame goes, yet what the client sent before it saw
    // the close is still read and relayed until its answer ends the connection (finish).
    // So the close frame goes out past Beast, whose read goes on: Beast's own close
    // would drop every message that arrives before the answer.
    rules_.hand_over(clock::now());
    closing_ = true;
    close_cause_ = metrics::close_reason::shutdown;
    close_code_ = static_cast<int>(protocol::close_code::going_away);
    heartbeat_.cancel();
    // The close goes once the seat is held for every node (a cluster's Redis has run the
    // hold): a client that comes straight back through another node then finds it held
    // (and its resume waits for this drain) instead of taking it from under it.
    ctx_.signaling.rooms.when_applied([self = shared_from_this()] {
        if (self->finished_) {
            return;
        }
        // The answer may take close_linger_time at most (net::outbound_stream).
        self->ws_.next_layer().begin_closing();
        self->ws_.next_layer().append_close(static_cast<std::uint16_t>(protocol::close_code::going_away),
                                            "server shutting down");
    });
}

void websocket_session::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(error_code ec, std::size_t) {
    if (ec) {
        return finish(ec);
    }
    last_received_ = clock::now();
    // While closing, frames are read only to reach the client's close answer, except at
    // a planned stop (shut_down): then what the client sent before our close still counts.
    bool const handing_over = close_cause_ == metrics::close_reason::shutdown;
    if (!closing_ || handing_over) {
        if (!ws_.got_text()) {
            close(protocol::close_code::unsupported_data, "binary frames are not part of the protocol",
                  metrics::close_reason::binary_frame);
        } else {
            auto const data = buffer_.cdata();
            rules_.on_text(std::string_view(static_cast<char const*>(data.data()), data.size()), last_received_);
        }
    }
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > kept_read_capacity) {
        buffer_.shrink_to_fit();
    }
    // Exactly one read at a time: a flooding client is throttled by TCP (rule 8's
    // bucket aside). While closing, keep reading until the close handshake ends.
    do_read();
}

bool websocket_session::send(std::string_view frame) {
    // Nothing may follow a close frame: ours (closing_), or the one Beast sends when it
    // answers the client's close or fails the connection (the stream is then not open).
    // Nor does anything go once the daemon is stopping (silent_).
    if (closing_ || silent_ || !ws_.is_open()) {
        return true;
    }
    return ws_.next_layer().append_text(frame, ctx_.settings.max_send_queue_bytes);
}

void websocket_session::close(protocol::close_code code, std::string_view reason, metrics::close_reason why) {
    if (closing_ || finished_) {
        return;
    }
    closing_ = true;
    close_cause_ = why;
    close_code_ = static_cast<int>(code);
    heartbeat_.cancel();
    // The rules leave the room from a handler of their own: this may be called while
    // the registry walks the room (a receiver that fell behind).
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->rules_.on_closed(clock::now()); });
    if (drops_unsent(why)) {
        ws_.next_layer().drop_unsent();
    }
    // From here the close may take close_linger_time at most: a client that never reads
    // (or never answers the close) cannot hold the socket.
    ws_.next_layer().begin_closing();
    // Our close frame goes behind whatever is still queued (or what drop_unsent left);
    // the lingering close (net::outbound_stream) then waits for the client's answer.
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code),
                                            beast::string_view(reason.data(), reason.size())),
                    [self = shared_from_this()](error_code) {
                        // The pending read ends when the teardown has closed the socket.
                    });
}

void websocket_session::arm_heartbeat() {
    auto const idle_deadline = last_received_ + ctx_.settings.idle_timeout;
    heartbeat_.expires_at(std::min(next_ping_, idle_deadline));
    heartbeat_.async_wait(beast::bind_front_handler(&websocket_session::on_heartbeat, shared_from_this()));
}

void websocket_session::on_heartbeat(error_code ec) {
    if (ec || closing_ || finished_) {
        return;
    }
    auto const now = clock::now();
    if (now - last_received_ >= ctx_.settings.idle_timeout) {
        logging::debug(logging::event("ws.idle").about(who_).peer(logging::short_id(rules_.id())),
                       "ws: nothing received for {} ms", ctx_.settings.idle_timeout.count());
        return close(protocol::close_code::going_away, "idle timeout", metrics::close_reason::idle_timeout);
    }
    if (now >= next_ping_) {
        next_ping_ = now + ctx_.settings.ping_interval;
        // Browsers answer pings by themselves; at most one of ours is in flight.
        if (!ping_in_flight_) {
            ping_in_flight_ = true;
            ws_.async_ping({}, [self = shared_from_this()](error_code) { self->ping_in_flight_ = false; });
        }
    }
    arm_heartbeat();
}

int websocket_session::close_code_for_log(error_code ec) const {
    if (close_code_) {
        return *close_code_;  // ours went first
    }
    if (ec == websocket::error::closed) {
        return ws_.reason().code;  // the client's
    }
    if (ec == websocket::error::message_too_big) {
        return static_cast<int>(protocol::close_code::message_too_big);  // Beast's
    }
    if (ec == websocket::error::bad_frame_payload) {
        return 1007;  // Beast's: not UTF-8
    }
    return 1006;  // no close frame: the connection dropped
}

void websocket_session::finish(error_code ec) {
    if (finished_) {
        return;
    }
    finished_ = true;
    closing_ = true;
    rules_.on_closed(clock::now());
    heartbeat_.cancel();
    if (open_) {
        auto cause = close_cause_.value_or(metrics::close_reason::disconnected);
        if (!close_cause_) {
            if (ec == websocket::error::closed) {
                cause = metrics::close_reason::client_closed;
            } else if (ec == websocket::error::message_too_big) {
                cause = metrics::close_reason::too_big;
            }
        }
        ctx_.counters.count_close(cause);
        if (spdlog::should_log(spdlog::level::debug)) {
            auto const lasted = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - opened_);
            logging::debug(logging::event("ws.closed")
                               .about(who_)
                               .peer(logging::short_id(rules_.id()))
                               .code(close_code_for_log(ec))
                               .reason(metrics::label(cause))
                               .duration_ms(lasted.count()),
                           "ws: closed");
        }
    }
    ctx_.tracker.remove(tracker_key_);
    tracker_key_ = 0;
}

}  // namespace duet::ws
