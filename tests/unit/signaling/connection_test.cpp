// signaling::connection: the protocol rules (docs/protocol.md) with no socket. Each
// client is a connection over a recording fake transport; the rooms are a real
// local_room_registry. Requests go in as JSON text through on_text (the public parse),
// and every frame that comes out is checked exactly.
#include <duet/signaling/connection.hpp>

#include <duet/access/local_spent_tokens.hpp>
#include <duet/config/settings.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/protocol/close_code.hpp>
#include <duet/protocol/error_code.hpp>
#include <duet/protocol/identifiers.hpp>
#include <duet/rooms/local_room_registry.hpp>
#include <duet/signaling/context.hpp>
#include <duet/signaling/transport.hpp>

#include "support/token_forge.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace duet::signaling {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using frames = std::vector<std::string>;
using protocol::error_code;
using clock_type = connection::clock;

// A fixed clock: the rate limiter takes the time it is given, so no test reads a clock.
clock_type::time_point const t0{std::chrono::hours(1000)};

/// One close() call, and how many frames had been sent before it.
struct close_call {
    protocol::close_code code;
    std::string reason;
    metrics::close_reason why;
    std::size_t frames_before;
};

/// A transport that records what the rules send and how they close. send() takes every
/// frame unless a byte budget is set, past which it refuses (a slow consumer). close()
/// only records: it never calls back into the connection.
class recording_transport final : public transport {
public:
    bool send(std::string_view frame) override {
        ++send_calls;
        EXPECT_TRUE(closes.empty()) << "sent after close: " << frame;
        if (budget && sent_bytes + frame.size() > *budget) {
            ++refused;
            return false;
        }
        sent_bytes += frame.size();
        sent.emplace_back(frame);
        return true;
    }

    void close(protocol::close_code code, std::string_view reason, metrics::close_reason why) override {
        EXPECT_TRUE(closes.empty()) << "closed twice";
        closes.push_back({code, std::string(reason), why, sent.size()});
    }

    /// The frames sent since the last call.
    frames fresh() {
        frames out(sent.begin() + static_cast<std::ptrdiff_t>(seen), sent.end());
        seen = sent.size();
        return out;
    }

    /// Refuses any frame that would take the bytes sent past `more` from now.
    void refuse_beyond(std::size_t more) { budget = sent_bytes + more; }

    frames sent;
    std::size_t seen = 0;
    std::size_t sent_bytes = 0;
    std::size_t send_calls = 0;
    std::size_t refused = 0;
    std::optional<std::size_t> budget;
    std::vector<close_call> closes;
};

/// A client: a connection over its own recording transport (which outlives it).
struct client {
    explicit client(context const& ctx) { conn.emplace(ctx, out, t0); }

    void send(std::string_view text, clock_type::time_point now = t0) { conn->on_text(text, now); }
    frames fresh() { return out.fresh(); }

    recording_transport out;
    std::optional<connection> conn;
    std::string id;  // as read from its `joined`
};

/// The rules of 1.0, which most tests here are about: a drop is `bye` at once. The
/// connection_lease tests lease seats (leased_settings).
config::settings default_settings() {
    config::settings s;
    s.stun_urls = {"stun:stun.example.org:3478"};
    s.seat_lease = std::chrono::milliseconds(0);
    return s;
}

/// What every connection shares: settings, rooms and counters. Declared before the
/// clients of a test, so it outlives them.
struct world {
    explicit world(config::settings s = default_settings())
        : settings(std::move(s)),
          registry(settings.room_capacity, settings.max_rooms,
                   rooms::lease_terms{settings.seat_lease, settings.lease_queue_bytes, {}}, &counters) {}

    std::unique_ptr<client> connect() { return std::make_unique<client>(ctx); }

    std::uint64_t errors(error_code code) const {
        return metrics::counters::read(counters.errors_total[static_cast<std::size_t>(code)]);
    }
    std::uint64_t total_errors() const {
        std::uint64_t n = 0;
        for (auto const& c : counters.errors_total) {
            n += metrics::counters::read(c);
        }
        return n;
    }

    config::settings settings;
    metrics::counters counters;  // before registry, which counts leases into it
    rooms::local_room_registry registry;
    access::local_spent_tokens spent_tokens{settings.max_spent_tokens};
    std::vector<config::join_secret> join_secrets = config::split_join_secrets(settings.join_secrets);
    context ctx{settings, registry, counters, spent_tokens, join_secrets};
};

std::uint64_t read(metrics::counters::counter const& c) {
    return metrics::counters::read(c);
}

// The exact frames of docs/protocol.md ("type" first, as the server writes them).
std::string otherjoin(std::string const& room, std::string const& id) {
    return R"({"type":"otherjoin","room":")" + room + R"(","id":")" + id + R"("})";
}
std::string bye(std::string const& room, std::string const& id) {
    return R"({"type":"bye","room":")" + room + R"(","id":")" + id + R"("})";
}
std::string leaved(std::string const& room, std::string const& id) {
    return R"({"type":"leaved","room":")" + room + R"(","id":")" + id + R"("})";
}
std::string full(std::string const& room) {
    return R"({"type":"full","room":")" + room + R"("})";
}
std::string relayed(std::string const& room, std::string const& from, std::string const& data) {
    return R"({"type":"message","room":")" + room + R"(","from":")" + from + R"(","data":)" + data + "}";
}
std::string const pong = R"({"type":"pong"})";

std::string join_request(std::string const& room) {
    return R"({"type":"join","room":")" + room + R"("})";
}
std::string leave_request(std::string const& room) {
    return R"({"type":"leave","room":")" + room + R"("})";
}
std::string message_request(std::string const& room, std::string const& data) {
    return R"({"type":"message","room":")" + room + R"(","data":)" + data + "}";
}
std::string message_to(std::string const& room, std::string const& to, std::string const& data) {
    return R"({"type":"message","room":")" + room + R"(","to":")" + to + R"(","data":)" + data + "}";
}
std::string const ping_request = R"({"type":"ping"})";

/// Parses one frame: a JSON object whose first member is `type`.
json parse(std::string const& frame, std::string const& type) {
    EXPECT_EQ(frame.rfind(R"({"type":")" + type + '"', 0), 0U) << frame;
    auto parsed = json::parse(frame, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << frame;
    return parsed.is_object() ? parsed : json::object();
}

/// Checks that `frames_sent` is exactly one `error` with `code` and `ref` (none if
/// empty) and a human message.
void expect_error(frames const& frames_sent, std::string const& code, std::string const& ref) {
    ASSERT_EQ(frames_sent.size(), 1U) << ::testing::PrintToString(frames_sent);
    auto const j = parse(frames_sent.front(), "error");
    EXPECT_EQ(j.value("code", ""), code) << frames_sent.front();
    ASSERT_TRUE(j.contains("message") && j["message"].is_string()) << frames_sent.front();
    EXPECT_FALSE(j["message"].get<std::string>().empty());
    if (ref.empty()) {
        EXPECT_FALSE(j.contains("ref")) << frames_sent.front();
        EXPECT_EQ(j.size(), 3U) << frames_sent.front();
    } else {
        EXPECT_EQ(j.value("ref", ""), ref) << frames_sent.front();
        EXPECT_EQ(j.size(), 4U) << frames_sent.front();
    }
}

/// Sends a join and checks that the answer is exactly one `joined` for `room` with
/// `peers`; returns (and keeps) the id it carries.
std::string join(client& c, std::string const& room, std::size_t peers) {
    c.send(join_request(room));
    auto const answer = c.fresh();
    EXPECT_EQ(answer.size(), 1U) << ::testing::PrintToString(answer);
    if (answer.empty()) {
        return {};
    }
    auto const j = parse(answer.front(), "joined");
    EXPECT_EQ(j.value("room", ""), room);
    EXPECT_EQ(j.value("peers", 0U), peers);
    EXPECT_TRUE(j.contains("iceServers") && j["iceServers"].is_array()) << answer.front();
    c.id = j.value("id", "");
    return c.id;
}

/// The usual room of two: A joins `room`, then B. A's otherjoin is checked and read, so
/// neither has anything fresh; their ids are in a.id and b.id.
void join_pair(client& a, client& b, std::string const& room = "demo") {
    join(a, room, 1);
    join(b, room, 2);
    EXPECT_EQ(a.fresh(), frames{otherjoin(room, b.id)});
}

// Rule 3: joined, with the joiner's id, its occupancy and the ICE servers.
TEST(connection, JoinIsAnsweredWithJoined) {
    world w;
    auto a = w.connect();
    a->send(join_request("demo"));
    auto const answer = a->fresh();
    ASSERT_EQ(answer.size(), 1U);
    auto const j = parse(answer.front(), "joined");
    EXPECT_EQ(j["room"], "demo");
    ASSERT_TRUE(j["id"].is_string());
    auto const id = j["id"].get<std::string>();
    EXPECT_TRUE(protocol::is_valid_peer_id(id)) << id;
    EXPECT_GE(id.size(), 16U);  // at least 96 random bits
    EXPECT_EQ(id, a->conn->id());
    EXPECT_EQ(j["peers"], 1);
    EXPECT_EQ(j["iceServers"], json::parse(R"([{"urls":["stun:stun.example.org:3478"]}])"));
    EXPECT_EQ(a->conn->room(), "demo");
    EXPECT_EQ(w.registry.member_count(), 1U);
    EXPECT_TRUE(a->out.closes.empty());
}

TEST(connection, PeerIdsDiffer) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    EXPECT_NE(join(*a, "r1", 1), join(*b, "r2", 1));
}

// Rule 3: the member already there gets otherjoin with the joiner's id; the joiner
// gets its joined and nothing else.
TEST(connection, TheMemberPresentGetsOtherjoin) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    auto const id_a = join(*a, "demo", 1);
    auto const id_b = join(*b, "demo", 2);
    EXPECT_NE(id_a, id_b);
    EXPECT_EQ(a->fresh(), frames{otherjoin("demo", id_b)});
    EXPECT_EQ(b->fresh(), frames{});
}

// Rule 1: a room holds room_capacity members (2 by default); the next gets `full`
// and nothing changes.
TEST(connection, TheThirdGetsFull) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    join_pair(*a, *b);
    c->send(join_request("demo"));
    EXPECT_EQ(c->fresh(), frames{full("demo")});
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_EQ(w.registry.member_count(), 2U);
    EXPECT_EQ(c->conn->room(), "");
    EXPECT_EQ(w.total_errors(), 0U);
    // C is in no room: it cannot relay there, and may join another room.
    c->send(message_request("demo", "1"));
    expect_error(c->fresh(), "not_in_room", "message");
    EXPECT_EQ(a->fresh(), frames{});
    join(*c, "other", 1);
}

TEST(connection, CapacityIsConfigurable) {
    auto settings = default_settings();
    settings.room_capacity = 3;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    auto d = w.connect();
    join(*a, "r", 1);
    auto const id_b = join(*b, "r", 2);
    auto const id_c = join(*c, "r", 3);
    EXPECT_EQ(a->fresh(), (frames{otherjoin("r", id_b), otherjoin("r", id_c)}));
    EXPECT_EQ(b->fresh(), frames{otherjoin("r", id_c)});
    d->send(join_request("r"));
    EXPECT_EQ(d->fresh(), frames{full("r")});
    EXPECT_EQ(a->fresh(), frames{});
}

/// The `role` a connection's last `joined` carried; "" when it carried none.
std::string role_of(std::string const& joined_frame) {
    auto const j = parse(joined_frame, "joined");
    return j.contains("role") ? j["role"].get<std::string>() : "";
}

// Rule 13: in a room of two, the joiner that finds it empty is impolite, the second
// polite; after the first leaves, a newcomer takes the role the one there lacks.
TEST(connection, JoinedCarriesTheRoleInARoomOfTwo) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    a->send(join_request("demo"));
    EXPECT_EQ(role_of(a->fresh().at(0)), "impolite");
    b->send(join_request("demo"));
    EXPECT_EQ(role_of(b->fresh().at(0)), "polite");
    a->send(leave_request("demo"));
    c->send(join_request("demo"));
    EXPECT_EQ(role_of(c->fresh().at(0)), "impolite");
}

// Rule 13 gives roles to rooms of capacity 2 only: a bigger room has no pair to
// negotiate, so `joined` carries no `role` there.
TEST(connection, JoinedCarriesNoRoleInABiggerRoom) {
    auto settings = default_settings();
    settings.room_capacity = 3;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    a->send(join_request("r"));
    EXPECT_EQ(role_of(a->fresh().at(0)), "");
    b->send(join_request("r"));
    EXPECT_EQ(role_of(b->fresh().at(0)), "");
}

// Rule 9: room_limit when the daemon holds max_rooms; the joiner stays outside.
TEST(connection, RoomLimit) {
    auto settings = default_settings();
    settings.max_rooms = 1;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    join(*a, "r", 1);
    b->send(join_request("s"));
    expect_error(b->fresh(), "room_limit", "join");
    EXPECT_EQ(w.errors(error_code::room_limit), 1U);
    EXPECT_EQ(w.registry.room_count(), 1U);
    EXPECT_EQ(b->conn->room(), "");
    // An existing room can still be joined.
    join(*b, "r", 2);
}

// Rule 2: one room per connection.
TEST(connection, JoinWhileInARoomIsAlreadyInRoom) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join_pair(*a, *b);
    a->send(join_request("demo"));
    expect_error(a->fresh(), "already_in_room", "join");
    a->send(join_request("other"));
    expect_error(a->fresh(), "already_in_room", "join");
    EXPECT_EQ(w.errors(error_code::already_in_room), 2U);
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_EQ(w.registry.room_count(), 1U);
    EXPECT_EQ(a->conn->room(), "demo");
    // Still in: it relays as before.
    a->send(message_request("demo", "1"));
    EXPECT_EQ(b->fresh(), frames{relayed("demo", a->id, "1")});
}

// Rule 6: leave -> leaved to the leaver, bye to the others.
TEST(connection, LeaveIsAnsweredWithLeavedAndTheOthersGetBye) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    auto const id_a = join(*a, "demo", 1);
    auto const id_b = join(*b, "demo", 2);
    a->fresh();
    b->send(leave_request("demo"));
    EXPECT_EQ(b->fresh(), frames{leaved("demo", id_b)});
    EXPECT_EQ(a->fresh(), frames{bye("demo", id_b)});
    EXPECT_EQ(b->conn->room(), "");
    EXPECT_EQ(w.registry.member_count(), 1U);
    // A is alone: its message reaches nobody, B is not told.
    a->send(message_request("demo", "1"));
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_EQ(b->fresh(), frames{});
    // B may come back, with the same id.
    EXPECT_EQ(join(*b, "demo", 2), id_b);
    EXPECT_EQ(a->fresh(), frames{otherjoin("demo", id_b)});
    // The last one out: an empty room ceases to exist.
    a->send(leave_request("demo"));
    EXPECT_EQ(a->fresh(), frames{leaved("demo", id_a)});
    EXPECT_EQ(b->fresh(), frames{bye("demo", id_a)});
    b->send(leave_request("demo"));
    EXPECT_EQ(b->fresh(), frames{leaved("demo", id_b)});
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_EQ(w.registry.room_count(), 0U);
}

TEST(connection, LeaveOfAnotherRoomIsNotInRoom) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    auto const id_a = join(*a, "demo", 1);
    join(*b, "demo", 2);
    join(*c, "other", 1);
    a->fresh();
    a->send(leave_request("other"));
    expect_error(a->fresh(), "not_in_room", "leave");
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_EQ(c->fresh(), frames{});
    EXPECT_EQ(a->conn->room(), "demo");
    EXPECT_EQ(w.registry.member_count(), 3U);
    // Outside every room too.
    auto d = w.connect();
    d->send(leave_request("demo"));
    expect_error(d->fresh(), "not_in_room", "leave");
    EXPECT_EQ(w.errors(error_code::not_in_room), 2U);
    EXPECT_EQ(read(w.counters.leaves_total), 0U);
    // A is still in demo.
    a->send(message_request("demo", "2"));
    EXPECT_EQ(b->fresh(), frames{relayed("demo", id_a, "2")});
}

// Rule 5: `data` arrives as the sender wrote it (member order, number spelling, escapes,
// white space), with `from`; rule 4: never back to the sender.
TEST(connection, MessageIsRelayedWithTheExactDataAndFrom) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join_pair(*a, *b);
    std::vector<std::string> const data{
        R"({"type":"offer","sdp":"v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\n"})",
        R"({"z":1,"a":[1.0,1e2,1E+2,-0,0.10,12345678901234567890],"m":{"y":2,"b":1}})",
        R"({ "spaced" : [ 1 , 2 ] , "x" : { } })",
        R"("\u00e9\u00E9 \"quoted\" \/ \\ \t \ud83d\ude00 é")",
        R"([null,true,false,"",[],{}])",
        R"(-1.5e-7)",
        R"(null)",
    };
    for (auto const& d : data) {
        a->send(message_request("demo", d));
        EXPECT_EQ(b->fresh(), frames{relayed("demo", a->id, d)});
        EXPECT_EQ(a->fresh(), frames{});
    }
    // Either way round, and in the order sent.
    b->send(message_request("demo", "1"));
    b->send(message_request("demo", "2"));
    b->send(message_request("demo", "3"));
    EXPECT_EQ(a->fresh(),
              (frames{relayed("demo", b->id, "1"), relayed("demo", b->id, "2"), relayed("demo", b->id, "3")}));
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_EQ(w.total_errors(), 0U);
}

TEST(connection, MembersOfTheRequestInAnyOrderAndUnknownOnesIgnored) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join_pair(*a, *b);
    a->send(R"({"data":{"k":"v"},"extra":[1,2],"room":"demo","type":"message"})");
    EXPECT_EQ(b->fresh(), frames{relayed("demo", a->id, R"({"k":"v"})")});
    a->send(R"({"type":"ping","room":"ignored","data":1})");
    EXPECT_EQ(a->fresh(), frames{pong});
}

// Rule 4: a message into a room the sender is not in is refused and goes nowhere.
TEST(connection, MessageToARoomNotJoinedIsNotInRoom) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    auto d = w.connect();
    join(*a, "demo", 1);
    join(*b, "demo", 2);
    join(*c, "other", 1);
    join(*d, "other", 2);
    a->fresh();
    c->fresh();
    a->send(message_request("other", R"({"sdp":"x"})"));
    expect_error(a->fresh(), "not_in_room", "message");
    auto outsider = w.connect();
    outsider->send(message_request("demo", "1"));
    expect_error(outsider->fresh(), "not_in_room", "message");
    outsider->send(message_to("demo", b->id, "1"));
    expect_error(outsider->fresh(), "not_in_room", "message");
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_EQ(c->fresh(), frames{});
    EXPECT_EQ(d->fresh(), frames{});
    EXPECT_EQ(w.errors(error_code::not_in_room), 3U);
    EXPECT_EQ(read(w.counters.relay_requests_total), 0U);
    EXPECT_EQ(read(w.counters.messages_relayed_total), 0U);
}

// Rule 4: `to` names the one receiver.
TEST(connection, ToTargetsOneMember) {
    auto settings = default_settings();
    settings.room_capacity = 3;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    auto const id_a = join(*a, "r", 1);
    auto const id_b = join(*b, "r", 2);
    auto const id_c = join(*c, "r", 3);
    a->fresh();
    b->fresh();
    a->send(message_to("r", id_c, R"({"for":"C"})"));
    EXPECT_EQ(c->fresh(), frames{relayed("r", id_a, R"({"for":"C"})")});
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_EQ(a->fresh(), frames{});
    c->send(message_to("r", id_b, "2"));
    EXPECT_EQ(b->fresh(), frames{relayed("r", id_c, "2")});
    EXPECT_EQ(a->fresh(), frames{});
    // Without `to`, both others.
    b->send(message_request("r", "3"));
    EXPECT_EQ(a->fresh(), frames{relayed("r", id_b, "3")});
    EXPECT_EQ(c->fresh(), frames{relayed("r", id_b, "3")});
}

TEST(connection, ToSelfOrUnknownIsNoSuchPeer) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    auto e = w.connect();
    auto const id_a = join(*a, "demo", 1);
    join(*b, "demo", 2);
    auto const id_e = join(*e, "elsewhere", 1);
    a->fresh();
    for (auto const& to : {id_a, std::string("nobody"), std::string(""), id_e}) {
        a->send(message_to("demo", to, "1"));
        expect_error(a->fresh(), "no_such_peer", "message");
    }
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_EQ(e->fresh(), frames{});
    EXPECT_EQ(w.errors(error_code::no_such_peer), 4U);
    EXPECT_EQ(read(w.counters.relay_requests_total), 0U);
}

TEST(connection, PingIsAnsweredWithPong) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    a->send(ping_request);
    EXPECT_EQ(a->fresh(), frames{pong});
    join_pair(*a, *b);
    a->send(ping_request);
    EXPECT_EQ(a->fresh(), frames{pong});
    EXPECT_EQ(b->fresh(), frames{});
}

/// One malformed request, the error it gets and its `ref`.
struct malformed {
    std::string name;
    std::string text;
    error_code code;
    std::string wire;
    std::string ref;
};

std::ostream& operator<<(std::ostream& os, malformed const& m) {
    return os << m.name << ": " << m.text;
}

class connection_malformed : public ::testing::TestWithParam<malformed> {};

// Rule 9: the error and its ref; the connection stays open and keeps working.
TEST_P(connection_malformed, IsRefusedWithTheRightCodeAndStaysOpen) {
    auto const& row = GetParam();
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join_pair(*a, *b);
    a->send(row.text);
    expect_error(a->fresh(), row.wire, row.ref);
    EXPECT_EQ(w.errors(row.code), 1U);
    EXPECT_EQ(w.total_errors(), 1U);
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_TRUE(a->out.closes.empty());
    EXPECT_EQ(a->conn->room(), "demo");
    a->send(ping_request);
    EXPECT_EQ(a->fresh(), frames{pong});
    a->send(message_request("demo", "1"));
    EXPECT_EQ(b->fresh(), frames{relayed("demo", a->id, "1")});
}

std::string const long_room(65, 'r');

INSTANTIATE_TEST_SUITE_P(
    rules, connection_malformed,
    ::testing::Values(
        malformed{"not_json", "hello", error_code::bad_json, "bad_json", ""},
        malformed{"empty", "", error_code::bad_json, "bad_json", ""},
        malformed{"truncated", R"({"type":"ping")", error_code::bad_json, "bad_json", ""},
        malformed{"array", R"([{"type":"ping"}])", error_code::bad_json, "bad_json", ""},
        malformed{"string", R"("ping")", error_code::bad_json, "bad_json", ""},
        malformed{"no_type", R"({"room":"demo"})", error_code::bad_json, "bad_json", ""},
        malformed{"type_not_string", R"({"type":1,"room":"demo"})", error_code::bad_json, "bad_json", ""},
        malformed{"unknown_type", R"({"type":"dance"})", error_code::unknown_type, "unknown_type", "dance"},
        malformed{"unknown_type_case", R"({"type":"JOIN","room":"demo"})", error_code::unknown_type, "unknown_type",
                  "JOIN"},
        malformed{"unknown_before_invalid_room", R"({"type":"dance","room":"bad room"})", error_code::unknown_type,
                  "unknown_type", "dance"},
        malformed{"join_no_room", R"({"type":"join"})", error_code::bad_request, "bad_request", "join"},
        malformed{"join_room_number", R"({"type":"join","room":5})", error_code::bad_request, "bad_request", "join"},
        malformed{"leave_no_room", R"({"type":"leave"})", error_code::bad_request, "bad_request", "leave"},
        malformed{"message_no_data", R"({"type":"message","room":"demo"})", error_code::bad_request, "bad_request",
                  "message"},
        malformed{"message_no_room", R"({"type":"message","data":1})", error_code::bad_request, "bad_request",
                  "message"},
        malformed{"message_to_number", R"({"type":"message","room":"demo","data":1,"to":5})",
                  error_code::bad_request, "bad_request", "message"},
        malformed{"bad_request_before_invalid_room", R"({"type":"message","room":"bad room"})",
                  error_code::bad_request, "bad_request", "message"},
        malformed{"join_empty_room", R"({"type":"join","room":""})", error_code::invalid_room, "invalid_room",
                  "join"},
        malformed{"join_room_space", R"({"type":"join","room":"a b"})", error_code::invalid_room, "invalid_room",
                  "join"},
        malformed{"join_room_slash", R"({"type":"join","room":"a/b"})", error_code::invalid_room, "invalid_room",
                  "join"},
        malformed{"join_room_65", R"({"type":"join","room":")" + long_room + R"("})", error_code::invalid_room,
                  "invalid_room", "join"},
        malformed{"leave_room_bang", R"({"type":"leave","room":"!"})", error_code::invalid_room, "invalid_room",
                  "leave"},
        malformed{"message_room_accent", R"({"type":"message","room":"caf\u00e9","data":1})",
                  error_code::invalid_room, "invalid_room", "message"}),
    [](::testing::TestParamInfo<malformed> const& row) { return row.param.name; });

TEST(connection, ARoomNameOf64AllowedCharactersIsValid) {
    world w;
    auto a = w.connect();
    std::string const room = "Az09_.~-" + std::string(56, 'x');
    ASSERT_EQ(room.size(), 64U);
    join(*a, room, 1);
    EXPECT_EQ(w.total_errors(), 0U);
}

// Rule 8: a token bucket over the time given to on_text: burst, then refill.
TEST(connection, RateLimitedPastTheBurstUntilRefilled) {
    auto settings = default_settings();
    settings.rate_limit_per_second = 2.0;
    settings.rate_limit_burst = 3.0;
    world w(settings);
    auto a = w.connect();
    for (int i = 0; i < 3; ++i) {
        a->send(ping_request, t0);
        EXPECT_EQ(a->fresh(), frames{pong}) << i;
    }
    a->send(ping_request, t0);
    expect_error(a->fresh(), "rate_limited", "");
    // Refused before parsing: a malformed or valid request over the limit alike.
    // (Times are binary fractions of a second: the bucket's sums are exact.)
    a->send("not json", t0 + 250ms);
    expect_error(a->fresh(), "rate_limited", "");
    a->send(join_request("demo"), t0 + 250ms);
    expect_error(a->fresh(), "rate_limited", "");
    EXPECT_EQ(w.registry.member_count(), 0U);  // dropped, not joined
    // 2 per second: one token after 500 ms.
    a->send(ping_request, t0 + 500ms);
    EXPECT_EQ(a->fresh(), frames{pong});
    a->send(ping_request, t0 + 500ms);
    expect_error(a->fresh(), "rate_limited", "");
    // A long pause refills the burst, no more.
    auto const later = t0 + 60s;
    for (int i = 0; i < 3; ++i) {
        a->send(ping_request, later);
        EXPECT_EQ(a->fresh(), frames{pong}) << i;
    }
    a->send(ping_request, later);
    expect_error(a->fresh(), "rate_limited", "");
    EXPECT_EQ(w.errors(error_code::rate_limited), 5U);
    EXPECT_EQ(w.errors(error_code::bad_json), 0U);
    EXPECT_TRUE(a->out.closes.empty());
}

// Rule 8: max_violations refused requests close the connection (1008) after the last
// error reply; the room hears `bye` once the transport reports the end.
TEST(connection, TooManyRefusedRequestsClose) {
    auto settings = default_settings();
    settings.max_violations = 3;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    join_pair(*a, *b);
    b->send("nope");
    expect_error(b->fresh(), "bad_json", "");
    b->send(R"({"type":"dance"})");
    expect_error(b->fresh(), "unknown_type", "dance");
    EXPECT_TRUE(b->out.closes.empty());
    b->send(leave_request("other"));
    expect_error(b->fresh(), "not_in_room", "leave");
    ASSERT_EQ(b->out.closes.size(), 1U);
    auto const& closed = b->out.closes.front();
    EXPECT_EQ(closed.code, protocol::close_code::policy_violation);
    EXPECT_EQ(static_cast<int>(closed.code), 1008);
    EXPECT_EQ(closed.reason, "too many refused requests");
    EXPECT_EQ(closed.why, metrics::close_reason::violations);
    EXPECT_EQ(closed.frames_before, b->out.sent.size());  // after the third error frame
    // Closing: nothing more is handled or sent.
    auto const calls = b->out.send_calls;
    b->send(ping_request);
    b->send(message_request("demo", "1"));
    EXPECT_EQ(b->out.send_calls, calls);
    EXPECT_EQ(a->fresh(), frames{});
    // Still a member until the transport reports the end.
    EXPECT_EQ(w.registry.member_count(), 2U);
    b->conn->on_closed(t0);
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    EXPECT_EQ(w.registry.member_count(), 1U);
}

// Rule 5: a receiver whose transport refuses a frame is closed (1008, slow consumer)
// and receives nothing more; its room hears `bye` when on_closed(t0) comes.
TEST(connection, ASlowConsumerIsClosedAndItsRoomToldOnClosed) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join_pair(*a, *b);
    a->send(message_request("demo", "1"));
    EXPECT_EQ(b->fresh(), frames{relayed("demo", a->id, "1")});
    b->out.refuse_beyond(100);
    std::string const big = '"' + std::string(200, 'x') + '"';
    a->send(message_request("demo", big));
    EXPECT_EQ(b->out.refused, 1U);
    EXPECT_EQ(b->fresh(), frames{});
    ASSERT_EQ(b->out.closes.size(), 1U);
    EXPECT_EQ(b->out.closes.front().code, protocol::close_code::policy_violation);
    EXPECT_EQ(b->out.closes.front().reason, "slow consumer");
    EXPECT_EQ(b->out.closes.front().why, metrics::close_reason::slow_consumer);
    // The sender is not refused, and the room is not told yet.
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_TRUE(a->out.closes.empty());
    // B receives nothing more: its transport is not even asked.
    auto const calls = b->out.send_calls;
    a->send(message_request("demo", "2"));
    a->send(ping_request);
    EXPECT_EQ(a->fresh(), frames{pong});
    EXPECT_EQ(b->out.send_calls, calls);
    EXPECT_EQ(w.registry.member_count(), 2U);
    // The transport reports the end later: now A hears bye.
    b->conn->on_closed(t0);
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    EXPECT_EQ(b->out.send_calls, calls);
    EXPECT_EQ(w.registry.member_count(), 1U);
}

TEST(connection, AReceiverRefusingAnOtherjoinIsClosedWhileTheRoomIsWalked) {
    auto settings = default_settings();
    settings.room_capacity = 3;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    join_pair(*a, *b, "r");
    b->out.refuse_beyond(0);
    auto const id_c = join(*c, "r", 3);
    EXPECT_EQ(a->fresh(), frames{otherjoin("r", id_c)});
    ASSERT_EQ(b->out.closes.size(), 1U);
    EXPECT_EQ(b->out.closes.front().why, metrics::close_reason::slow_consumer);
    b->conn->on_closed(t0);
    EXPECT_EQ(a->fresh(), frames{bye("r", b->id)});
    EXPECT_EQ(c->fresh(), frames{bye("r", b->id)});
}

TEST(connection, ARefusedReplyClosesTheSenderAsASlowConsumer) {
    world w;
    auto a = w.connect();
    a->out.refuse_beyond(0);
    a->send(ping_request);
    ASSERT_EQ(a->out.closes.size(), 1U);
    EXPECT_EQ(a->out.closes.front().reason, "slow consumer");
    EXPECT_EQ(a->out.closes.front().why, metrics::close_reason::slow_consumer);
    a->send(ping_request);
    EXPECT_EQ(a->out.send_calls, 1U);
}

// Rule 6: a connection that ends leaves its room; on_closed is idempotent.
TEST(connection, OnClosedSaysByeToTheOthersOnce) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join_pair(*a, *b);
    b->conn->on_closed(t0);
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_TRUE(b->out.closes.empty());  // the transport reported the end: no close back
    EXPECT_EQ(b->conn->room(), "");
    EXPECT_EQ(w.registry.member_count(), 1U);
    b->conn->on_closed(t0);
    EXPECT_EQ(a->fresh(), frames{});
    // Nothing is handled after it.
    b->send(join_request("demo"));
    b->send(ping_request);
    EXPECT_EQ(b->out.send_calls, 1U);  // its joined only
    EXPECT_EQ(w.registry.member_count(), 1U);
    // Nor when it is destroyed.
    b->conn.reset();
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_EQ(read(w.counters.leaves_total), 0U);  // not a leave request
}

TEST(connection, OnClosedOutsideARoomTellsNobody) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join(*a, "demo", 1);
    b->conn->on_closed(t0);
    b->conn.reset();
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_EQ(w.registry.member_count(), 1U);
}

TEST(connection, DestroyingAConnectionInARoomSaysByeToTheOthers) {
    auto settings = default_settings();
    settings.room_capacity = 3;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    auto const id_a = join(*a, "r", 1);
    auto const id_b = join(*b, "r", 2);
    join(*c, "r", 3);
    a->fresh();
    b->fresh();
    b->conn.reset();
    EXPECT_EQ(a->fresh(), frames{bye("r", id_b)});
    EXPECT_EQ(c->fresh(), frames{bye("r", id_b)});
    EXPECT_EQ(w.registry.member_count(), 2U);
    a.reset();  // the whole client, transport after connection
    EXPECT_EQ(c->fresh(), frames{bye("r", id_a)});
    c.reset();
    EXPECT_EQ(w.registry.room_count(), 0U);
}

TEST(connection, DestroyingAClosingConnectionSaysBye) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join_pair(*a, *b);
    b->out.refuse_beyond(0);
    a->send(message_request("demo", "1"));
    ASSERT_EQ(b->out.closes.size(), 1U);
    EXPECT_EQ(a->fresh(), frames{});
    b->conn.reset();  // no on_closed: the destructor leaves the room
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    EXPECT_EQ(w.registry.member_count(), 1U);
}

// The counters as the rules count them.
TEST(connection, Counters) {
    auto settings = default_settings();
    settings.room_capacity = 3;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    auto c = w.connect();
    auto d = w.connect();
    auto const id_a = join(*a, "r", 1);
    join(*b, "r", 2);
    EXPECT_EQ(read(w.counters.joins_total), 2U);
    // A message to one other member.
    a->send(message_request("r", R"({"n":1})"));
    auto const to_b = relayed("r", id_a, R"({"n":1})");
    EXPECT_EQ(b->fresh(), frames{to_b});
    EXPECT_EQ(read(w.counters.relay_requests_total), 1U);
    EXPECT_EQ(read(w.counters.messages_relayed_total), 1U);
    EXPECT_EQ(read(w.counters.bytes_relayed_total), to_b.size());
    // To two: one request, two messages, twice the bytes.
    join(*c, "r", 3);
    a->send(message_request("r", "[1,2,3]"));
    auto const to_both = relayed("r", id_a, "[1,2,3]");
    EXPECT_EQ(read(w.counters.relay_requests_total), 2U);
    EXPECT_EQ(read(w.counters.messages_relayed_total), 3U);
    EXPECT_EQ(read(w.counters.bytes_relayed_total), to_b.size() + 2 * to_both.size());
    // `to` one of them.
    a->send(message_to("r", c->id, "7"));
    auto const to_c = relayed("r", id_a, "7");
    EXPECT_EQ(read(w.counters.relay_requests_total), 3U);
    EXPECT_EQ(read(w.counters.messages_relayed_total), 4U);
    EXPECT_EQ(read(w.counters.bytes_relayed_total), to_b.size() + 2 * to_both.size() + to_c.size());
    // Full, refused requests: no join, no relay counted.
    d->send(join_request("r"));
    EXPECT_EQ(d->fresh(), frames{full("r")});
    EXPECT_EQ(read(w.counters.fulls_total), 1U);
    EXPECT_EQ(read(w.counters.joins_total), 3U);
    a->send(message_to("r", "nobody", "1"));
    d->send(message_request("r", "1"));
    d->send(ping_request);
    EXPECT_EQ(read(w.counters.relay_requests_total), 3U);
    EXPECT_EQ(read(w.counters.messages_relayed_total), 4U);
    // Leaves: only successful leave requests.
    b->send(leave_request("r"));
    d->send(leave_request("r"));
    c->conn->on_closed(t0);
    EXPECT_EQ(read(w.counters.leaves_total), 1U);
    // A relay alone in the room is a request relayed to nobody.
    a->send(message_request("r", "0"));
    EXPECT_EQ(read(w.counters.relay_requests_total), 4U);
    EXPECT_EQ(read(w.counters.messages_relayed_total), 4U);
    // Errors by code.
    a->send("{");
    a->send(R"({"type":"x"})");
    a->send(R"({"type":"join"})");
    a->send(join_request("!"));
    EXPECT_EQ(w.errors(error_code::no_such_peer), 1U);
    EXPECT_EQ(w.errors(error_code::not_in_room), 2U);
    EXPECT_EQ(w.errors(error_code::bad_json), 1U);
    EXPECT_EQ(w.errors(error_code::unknown_type), 1U);
    EXPECT_EQ(w.errors(error_code::bad_request), 1U);
    EXPECT_EQ(w.errors(error_code::invalid_room), 1U);
    EXPECT_EQ(w.errors(error_code::already_in_room), 0U);
    EXPECT_EQ(w.errors(error_code::rate_limited), 0U);
    EXPECT_EQ(w.errors(error_code::room_limit), 0U);
    EXPECT_EQ(w.total_errors(), 7U);
    EXPECT_EQ(read(w.counters.fulls_total), 1U);
    EXPECT_EQ(read(w.counters.joins_total), 3U);
}

// Rule 14 with a spent-token store that answers later (as a shared store would, after
// its round trip): a claim still pending when the connection ends is cancelled, never
// spent; a second join meanwhile is refused; the join goes on when the claim completes.
class deferred_spent_tokens final : public access::spent_tokens {
public:
    void claim(std::string const& jti, clock::time_point, claim_handler done) override {
        pending.emplace_back(jti, std::move(done));
    }
    void release(std::string const& jti) override {
        released.push_back(jti);
        std::erase_if(pending, [&](auto const& p) { return p.first == jti; });
    }
    std::size_t size() const override { return pending.size(); }

    void complete(claim_status status) {
        auto [jti, done] = std::move(pending.front());
        pending.erase(pending.begin());
        done(status);
    }

    std::vector<std::pair<std::string, claim_handler>> pending;
    std::vector<std::string> released;
};

struct deferred_world {
    deferred_world() : registry(2, 100) { settings.join_secrets = {testing::secret_a}; }

    config::settings settings;
    metrics::counters counters;  // before registry, which counts leases into it
    rooms::local_room_registry registry;
    deferred_spent_tokens store;
    std::vector<config::join_secret> join_secrets{{"", testing::secret_a}};
    context ctx{settings, registry, counters, store, join_secrets};
};

std::string once_join(std::string const& room, std::string const& jti) {
    auto const token = testing::forge_token({{"alg", "HS256"}},
                                            {{"room", room}, {"exp", testing::unix_now(600)}, {"once", true}, {"jti", jti}},
                                            testing::secret_a);
    return json{{"type", "join"}, {"room", room}, {"token", token}}.dump();
}

TEST(connection_tokens, PendingClaimIsCancelledWhenTheConnectionEnds) {
    deferred_world w;
    client c(w.ctx);
    c.send(once_join("demo", "j1"));
    ASSERT_EQ(w.store.pending.size(), 1U);
    EXPECT_TRUE(c.fresh().empty());
    c.conn->on_closed(t0);
    EXPECT_EQ(w.store.released, (std::vector<std::string>{"j1"}));
    EXPECT_TRUE(w.store.pending.empty());
    EXPECT_EQ(w.registry.member_count(), 0U);
}

TEST(connection_tokens, ClaimCompletingLaterJoinsAndSpendsIt) {
    deferred_world w;
    client c(w.ctx);
    c.send(once_join("demo", "j1"));
    // A second join while the first is under way.
    c.send(once_join("demo", "j2"));
    auto const busy = c.fresh();
    ASSERT_EQ(busy.size(), 1U);
    EXPECT_NE(busy[0].find("already_in_room"), std::string::npos) << busy[0];
    w.store.complete(access::spent_tokens::claim_status::claimed);
    auto const joined = c.fresh();
    ASSERT_EQ(joined.size(), 1U);
    EXPECT_EQ(joined[0].rfind(R"({"type":"joined")", 0), 0U) << joined[0];
    // Spent: leaving or closing gives nothing back.
    c.conn->on_closed(t0);
    EXPECT_TRUE(w.store.released.empty());
}

TEST(connection_tokens, ClaimRefusedLaterIsUnauthorizedOrUnavailable) {
    deferred_world w;
    client c(w.ctx);
    c.send(once_join("demo", "j1"));
    w.store.complete(access::spent_tokens::claim_status::already_used);
    auto out = c.fresh();
    ASSERT_EQ(out.size(), 1U);
    EXPECT_NE(out[0].find(R"("code":"unauthorized")"), std::string::npos) << out[0];
    EXPECT_NE(out[0].find("already been used"), std::string::npos) << out[0];
    c.send(once_join("demo", "j2"));
    w.store.complete(access::spent_tokens::claim_status::full);
    out = c.fresh();
    ASSERT_EQ(out.size(), 1U);
    EXPECT_NE(out[0].find(R"("code":"unavailable")"), std::string::npos) << out[0];
    EXPECT_EQ(w.registry.member_count(), 0U);
    c.conn->on_closed(t0);
    EXPECT_TRUE(w.store.released.empty());  // nothing was held
}

TEST(connection_tokens, FullRoomGivesTheClaimBack) {
    deferred_world w;
    client a(w.ctx), b(w.ctx), c(w.ctx);
    a.send(R"({"type":"join","room":"demo"})");
    b.send(R"({"type":"join","room":"demo"})");
    c.send(once_join("demo", "j1"));
    w.store.complete(access::spent_tokens::claim_status::claimed);
    auto const out = c.fresh();
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0], R"({"type":"full","room":"demo"})");
    EXPECT_EQ(w.store.released, (std::vector<std::string>{"j1"}));
}

// ---------------------------------------------------------------------------------------
// Rule 12: seat lease and resume, over the real registry with a fake clock (every time
// is t0 plus something; the registry's expire() stands in for the daemon's timer).

constexpr std::chrono::seconds lease = 15s;

config::settings leased_settings(std::size_t keep_bytes = 65536) {
    auto s = default_settings();
    s.seat_lease = lease;
    s.lease_queue_bytes = keep_bytes;
    return s;
}

std::string peerdown(std::string const& room, std::string const& id) {
    return R"({"type":"peerdown","room":")" + room + R"(","id":")" + id + R"("})";
}
std::string peerup(std::string const& room, std::string const& id) {
    return R"({"type":"peerup","room":")" + room + R"(","id":")" + id + R"("})";
}
std::string resume_request(std::string const& room, std::string const& secret) {
    return R"({"type":"join","room":")" + room + R"(","resume":")" + secret + R"("})";
}

/// Joins and returns the whole `joined` (the join helper checks the rest).
json join_leased(client& c, std::string const& room, std::size_t peers) {
    c.send(join_request(room));
    auto const answer = c.fresh();
    EXPECT_EQ(answer.size(), 1U) << ::testing::PrintToString(answer);
    if (answer.empty()) {
        return json::object();
    }
    auto j = parse(answer.front(), "joined");
    EXPECT_EQ(j.value("peers", 0U), peers);
    c.id = j.value("id", "");
    return j;
}

/// A pair in room "demo" with leases: A first (impolite), B second (polite); returns
/// B's resume secret.
std::string leased_pair(client& a, client& b) {
    join_leased(a, "demo", 1);
    auto const joined_b = join_leased(b, "demo", 2);
    a.fresh();
    return joined_b.value("resume", "");
}

TEST(connection_lease, JoinedCarriesAResumeSecretOnlyWithALease) {
    world leased(leased_settings());
    auto a = leased.connect();
    auto const j = join_leased(*a, "demo", 1);
    ASSERT_TRUE(j.contains("resume")) << j;
    auto const secret = j["resume"].get<std::string>();
    EXPECT_GE(secret.size(), 22U);  // at least 128 bits
    EXPECT_TRUE(protocol::is_valid_peer_id(secret)) << secret;
    EXPECT_FALSE(j.contains("resumed"));
    world plain;
    auto b = plain.connect();
    EXPECT_FALSE(join_leased(*b, "demo", 1).contains("resume"));
}

// The whole story: B drops, A hears peerdown, A's messages are kept; B comes back on a
// new connection with the secret and gets joined (same id and role, resumed, a new
// secret), then the kept messages in order; A hears peerup.
TEST(connection_lease, DropThenResumeOnANewConnection) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    auto const id_b = b->id;
    b->conn->on_closed(t0);
    EXPECT_EQ(a->fresh(), frames{peerdown("demo", id_b)});
    EXPECT_EQ(w.registry.member_count(), 2U);
    a->send(message_request("demo", R"({"n":1})"));
    a->send(message_to("demo", id_b, R"({"n":2})"));
    EXPECT_EQ(a->fresh(), frames{});  // kept, not refused
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret), t0 + 5s);
    auto const out = b2->fresh();
    ASSERT_EQ(out.size(), 3U) << ::testing::PrintToString(out);
    auto const j = parse(out[0], "joined");
    EXPECT_EQ(j["id"], id_b);
    EXPECT_EQ(j["role"], "polite");
    EXPECT_EQ(j["peers"], 2);
    EXPECT_EQ(j["resumed"], true);
    ASSERT_TRUE(j.contains("resume"));
    EXPECT_NE(j["resume"], secret);
    EXPECT_EQ(out[1], relayed("demo", a->id, R"({"n":1})"));
    EXPECT_EQ(out[2], relayed("demo", a->id, R"({"n":2})"));
    EXPECT_EQ(a->fresh(), frames{peerup("demo", id_b)});
    EXPECT_EQ(b2->conn->id(), id_b);
    EXPECT_EQ(b2->conn->room(), "demo");
    // The resumed member relays as itself.
    b2->send(message_request("demo", "3"), t0 + 5s);
    EXPECT_EQ(a->fresh(), frames{relayed("demo", id_b, "3")});
    EXPECT_EQ(read(w.counters.leases_started_total), 1U);
    EXPECT_EQ(read(w.counters.leases_resumed_total), 1U);
}

// Rules 11 and 12 at a planned stop (hand_over): the seat is held at once, what the
// client sent before it saw the close still reaches the room, nothing more is sent to
// it, and what comes for it is kept for its resume elsewhere.
TEST(connection_lease, AHandOverStillRelaysWhatTheClientSentAndKeepsWhatComesForIt) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    auto const id_b = b->id;
    b->conn->hand_over(t0);
    EXPECT_EQ(a->fresh(), frames{peerdown("demo", id_b)});
    b->send(message_request("demo", "1"));
    b->send(message_to("demo", a->id, "2"));
    EXPECT_EQ(a->fresh(), (frames{relayed("demo", id_b, "1"), relayed("demo", id_b, "2")}));
    // No answer reaches a closing client; nothing else it asks takes effect.
    b->send(ping_request);
    b->send(join_request("other"));
    b->send("not json");
    a->send(message_request("demo", "3"));
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_EQ(b->fresh(), frames{});
    EXPECT_EQ(b->out.closes.size(), 0U);  // the transport closes; the rules do not
    // The close answer came: relays from it end; the seat stays held.
    b->conn->on_closed(t0 + 1s);
    b->send(message_request("demo", "4"));
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_EQ(w.registry.held_count(), 1U);
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret), t0 + 2s);
    auto const out = b2->fresh();
    ASSERT_EQ(out.size(), 2U) << ::testing::PrintToString(out);
    EXPECT_EQ(parse(out[0], "joined")["id"], id_b);
    EXPECT_EQ(out[1], relayed("demo", a->id, "3"));
    EXPECT_EQ(a->fresh(), frames{peerup("demo", id_b)});
    EXPECT_EQ(read(w.counters.leases_started_total), 1U);
}

TEST(connection_lease, ALeaveSentBeforeAHandOversCloseReleasesTheSeat) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    leased_pair(*a, *b);
    b->conn->hand_over(t0);
    a->fresh();
    b->send(leave_request("demo"));
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    EXPECT_EQ(b->fresh(), frames{});  // no `leaved`: it is closing
    EXPECT_EQ(w.registry.member_count(), 1U);
    b->conn->on_closed(t0);
    EXPECT_EQ(w.registry.held_count(), 0U);
}

TEST(connection_lease, WithoutALeaseAHandOverIsTheEnd) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join(*a, "demo", 1);
    join(*b, "demo", 2);
    a->fresh();
    b->conn->hand_over(t0);
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    b->send(message_request("demo", "1"));
    EXPECT_EQ(a->fresh(), frames{});
}

TEST(connection_lease, TheLeaseEndingSaysBye) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    b->conn->on_closed(t0);
    a->fresh();
    w.registry.expire(t0 + lease - 1ms);
    EXPECT_EQ(a->fresh(), frames{});
    w.registry.expire(t0 + lease);
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret), t0 + lease);
    expect_error(b2->fresh(), "bad_resume", "join");
    EXPECT_EQ(w.errors(error_code::bad_resume), 1U);
}

// A resume that arrives at the lease's end, before the timer ran, loses.
TEST(connection_lease, AResumeAtTheLeasesEndIsBadResume) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    b->conn->on_closed(t0);
    a->fresh();
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret), t0 + lease);
    expect_error(b2->fresh(), "bad_resume", "join");
    EXPECT_EQ(b2->conn->room(), "");
    w.registry.expire(t0 + lease);
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
}

TEST(connection_lease, UnknownSpentOrOtherRoomSecretsAreBadResume) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    b->conn->on_closed(t0);
    a->fresh();
    auto c = w.connect();
    c->send(resume_request("demo", std::string(32, 'x')));
    expect_error(c->fresh(), "bad_resume", "join");
    c->send(resume_request("other", secret));
    expect_error(c->fresh(), "bad_resume", "join");
    c->send(R"({"type":"join","room":"demo","resume":7})");
    expect_error(c->fresh(), "bad_request", "join");
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret));
    ASSERT_EQ(b2->fresh().size(), 1U);
    c->send(resume_request("demo", secret));  // spent
    expect_error(c->fresh(), "bad_resume", "join");
    EXPECT_EQ(a->fresh(), frames{peerup("demo", b->id)});
}

// Rule 9: bad_resume comes before already_in_room; a good secret from a connection in a
// room is already_in_room, and nothing moves.
TEST(connection_lease, BadResumeComesBeforeAlreadyInRoom) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    b->conn->on_closed(t0);
    a->fresh();
    a->send(resume_request("demo", std::string(32, 'x')));
    expect_error(a->fresh(), "bad_resume", "join");
    a->send(resume_request("demo", secret));
    expect_error(a->fresh(), "already_in_room", "join");
    EXPECT_EQ(w.registry.held_count(), 1U);
}

// Resumed while the old connection is still open: the old one is closed with 4000
// "replaced" and leaves nothing behind; the others hear nothing.
TEST(connection_lease, ResumeWhileTheOldConnectionIsOpenReplacesIt) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret));
    auto const out = b2->fresh();
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(parse(out[0], "joined")["id"], b->id);
    ASSERT_EQ(b->out.closes.size(), 1U);
    EXPECT_EQ(b->out.closes[0].code, protocol::close_code::replaced);
    EXPECT_EQ(b->out.closes[0].reason, "replaced");
    EXPECT_EQ(b->out.closes[0].why, metrics::close_reason::replaced);
    EXPECT_EQ(b->conn->room(), "");
    b->conn->on_closed(t0);  // the transport reports the end later
    EXPECT_EQ(a->fresh(), frames{});
    EXPECT_EQ(w.registry.held_count(), 0U);
    EXPECT_EQ(w.registry.member_count(), 2U);
    // No seat was ever held: neither the replaced close nor the resume is a lease.
    EXPECT_EQ(read(w.counters.leases_started_total), 0U);
    EXPECT_EQ(read(w.counters.leases_resumed_total), 0U);
}

TEST(connection_lease, AThirdJoinerGetsFullAgainstAHeldSeat) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    leased_pair(*a, *b);
    b->conn->on_closed(t0);
    a->fresh();
    auto c = w.connect();
    c->send(join_request("demo"));
    EXPECT_EQ(c->fresh(), frames{full("demo")});
    w.registry.expire(t0 + lease);
    EXPECT_EQ(join_leased(*c, "demo", 2).value("role", ""), "polite");
}

// The keep full: the sender gets peer_unavailable (not a violation), the message is not
// kept, and what was kept before still arrives.
TEST(connection_lease, AFullKeepIsPeerUnavailable) {
    auto settings = leased_settings(1024);
    settings.max_violations = 1;  // peer_unavailable must not count as one
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    b->conn->on_closed(t0);
    a->fresh();
    std::string const big = '"' + std::string(900, 'x') + '"';
    a->send(message_request("demo", big));
    EXPECT_EQ(a->fresh(), frames{});
    a->send(message_request("demo", big));
    expect_error(a->fresh(), "peer_unavailable", "message");
    EXPECT_TRUE(a->out.closes.empty());
    EXPECT_EQ(w.errors(error_code::peer_unavailable), 1U);
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret));
    auto const out = b2->fresh();
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out[1], relayed("demo", a->id, big));
}

// `leave` releases at once, lease or not: bye, no peerdown, and the secret is dead.
TEST(connection_lease, LeaveReleasesTheSeatAtOnce) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    b->send(leave_request("demo"));
    EXPECT_EQ(b->fresh(), frames{leaved("demo", b->id)});
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    b->conn->on_closed(t0);
    EXPECT_EQ(a->fresh(), frames{});
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret));
    expect_error(b2->fresh(), "bad_resume", "join");
}

// A leaves while B is held: B's resume finds A's bye kept for it, and peers 1.
TEST(connection_lease, AMemberLeavingWhileTheOtherIsHeld) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const secret = leased_pair(*a, *b);
    auto const id_a = a->id;
    b->conn->on_closed(t0);
    a->send(leave_request("demo"));
    EXPECT_EQ(a->fresh(), (frames{peerdown("demo", b->id), leaved("demo", id_a)}));
    auto b2 = w.connect();
    b2->send(resume_request("demo", secret), t0 + 1s);
    auto const out = b2->fresh();
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(parse(out[0], "joined")["peers"], 1);
    EXPECT_EQ(out[1], bye("demo", id_a));
}

// Both held: each comes back on its own, hearing what happened to the other meanwhile.
TEST(connection_lease, BothMembersHeldAtOnce) {
    world w(leased_settings());
    auto a = w.connect();
    auto b = w.connect();
    auto const resume_a = join_leased(*a, "demo", 1).value("resume", "");
    auto const resume_b = join_leased(*b, "demo", 2).value("resume", "");
    a->conn->on_closed(t0);
    b->conn->on_closed(t0 + 1s);
    EXPECT_EQ(w.registry.held_count(), 2U);
    // A heard of B's drop while held; B heard of A's while still connected.
    EXPECT_EQ(b->fresh(), frames{peerdown("demo", a->id)});
    auto a2 = w.connect();
    a2->send(resume_request("demo", resume_a), t0 + 2s);
    auto const out = a2->fresh();
    ASSERT_EQ(out.size(), 2U) << ::testing::PrintToString(out);
    EXPECT_EQ(parse(out[0], "joined")["role"], "impolite");
    EXPECT_EQ(out[1], peerdown("demo", b->id));
    auto b2 = w.connect();
    b2->send(resume_request("demo", resume_b), t0 + 3s);
    auto const out_b = b2->fresh();
    ASSERT_EQ(out_b.size(), 2U) << ::testing::PrintToString(out_b);
    EXPECT_EQ(parse(out_b[0], "joined")["role"], "polite");
    EXPECT_EQ(out_b[1], peerup("demo", a->id));
    EXPECT_EQ(a2->fresh(), frames{peerup("demo", b->id)});
}

// Rule 14: a resume needs no token, even where joins require one.
TEST(connection_lease, AResumeNeedsNoToken) {
    auto settings = leased_settings();
    settings.join_secrets = {testing::secret_a};
    settings.require_token = true;
    world w(settings);
    auto a = w.connect();
    auto b = w.connect();
    a->send(json{{"type", "join"}, {"room", "demo"}, {"token", testing::good_token("demo")}}.dump());
    auto const secret = parse(a->fresh().at(0), "joined").value("resume", "");
    b->send(join_request("demo"));
    expect_error(b->fresh(), "unauthorized", "join");
    a->conn->on_closed(t0);
    auto a2 = w.connect();
    a2->send(resume_request("demo", secret));
    auto const out = a2->fresh();
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(parse(out[0], "joined")["resumed"], true);
}

// seat_lease = 0: 1.0 behaviour, no secret, bye at once.
TEST(connection_lease, NoLeaseIsTheOldBehaviour) {
    world w;
    auto a = w.connect();
    auto b = w.connect();
    join_leased(*a, "demo", 1);
    EXPECT_FALSE(join_leased(*b, "demo", 2).contains("resume"));
    a->fresh();
    b->conn->on_closed(t0);
    EXPECT_EQ(a->fresh(), frames{bye("demo", b->id)});
    EXPECT_EQ(w.registry.member_count(), 1U);
}

}  // namespace
}  // namespace duet::signaling
