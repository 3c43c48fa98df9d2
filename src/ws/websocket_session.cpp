#include <duet/ws/websocket_session.hpp>

#include <duet/ice/ice_servers.hpp>
#include <duet/logging/setup.hpp>
#include <duet/protocol/codec.hpp>
#include <duet/protocol/identifiers.hpp>
#include <duet/protocol/server_message.hpp>
#include <duet/ws/text_frame.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace duet::ws {
namespace {

using wire_error = protocol::error_code;
using protocol::request_error;

std::string remote_address(tcp::socket const& socket) {
    error_code ec;
    auto const endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("?") : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

websocket_session::websocket_session(tcp::socket&& socket, runtime::daemon_state& state)
    : ws_(std::move(socket)),
      state_(state),
      id_(protocol::make_peer_id()),
      limiter_(state.settings.rate_limit_per_second, state.settings.rate_limit_burst, clock::now()),
      heartbeat_(ws_.get_executor()),
      close_deadline_(ws_.get_executor()) {}

websocket_session::~websocket_session() {
    metrics::counters::sub(state_.counters.ws_open);
    state_.tracker.remove(tracker_key_);
}

void websocket_session::run(bhttp::request<bhttp::string_body> upgrade_request) {
    tracker_key_ = state_.tracker.add(weak_from_this());
    ws_.read_message_max(state_.settings.max_message_bytes);  // larger: Beast closes with 1009
    ws_.auto_fragment(false);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = state_.settings.request_timeout;  // also bounds the close handshake
    timeouts.idle_timeout = websocket::stream_base::none();         // rule 7 is ours: see on_heartbeat
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "duetd"); }));
    // Rule 7: any frame from the client, pongs included, shows it is alive.
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { last_received_ = clock::now(); });
    ws_.async_accept(upgrade_request, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(error_code ec) {
    if (ec) {
        spdlog::debug("ws {}: handshake failed: {}", logging::short_id(id_), ec.message());
        return finish(ec);
    }
    open_ = true;
    metrics::counters::add(state_.counters.ws_accepted_total);
    // Connections come and go at debug (STYLE.md); the address costs a system call.
    if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("ws {}: open from {}", logging::short_id(id_), remote_address(beast::get_lowest_layer(ws_)));
    }
    last_received_ = clock::now();
    next_ping_ = last_received_ + state_.settings.ping_interval;
    arm_heartbeat();
    do_read();
}

void websocket_session::deliver(std::string_view room, rooms::shared_frame frame) {
    // Runs now when the caller is on this session's thread of execution (always, with
    // one event-loop thread: no trip through the loop per relayed message); otherwise
    // it is posted to this session's strand.
    asio::dispatch(ws_.get_executor(), [self = shared_from_this(), room = std::string(room), frame = std::move(frame)] {
        // A relay posted before this session left its room arrives too late.
        if (self->closing_ || self->room_ != room) {
            return;
        }
        self->send(*frame);
    });
}

void websocket_session::shut_down() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
        self->close(websocket::close_code::going_away, "server shutting down", metrics::close_reason::shutdown,
                    flush::queued);
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
    if (!closing_) {
        if (!ws_.got_text()) {
            close(websocket::close_code::unknown_data, "binary frames are not part of the protocol",
                  metrics::close_reason::binary_frame, flush::none);
        } else {
            auto const data = buffer_.cdata();
            handle_text(std::string_view(static_cast<char const*>(data.data()), data.size()));
        }
    }
    buffer_.consume(buffer_.size());
    // Exactly one read at a time: a flooding client is throttled by TCP (rule 8's
    // bucket aside). While closing, keep reading until the close handshake ends.
    do_read();
}

void websocket_session::handle_text(std::string_view text) {
    // Rule 8: the bucket is checked before parsing, so a flood costs little.
    if (!limiter_.try_acquire(clock::now())) {
        return refuse({wire_error::rate_limited, "too many requests; slow down", {}});
    }
    try {
        auto parsed = protocol::parse_client_message(text);
        if (!parsed) {
            spdlog::debug("ws {}: refused ({}): {}", logging::short_id(id_), protocol::wire_name(parsed.error.code),
                          parsed.error.message);
            return refuse(parsed.error);
        }
        std::visit([this](auto const& request) { handle(request); }, *parsed.message);
    } catch (std::exception const& e) {
        // Nothing may escape a completion handler: it would end io_context::run().
        spdlog::error("ws {}: internal error: {}", logging::short_id(id_), e.what());
        close(websocket::close_code::internal_error, "internal error", metrics::close_reason::disconnected,
              flush::queued);
    }
}

void websocket_session::handle(protocol::join_request const& request) {
    if (room_) {
        return refuse({wire_error::already_in_room, "leave room '" + *room_ + "' first", "join"});
    }
    auto const result = state_.registry.join(std::string(request.room), shared_from_this());
    switch (result.status) {
    case rooms::room_registry::join_status::full:
        metrics::counters::add(state_.counters.fulls_total);
        spdlog::warn("ws {}: room {} is full", logging::short_id(id_), request.room);
        return send(protocol::encode_full(request.room));
    case rooms::room_registry::join_status::room_limit:
        spdlog::warn("ws {}: max_rooms ({}) reached", logging::short_id(id_), state_.settings.max_rooms);
        return refuse({wire_error::room_limit, "the server holds its maximum number of rooms", "join"});
    case rooms::room_registry::join_status::joined:
        break;
    }
    // Rule 3: `joined` is queued here, in the handler that joined, on this strand.
    // Whatever another member relays to us from now on is posted to this strand and
    // so runs after this handler: it cannot overtake `joined`.
    room_ = request.room;
    metrics::counters::add(state_.counters.joins_total);
    spdlog::debug("ws {}: joined room {} ({} of {})", logging::short_id(id_), request.room, result.peers,
                 state_.settings.room_capacity);
    send(protocol::encode_joined(request.room, id_, result.peers,
                                 ice::ice_servers_json(state_.settings, id_, std::chrono::system_clock::now())));
}

void websocket_session::handle(protocol::leave_request const& request) {
    if (room_ != request.room) {
        return refuse({wire_error::not_in_room, "you are not in room '" + std::string(request.room) + "'", "leave"});
    }
    leave_room();
    metrics::counters::add(state_.counters.leaves_total);
    send(protocol::encode_leaved(request.room, id_));
}

void websocket_session::handle(protocol::relay_request const& request) {
    // Rule 4: only a member may relay, and only into its own room.
    if (room_ != request.room) {
        return refuse({wire_error::not_in_room, "you are not in room '" + std::string(request.room) + "'", "message"});
    }
    auto const frame = std::make_shared<std::string const>(protocol::encode_relay(request.room, id_, request.data));
    auto const result = state_.registry.relay(std::string(request.room), *this, frame, request.to);
    switch (result.status) {
    case rooms::room_registry::relay_status::not_in_room:
        return refuse({wire_error::not_in_room, "you are not in room '" + std::string(request.room) + "'", "message"});
    case rooms::room_registry::relay_status::no_such_peer:
        return refuse({wire_error::no_such_peer, "'to' names no other member of the room", "message"});
    case rooms::room_registry::relay_status::relayed:
        break;
    }
    auto& counters = state_.counters;
    metrics::counters::add(counters.relay_requests_total);
    metrics::counters::add(counters.messages_relayed_total, result.receivers);
    metrics::counters::add(counters.bytes_relayed_total, result.receivers * frame->size());
}

void websocket_session::handle(protocol::ping_request const&) {
    send(protocol::encode_pong());
}

void websocket_session::refuse(request_error const& error) {
    state_.counters.count_error(error.code);
    send(protocol::encode_error(error));
    // Rule 8: a connection that keeps sending refused requests is closed, after its
    // last error reply.
    if (++violations_ >= state_.settings.max_violations) {
        spdlog::warn("ws {}: closed after {} refused requests", logging::short_id(id_), violations_);
        close(websocket::close_code::policy_error, "too many refused requests", metrics::close_reason::violations,
              flush::queued);
    }
}

void websocket_session::send(std::string_view text) {
    // Nothing may follow a close frame: ours (closing_), or the one Beast sends when it
    // answers the client's close or fails the connection (the stream is then not open).
    if (closing_ || !ws_.is_open()) {
        return;
    }
    auto& socket = ws_.next_layer();
    text_frame_header const header(text.size());
    if (socket.unsent_bytes() + header.buffer().size() + text.size() > state_.settings.max_send_queue_bytes) {
        // Rule 5: never drop a message while both ends stay connected; a receiver that
        // cannot keep up is disconnected instead, and its room is told.
        spdlog::warn("ws {}: slow consumer: send queue passed {} bytes", logging::short_id(id_),
                     state_.settings.max_send_queue_bytes);
        return close(websocket::close_code::policy_error, "slow consumer", metrics::close_reason::slow_consumer,
                     flush::none);
    }
    // Our own frame, straight into the socket's outgoing bytes, in order with Beast's
    // control frames (each of those is copied there whole as well).
    socket.append(header.buffer(), asio::buffer(text.data(), text.size()));
}

void websocket_session::close(websocket::close_code code, std::string_view reason, metrics::close_reason why,
                              flush how) {
    if (closing_ || finished_) {
        return;
    }
    closing_ = true;
    close_cause_ = why;
    if (!open_) {
        // Still in the handshake: there is no WebSocket to close yet.
        error_code ignored;
        beast::get_lowest_layer(ws_).close(ignored);
        return;
    }
    leave_room();
    heartbeat_.cancel();
    if (how == flush::none) {
        ws_.next_layer().drop_unsent();
    }
    // A peer that never reads (or never answers the close) would hold the socket
    // forever: cut it after the handshake timeout.
    close_deadline_.expires_after(state_.settings.request_timeout + std::chrono::seconds(1));
    close_deadline_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec && !self->finished_) {
            error_code ignored;
            beast::get_lowest_layer(self->ws_).close(ignored);
        }
    });
    // Our close frame goes behind whatever is still queued (or what drop_unsent left).
    ws_.async_close(websocket::close_reason(code, beast::string_view(reason.data(), reason.size())),
                    [self = shared_from_this()](error_code) {
                        // The pending read ends when the client answers, or on the close deadline.
                    });
}

void websocket_session::arm_heartbeat() {
    auto const idle_deadline = last_received_ + state_.settings.idle_timeout;
    heartbeat_.expires_at(std::min(next_ping_, idle_deadline));
    heartbeat_.async_wait(beast::bind_front_handler(&websocket_session::on_heartbeat, shared_from_this()));
}

void websocket_session::on_heartbeat(error_code ec) {
    if (ec || closing_ || finished_) {
        return;
    }
    auto const now = clock::now();
    if (now - last_received_ >= state_.settings.idle_timeout) {
        spdlog::debug("ws {}: idle for {} ms", logging::short_id(id_), state_.settings.idle_timeout.count());
        return close(websocket::close_code::going_away, "idle timeout", metrics::close_reason::idle_timeout,
                     flush::none);
    }
    if (now >= next_ping_) {
        next_ping_ = now + state_.settings.ping_interval;
        // Browsers answer pings by themselves; at most one of ours is in flight.
        if (!ping_in_flight_) {
            ping_in_flight_ = true;
            ws_.async_ping({}, [self = shared_from_this()](error_code) { self->ping_in_flight_ = false; });
        }
    }
    arm_heartbeat();
}

void websocket_session::leave_room() {
    if (room_) {
        // Rule 6: the others get `bye`.
        state_.registry.leave(*room_, *this);
        spdlog::debug("ws {}: left room {}", logging::short_id(id_), *room_);
        room_.reset();
    }
}

void websocket_session::finish(error_code ec) {
    if (finished_) {
        return;
    }
    finished_ = true;
    closing_ = true;
    leave_room();
    heartbeat_.cancel();
    close_deadline_.cancel();
    auto cause = close_cause_.value_or(metrics::close_reason::disconnected);
    if (!close_cause_) {
        if (ec == websocket::error::closed) {
            cause = metrics::close_reason::client_closed;
        } else if (ec == websocket::error::message_too_big) {
            cause = metrics::close_reason::too_big;
        }
    }
    state_.counters.count_close(cause);
    state_.tracker.remove(tracker_key_);
    spdlog::debug("ws {}: closed ({})", logging::short_id(id_), metrics::label(cause));
}

}  // namespace duet::ws
