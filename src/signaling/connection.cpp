#include <duet/signaling/connection.hpp>

#include <duet/config/join_secrets.hpp>
#include <duet/ice/ice_servers.hpp>
#include <duet/logging/event.hpp>
#include <duet/logging/setup.hpp>
#include <duet/protocol/codec.hpp>
#include <duet/protocol/identifiers.hpp>
#include <duet/protocol/server_message.hpp>

#include <exception>
#include <optional>
#include <utility>
#include <variant>

namespace duet::signaling {
namespace {

using wire_error = protocol::error_code;
using protocol::request_error;
using metrics::counters;

// A relay frame buffer larger than this is given back after use: a connection that
// once relayed a 64 KiB message does not keep 64 KiB while it idles.
constexpr std::size_t kept_frame_capacity = 8 * 1024;

/// A join or resume that the room store (a cluster's Redis) cannot take now.
request_error store_unavailable() {
    return {wire_error::unavailable, "the rooms cannot be reached now; try again later", "join"};
}

/// A message some of whose receivers are on other nodes, which cannot be reached now.
constexpr std::string_view other_nodes_unreachable = "members on other nodes cannot be reached now; try again later";

std::string not_in_room_message(std::string_view room) {
    return "you are not in room '" + std::string(room) + "'";
}

}  // namespace

connection::connection(context const& ctx, transport& out, clock::time_point now, logging::connection_label who)
    : ctx_(ctx),
      out_(out),
      who_(std::move(who)),
      id_(protocol::make_peer_id()),
      limiter_(ctx.settings.rate_limit_per_second, ctx.settings.rate_limit_burst, now) {}

connection::~connection() {
    leave_room(clock::now());
}

void connection::on_text(std::string_view text, clock::time_point now) {
    if (closing_ && !draining_) {
        return;
    }
    // Rule 8: the bucket is checked before parsing, so a flood costs little.
    if (!limiter_.try_acquire(now)) {
        return refuse({wire_error::rate_limited, "too many requests; slow down", {}});
    }
    try {
        auto const parsed = protocol::parse_client_message(text);
        if (!parsed) {
            logging::debug(about("request.refused", protocol::wire_name(parsed.error.code)), "refused: {}",
                           parsed.error.message);
            return refuse(parsed.error);
        }
        if (draining_) {
            return drain(*parsed.message, now);
        }
        std::visit([this, now](auto const& request) { handle(request, now); }, *parsed.message);
    } catch (std::exception const& e) {
        // Nothing may escape into the event loop: it would end the daemon.
        logging::error(about("ws.internal_error"), "internal error: {}", e.what());
        close(protocol::close_code::internal_error, "internal error", metrics::close_reason::disconnected);
    }
}

logging::fields connection::about(std::string_view event, std::string_view reason, std::string_view room_tag) const {
    auto line = logging::event(event).about(who_).peer(logging::short_id(id_));
    if (!room_tag.empty()) {
        line.room(room_tag);
    }
    if (!reason.empty()) {
        line.reason(reason);
    }
    return line;
}

void connection::on_closed(clock::time_point now) {
    closing_ = true;
    if (std::exchange(draining_, false)) {
        // Held since hand_over: the seat stays held; only the relaying from it ends.
        if (place_ == place::inside) {
            ctx_.rooms.drop(room_, *this, now);
        }
        place_ = place::outside;
        room_.clear();
        return;
    }
    if (place_ != place::inside) {
        return leave_room(now);
    }
    // Rule 12: a connection that ends without `leave` (close frame or not, idle
    // timeout, slow consumer, violations) keeps its seat for the lease.
    ctx_.rooms.drop(room_, *this, now);
    if (spdlog::should_log(spdlog::level::debug)) {  // the tag costs an HMAC
        bool const leased = ctx_.settings.seat_lease.count() > 0;
        logging::debug(about(leased ? "lease.start" : "leave", {}, logging::room_tag(room_)), "{} room {}",
                       leased ? "seat held for a resume in" : "left", room_);
    }
    place_ = place::outside;
    room_.clear();
}

void connection::hand_over(clock::time_point now) {
    if (closing_) {
        return;
    }
    if (place_ != place::inside || ctx_.settings.seat_lease.count() == 0) {
        return on_closed(now);
    }
    closing_ = true;
    draining_ = true;
    ctx_.rooms.hold(room_, *this, now);
    if (spdlog::should_log(spdlog::level::debug)) {  // the tag costs an HMAC
        logging::debug(about("lease.start", {}, logging::room_tag(room_)),
                       "shutting down: seat held for a resume in {}; relaying what the client still sends", room_);
    }
}

void connection::drain(protocol::client_message const& request, clock::time_point now) {
    // No answer can reach the client any more (send() sends nothing while closing): a
    // message goes to the room, a `leave` releases the seat, the rest is moot.
    if (auto const* relay = std::get_if<protocol::relay_request>(&request)) {
        return handle(*relay, now);
    }
    if (auto const* leave = std::get_if<protocol::leave_request>(&request); leave && in_room(leave->room)) {
        leave_room(now);
        counters::add(ctx_.counters.leaves_total);
    }
}

void connection::handle(protocol::join_request const& request, clock::time_point now) {
    auto const& s = ctx_.settings;
    // Rule 12: a resume is its own proof (rule 14: it needs no token); rule 9 puts
    // bad_resume where unauthorized would be, before already_in_room.
    if (request.resume) {
        std::string room(request.room);
        if (!ctx_.rooms.can_resume(room, *request.resume, now)) {
            logging::debug(about("join.bad_resume", "bad_resume"), "resume refused");
            return refuse({wire_error::bad_resume, "no seat to resume with this secret (unknown, spent or expired)",
                           "join"});
        }
        if (place_ != place::outside) {
            return refuse({wire_error::already_in_room, "leave room '" + room_ + "' first", "join"});
        }
        return take_back(std::move(room), *request.resume, now);
    }
    // Rule 14: with no secret configured a token cannot be checked, and there is no
    // token to require (validate() refuses require_token without secrets), so it is
    // ignored as 1.0 ignored it. Rule 9: unauthorized comes before the state errors, so
    // the token is checked before already_in_room and before the room's capacity.
    if (!ctx_.join_secrets.empty() && (request.token || s.require_token)) {
        auto unauthorized = [&](std::string_view why) {
            logging::debug(about("join.unauthorized", "unauthorized"), "join refused: {}", why);
            return refuse({wire_error::unauthorized, std::string(why), "join"});
        };
        if (!request.token) {
            return unauthorized("this server requires a token to join");
        }
        auto const check = access::verify_join_token(*request.token, request.room, ctx_.join_secrets,
                                                     access::token_clock::now(), s.token_leeway);
        if (!check) {
            return unauthorized(check.refusal.message);
        }
        if (auto const& jti = check.admitted->once_jti) {
            if (!claimed_jti_.empty()) {
                return refuse({wire_error::already_in_room, "a join is already under way", "join"});
            }
            claimed_jti_ = *jti;
            std::string room(request.room);
            ctx_.spent_tokens.claim(claimed_jti_, check.admitted->expires + s.token_leeway,
                                    [this, room](access::spent_tokens::claim_status status) { on_claim(status, room); });
            return;
        }
    }
    if (place_ != place::outside) {
        return refuse({wire_error::already_in_room, "leave room '" + room_ + "' first", "join"});
    }
    enter(std::string(request.room), now);
}

void connection::on_claim(access::spent_tokens::claim_status status, std::string const& room) {
    using claim = access::spent_tokens::claim_status;
    if (status != claim::claimed) {
        claimed_jti_.clear();
        if (status == claim::already_used) {
            logging::debug(about("join.unauthorized", "unauthorized"), "join refused: once token already used");
            return refuse({wire_error::unauthorized, std::string(access::refusal_message(access::token_fault::already_used)),
                           "join"});
        }
        logging::warn(about("join.unavailable", "unavailable"), "max_spent_tokens ({}) reached: a once token is refused",
                      ctx_.settings.max_spent_tokens);
        return refuse({wire_error::unavailable, "the server cannot take more single-use tokens now; try again later",
                       "join"});
    }
    if (place_ != place::outside) {
        give_back_claim();
        return refuse({wire_error::already_in_room, "leave room '" + room_ + "' first", "join"});
    }
    // The claim may have answered later (a shared store): this is the join's moment.
    enter(room, clock::now());
}

void connection::give_back_claim() {
    if (!claimed_jti_.empty()) {
        ctx_.spent_tokens.release(std::exchange(claimed_jti_, {}));
    }
}

void connection::enter(std::string room, clock::time_point now) {
    place_ = place::joining;
    room_ = std::move(room);
    // Rule 3: `joined` is sent in the handler, before anything else can be delivered
    // here from that room (the registry promises it).
    ctx_.rooms.join(room_, *this, now, [this](rooms::room_registry::join_result const& result) { on_join_result(result); });
}

void connection::take_back(std::string room, std::string_view secret, clock::time_point now) {
    place_ = place::joining;
    room_ = std::move(room);
    // As for a join (rule 3): `joined` is sent in the handler, and the kept frames are
    // delivered after it.
    ctx_.rooms.resume(room_, secret, *this, now,
                      [this](rooms::room_registry::resume_result const& result) { on_resume_result(result); });
}

void connection::on_resume_result(rooms::room_registry::resume_result const& result) {
    if (!result.resumed) {
        // Only a registry that answers later can get here: the seat went meanwhile, or
        // the store that holds it cannot be reached.
        room_.clear();
        place_ = place::outside;
        if (result.unavailable) {
            return report(store_unavailable());
        }
        return refuse({wire_error::bad_resume, "no seat to resume with this secret (unknown, spent or expired)",
                       "join"});
    }
    place_ = place::inside;
    auto const old_id = std::exchange(id_, result.id);
    if (spdlog::should_log(spdlog::level::debug)) {
        logging::debug(about("lease.resumed", {}, logging::room_tag(room_)), "resumed seat in room {} (was peer {})",
                       room_, logging::short_id(old_id));
    }
    send(protocol::encode_joined(room_, id_, result.peers,
                                 ice::ice_servers_json(ctx_.settings, id_, std::chrono::system_clock::now()),
                                 {result.role, result.resume, true}));
}

void connection::on_join_result(rooms::room_registry::join_result const& result) {
    using status = rooms::room_registry::join_status;
    if (result.status != status::joined) {
        // Rule 14: a refused join does not spend its once token.
        give_back_claim();
        std::string const room = std::exchange(room_, {});
        place_ = place::outside;
        if (result.status == status::full) {
            counters::add(ctx_.counters.fulls_total);
            // A third caller at a two-person room: worth a line, not an operator's attention.
            logging::info(about("join.full", "full", logging::room_tag(room)), "the room is full");
            return send(protocol::encode_full(room));
        }
        if (result.status == status::unavailable) {
            return report(store_unavailable());
        }
        logging::warn(about("join.room_limit", protocol::wire_name(wire_error::room_limit)), "max_rooms ({}) reached",
                      ctx_.settings.max_rooms);
        return refuse({wire_error::room_limit, "the server holds its maximum number of rooms", "join"});
    }
    place_ = place::inside;
    claimed_jti_.clear();  // spent: remembered by the store until the token's exp
    counters::add(ctx_.counters.joins_total);
    if (spdlog::should_log(spdlog::level::debug)) {  // the tag costs an HMAC
        logging::debug(about("join", {}, logging::room_tag(room_)), "joined room {} ({} of {})", room_, result.peers,
                       ctx_.settings.room_capacity);
    }
    send(protocol::encode_joined(room_, id_, result.peers,
                                 ice::ice_servers_json(ctx_.settings, id_, std::chrono::system_clock::now()),
                                 {result.role, result.resume, false}));
}

void connection::handle(protocol::leave_request const& request, clock::time_point now) {
    if (!in_room(request.room)) {
        return refuse({wire_error::not_in_room, not_in_room_message(request.room), "leave"});
    }
    std::string const room = room_;
    leave_room(now);
    counters::add(ctx_.counters.leaves_total);
    send(protocol::encode_leaved(room, id_));
}

void connection::handle(protocol::relay_request const& request, clock::time_point) {
    // Rule 4: only a member may relay, and only into its own room.
    if (!in_room(request.room)) {
        return refuse({wire_error::not_in_room, not_in_room_message(request.room), "message"});
    }
    std::optional<std::string_view> to;
    if (request.to) {
        to = std::string_view(*request.to);
    }
    // Encoded once for every receiver, into a buffer this connection reuses; `data` is
    // the sender's own text (rule 5: unmodified).
    protocol::encode_relay_into(relay_frame_, room_, id_, request.data);
    auto const result = ctx_.rooms.relay(room_, *this, relay_frame_, to);
    auto const frame_size = relay_frame_.size();
    if (relay_frame_.capacity() > kept_frame_capacity) {
        std::string().swap(relay_frame_);
    }
    switch (result.status) {
    case rooms::room_registry::relay_status::not_in_room:
        return refuse({wire_error::not_in_room, not_in_room_message(request.room), "message"});
    case rooms::room_registry::relay_status::no_such_peer:
        return refuse({wire_error::no_such_peer, "'to' names no other member of the room", "message"});
    case rooms::room_registry::relay_status::unavailable:
        report({wire_error::unavailable, std::string(other_nodes_unreachable), "message"});
        break;
    case rooms::room_registry::relay_status::relayed:
        break;
    }
    if (result.not_kept > 0) {
        // Rule 12: a held member's keep is full; the others got it as usual.
        logging::warn(about("relay.peer_unavailable", "peer_unavailable"), "a held seat's keep passed {} bytes",
                      ctx_.settings.lease_queue_bytes);
        report({wire_error::peer_unavailable, "a member is reconnecting and cannot take more messages now",
                "message"});
    }
    auto& c = ctx_.counters;
    counters::add(c.relay_requests_total);
    counters::add(c.messages_relayed_total, result.receivers);
    counters::add(c.bytes_relayed_total, result.receivers * frame_size);
}

void connection::handle(protocol::ping_request const&, clock::time_point) {
    send(protocol::encode_pong());
}

void connection::deliver(std::string_view frame) {
    send(frame);
}

void connection::member_joined(std::string_view room, std::string_view who) {
    send(protocol::encode_otherjoin(room, who));
}

void connection::member_left(std::string_view room, std::string_view who) {
    send(protocol::encode_bye(room, who));
}

void connection::member_down(std::string_view room, std::string_view who) {
    send(protocol::encode_peerdown(room, who));
}

void connection::member_up(std::string_view room, std::string_view who) {
    send(protocol::encode_peerup(room, who));
}

void connection::replaced(std::string_view room) {
    // Rule 12: the seat moved to a newer connection; this one is in no room any more,
    // so its close must not drop or leave the seat.
    if (spdlog::should_log(spdlog::level::debug)) {
        logging::debug(about("lease.replaced", {}, logging::room_tag(room)), "seat in room {} resumed elsewhere", room);
    }
    place_ = place::outside;
    room_.clear();
    close(protocol::close_code::replaced, "replaced", metrics::close_reason::replaced);
}

void connection::relay_refused(protocol::error_code code) {
    switch (code) {
    case wire_error::no_such_peer:
        return refuse({wire_error::no_such_peer, "'to' names no other member of the room", "message"});
    case wire_error::peer_unavailable:
        return report({wire_error::peer_unavailable, "a member is reconnecting and cannot take more messages now",
                       "message"});
    default:
        return report({code, std::string(other_nodes_unreachable), "message"});
    }
}

void connection::report(request_error const& error) {
    ctx_.counters.count_error(error.code);
    send(protocol::encode_error(error));
}

void connection::refuse(request_error const& error) {
    ctx_.counters.count_error(error.code);
    send(protocol::encode_error(error));
    // Rule 8: a connection that keeps sending refused requests is closed, after its
    // last error reply.
    if (++violations_ >= ctx_.settings.max_violations) {
        logging::warn(about("ws.violations", "violations"), "closing after {} refused requests", violations_);
        close(protocol::close_code::policy_violation, "too many refused requests", metrics::close_reason::violations);
    }
}

void connection::send(std::string_view frame) {
    if (closing_) {
        return;
    }
    if (!out_.send(frame)) {
        // Rule 5: never drop a message while both ends stay connected; a receiver that
        // cannot keep up is disconnected instead, and its room is told (on_closed).
        logging::warn(about("ws.slow_consumer", "slow_consumer"), "closing: send queue passed {} bytes",
                      ctx_.settings.max_send_queue_bytes);
        close(protocol::close_code::policy_violation, "slow consumer", metrics::close_reason::slow_consumer);
    }
}

void connection::close(protocol::close_code code, std::string_view reason, metrics::close_reason why) {
    if (closing_) {
        return;
    }
    closing_ = true;
    out_.close(code, reason, why);
}

void connection::leave_room(clock::time_point now) {
    // A join under way ends with the connection: its once token was not spent.
    if (place_ != place::inside) {
        give_back_claim();
    }
    if (place_ == place::outside) {
        return;
    }
    // Rule 6: the others get `bye` (a pending join is cancelled).
    ctx_.rooms.leave(room_, *this, now);
    if (spdlog::should_log(spdlog::level::debug)) {
        logging::debug(about("leave", {}, logging::room_tag(room_)), "left room {}", room_);
    }
    place_ = place::outside;
    room_.clear();
}

}  // namespace duet::signaling
