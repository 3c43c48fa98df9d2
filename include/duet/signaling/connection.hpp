#pragma once

#include <duet/access/join_token.hpp>
#include <duet/logging/event.hpp>
#include <duet/protocol/client_message.hpp>
#include <duet/rooms/member.hpp>
#include <duet/signaling/context.hpp>
#include <duet/signaling/rate_limiter.hpp>
#include <duet/signaling/transport.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace duet::signaling {

/// The signaling protocol for one client connection (docs/protocol.md): parses each
/// request, applies the rules (join and capacity, one room per connection, relay only
/// into your own room, `to`, ping, the rate limit, refused requests and their limit, the
/// slow-consumer close, the seat lease and resume) and decides who gets what. No socket, no Beast, no Asio: the
/// transport under it sends frames and closes; the room registry finds the receivers.
///
/// Owned by its transport (ws::websocket_session holds one per WebSocket). Lives on the
/// event-loop thread. Drops its seat when the transport reports the end (on_closed:
/// held for a resume with a seat lease, rule 12; at a planned stop hand_over holds it
/// sooner) or, at the latest, leaves it when destroyed.
class connection final : public rooms::member {
public:
    using clock = std::chrono::steady_clock;

    /// `who`: the connection's number and client address, for its log lines.
    connection(context const& ctx, transport& out, clock::time_point now, logging::connection_label who = {});
    ~connection() override;
    connection(connection const&) = delete;
    connection& operator=(connection const&) = delete;

    /// One text frame from the client.
    void on_text(std::string_view text, clock::time_point now);

    /// The connection is over, or closing, without `leave`: the seat is dropped now (held
    /// for seat_lease, the others get `peerdown`; without a lease they get `bye`).
    /// Nothing is sent or handled after this. Idempotent.
    void on_closed(clock::time_point now);

    /// Rule 11 at a planned stop: the transport is closing (1001) and reads on until the
    /// client answers the close. The seat is held now (the others get `peerdown`, what
    /// they send is kept for the resume) and nothing more is sent, but the messages and
    /// `leave` the client sent before it saw the close still take effect, until
    /// on_closed. Without a lease it is on_closed.
    void hand_over(clock::time_point now);

    /// The room this connection is in; empty when none.
    std::string const& room() const noexcept { return room_; }

    // rooms::member
    std::string const& id() const noexcept override { return id_; }
    void deliver(std::string_view frame) override;
    void member_joined(std::string_view room, std::string_view who) override;
    void member_left(std::string_view room, std::string_view who) override;
    void member_down(std::string_view room, std::string_view who) override;
    void member_up(std::string_view room, std::string_view who) override;
    void replaced(std::string_view room) override;
    void relay_refused(protocol::error_code code) override;

private:
    /// Where the connection stands with respect to rooms.
    enum class place { outside, joining, inside };

    /// A request read while draining (hand_over): what still takes effect.
    void drain(protocol::client_message const& request, clock::time_point now);
    void handle(protocol::join_request const& request, clock::time_point now);
    void enter(std::string room, clock::time_point now);
    void take_back(std::string room, std::string_view secret, clock::time_point now);
    void on_resume_result(rooms::room_registry::resume_result const& result);
    void on_claim(access::spent_tokens::claim_status status, std::string const& room);
    void give_back_claim();
    void handle(protocol::leave_request const& request, clock::time_point now);
    void handle(protocol::relay_request const& request, clock::time_point now);
    void handle(protocol::ping_request const& request, clock::time_point now);
    void on_join_result(rooms::room_registry::join_result const& result);
    void refuse(protocol::request_error const& error);
    /// An error that is no fault of the client's (peer_unavailable): not a violation.
    void report(protocol::request_error const& error);
    void send(std::string_view frame);
    void close(protocol::close_code code, std::string_view reason, metrics::close_reason why);
    void leave_room(clock::time_point now);
    /// The fields of a log line about this connection.
    logging::fields about(std::string_view event, std::string_view reason = {}, std::string_view room_tag = {}) const;
    bool in_room(std::string_view room) const noexcept { return place_ == place::inside && room == room_; }

    context const& ctx_;
    transport& out_;
    logging::connection_label const who_;
    std::string id_;  // a resume (rule 12) replaces it with the seat's
    std::string room_;  // the room joined, or being joined
    // The jti of a once token claimed for a join still under way (rule 14): spent when
    // the join succeeds, given back when it is refused or the connection ends first.
    std::string claimed_jti_;
    place place_ = place::outside;
    rate_limiter limiter_;
    std::size_t violations_ = 0;
    bool closing_ = false;
    bool draining_ = false;  // hand_over: closing, yet what the client sent still counts
    std::string relay_frame_;  // reused for every relay this connection sends
};

}  // namespace duet::signaling
