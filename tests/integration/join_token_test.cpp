// docs/protocol.md rule 14 (join tokens) against the real daemon over real sockets:
// every way a token is refused, each answered with `unauthorized` in words that carry
// neither the token nor a secret, with nothing changed and nobody else disturbed; once
// tokens spent only by an admitted join; rule 9's order; TURN credentials only for an
// admitted join. Run directly and (DUET_TEST_FRONT=nginx) through nginx.
#include "support/test_server.hpp"
#include "support/token_forge.hpp"
#include "support/ws_client.hpp"

#include <duet/access/base64url.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace duet::testing {
namespace {

json const hs256 = {{"alg", "HS256"}, {"typ", "JWT"}};

/// A daemon with one unnamed secret (secret_a), and require_token as asked.
test_server::tweak with_secret(bool require = false) {
    return [require](config::settings& s) {
        s.join_secrets = {secret_a};
        s.require_token = require;
    };
}

/// A daemon with two named secrets, k1 (secret_a) and k2 (secret_b).
test_server::tweak with_two_kids(bool require = true) {
    return [require](config::settings& s) {
        s.join_secrets = {"k1=" + secret_a, "k2=" + secret_b};
        s.require_token = require;
    };
}

json join_with(std::string const& room, std::string const& token) {
    return {{"type", "join"}, {"room", room}, {"token", token}};
}

/// Sends a join with `token` and expects `unauthorized` (ref join) whose message holds
/// `words`, and neither the token (nor its segments) nor any secret. Returns the message.
std::string expect_unauthorized(ws_client& c, std::string const& room, std::string const& token,
                                std::string const& words) {
    c.send_json(join_with(room, token));
    auto const error = c.expect_error("unauthorized", "join");
    auto const message = error.value("message", std::string());
    EXPECT_NE(message.find(words), std::string::npos) << message;
    for (auto const& secret : {secret_a, secret_b}) {
        EXPECT_EQ(message.find(secret), std::string::npos) << message;
    }
    std::size_t start = 0;
    while (start < token.size()) {
        auto const dot = token.find('.', start);
        auto const segment = token.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (segment.size() >= 8) {
            EXPECT_EQ(message.find(segment), std::string::npos) << message;
        }
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    EXPECT_EQ(error.dump().find(token.empty() ? std::string("\x01") : token), std::string::npos);
    return message;
}

/// After a refusal nothing changed: the refused client joins no room (so it can still
/// join with a good token), and a member already there heard nothing.
void expect_nothing_changed(ws_client& refused, ws_client& member, std::string const& room,
                            std::string const& key = secret_a, std::string const& kid = "") {
    EXPECT_TRUE(member.nothing_within(50ms));
    refused.send_json(join_with(room, good_token(room, key, kid)));
    auto const joined = refused.expect("joined");
    EXPECT_EQ(joined["peers"], 2);
    member.expect("otherjoin");
}

/// A fixture per scenario: a daemon with one secret, a member already in "demo" who
/// must hear nothing of a refusal, and a client whose join is refused.
class JoinToken : public ::testing::Test {
protected:
    JoinToken() : server_(with_secret(true)), member_(server_.port()), client_(server_.port()) {
        member_.send_json(join_with("demo", good_token("demo")));
        member_.expect("joined");
    }

    void refused(std::string const& token, std::string const& words, std::string const& room = "demo") {
        expect_unauthorized(client_, room, token, words);
        expect_nothing_changed(client_, member_, "demo");
    }

    test_server server_;
    ws_client member_;
    ws_client client_;
};

TEST_F(JoinToken, GoodTokenJoins) {
    client_.send_json(join_with("demo", good_token("demo")));
    EXPECT_EQ(client_.expect("joined")["peers"], 2);
    member_.expect("otherjoin");
}

TEST_F(JoinToken, Expired) {
    refused(forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(-3600)}}, secret_a), "expired");
}

TEST_F(JoinToken, NotBeforeAhead) {
    refused(forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(7200)}, {"nbf", unix_now(3600)}}, secret_a),
            "not valid yet");
}

TEST_F(JoinToken, WrongRoom) {
    refused(good_token("elsewhere"), "not for this room");
}

TEST_F(JoinToken, WrongSecret) {
    refused(good_token("demo", secret_b), "signature");
}

TEST_F(JoinToken, TamperedPayload) {
    auto const token = good_token("elsewhere");
    auto const first = token.find('.');
    auto const second = token.find('.', first + 1);
    auto const forged = access::base64url_encode(json{{"room", "demo"}, {"exp", unix_now(3600)}}.dump());
    refused(token.substr(0, first + 1) + forged + token.substr(second), "signature");
}

TEST_F(JoinToken, AlgNone) {
    json const none = {{"alg", "none"}, {"typ", "JWT"}};
    auto const claims = json{{"room", "demo"}, {"exp", unix_now(3600)}};
    // The classic: no signature at all.
    expect_unauthorized(client_, "demo",
                        access::base64url_encode(none.dump()) + "." + access::base64url_encode(claims.dump()) + ".",
                        "malformed");
    // With a signature, refused for its algorithm.
    refused(forge_token(none, claims, secret_a), "HS256");
}

TEST_F(JoinToken, AlgHs512) {
    refused(forge_token({{"alg", "HS512"}, {"typ", "JWT"}}, {{"room", "demo"}, {"exp", unix_now(3600)}}, secret_a, 512),
            "HS256");
}

TEST_F(JoinToken, MissingExp) {
    refused(forge_token(hs256, {{"room", "demo"}}, secret_a), "claim");
}

TEST_F(JoinToken, MissingRoom) {
    refused(forge_token(hs256, {{"exp", unix_now(3600)}}, secret_a), "claim");
}

TEST_F(JoinToken, MalformedSegments) {
    auto const good = good_token("demo");
    for (auto const& token : std::vector<std::string>{"", "x", "a.b", "a.b.c.d", good + ".", "%%%." + good,
                                                      good.substr(0, good.rfind('.') + 1)}) {
        expect_unauthorized(client_, "demo", token, "malformed");
    }
    expect_nothing_changed(client_, member_, "demo");
}

TEST_F(JoinToken, RequiredTokenMissing) {
    client_.send_json({{"type", "join"}, {"room", "demo"}});
    auto const error = client_.expect_error("unauthorized", "join");
    EXPECT_NE(error.value("message", std::string()).find("requires a token"), std::string::npos) << error;
    expect_nothing_changed(client_, member_, "demo");
}

// Rule 12 with rule 14: a join with `resume` is judged by its resume, not its token (a
// resume needs none), so an unknown one is bad_resume even beside a good token.
TEST_F(JoinToken, AnUnknownResumeBesideAGoodTokenIsBadResume) {
    auto request = join_with("demo", good_token("demo"));
    request["resume"] = "r7Tq-not-a-seat";
    client_.send_json(request);
    client_.expect_error("bad_resume", "join");
    expect_nothing_changed(client_, member_, "demo");
}

TEST(JoinTokenKid, UnknownKidIsRefused) {
    test_server server(with_two_kids());
    ws_client c(server.port());
    expect_unauthorized(c, "demo", good_token("demo", secret_a, "k3"), "key");
    c.send_json(join_with("demo", good_token("demo", secret_a, "k1")));
    EXPECT_EQ(c.expect("joined")["peers"], 1);
}

TEST(JoinTokenKid, RightKidAmongTwoJoins) {
    test_server server(with_two_kids());
    ws_client a(server.port()), b(server.port());
    a.send_json(join_with("demo", good_token("demo", secret_b, "k2")));
    EXPECT_EQ(a.expect("joined")["peers"], 1);
    b.send_json(join_with("demo", good_token("demo", secret_a, "k1")));
    EXPECT_EQ(b.expect("joined")["peers"], 2);
}

TEST(JoinTokenKid, KidNamingTheOtherSecretIsRefused) {
    test_server server(with_two_kids());
    ws_client c(server.port());
    expect_unauthorized(c, "demo", good_token("demo", secret_b, "k1"), "signature");
}

TEST(JoinTokenKid, NoKidTriesEverySecret) {
    test_server server(with_two_kids());
    ws_client c(server.port());
    c.send_json(join_with("demo", good_token("demo", secret_b)));
    c.expect("joined");
}

/// A once token for `room` with `jti`, valid for an hour.
std::string once_token(std::string const& room, std::string const& jti) {
    return forge_token(hs256, {{"room", room}, {"exp", unix_now(3600)}, {"once", true}, {"jti", jti}}, secret_a);
}

TEST(JoinTokenOnce, ReusedIsRefusedAfterAnAdmittedJoin) {
    test_server server(with_secret(true));
    ws_client a(server.port()), b(server.port());
    auto const token = once_token("demo", "jti-1");
    a.send_json(join_with("demo", token));
    a.expect("joined");
    // Spent, even after its holder leaves: it was used for one join.
    a.send_json({{"type", "leave"}, {"room", "demo"}});
    a.expect("leaved");
    expect_unauthorized(b, "demo", token, "already been used");
    expect_unauthorized(a, "demo", token, "already been used");
    // Another jti is another token.
    b.send_json(join_with("demo", once_token("demo", "jti-2")));
    b.expect("joined");
}

TEST(JoinTokenOnce, RefusedJoinDoesNotSpendIt) {
    test_server server(with_secret(true));
    ws_client a(server.port()), b(server.port()), c(server.port());
    a.send_json(join_with("demo", good_token("demo")));
    a.expect("joined");
    b.send_json(join_with("demo", good_token("demo")));
    b.expect("joined");
    a.expect("otherjoin");
    auto const token = once_token("demo", "jti-full");
    // The room is full: `full`, and the token is not spent.
    c.send_json(join_with("demo", token));
    c.expect("full");
    // A wrong-room refusal does not spend it either.
    expect_unauthorized(c, "other", token, "not for this room");
    b.send_json({{"type", "leave"}, {"room", "demo"}});
    b.expect("leaved");
    a.expect("bye");
    c.send_json(join_with("demo", token));
    EXPECT_EQ(c.expect("joined")["peers"], 2);
    // Now it is spent.
    expect_unauthorized(b, "demo", token, "already been used");
}

TEST(JoinTokenOnce, AlreadyInRoomDoesNotSpendIt) {
    test_server server(with_secret(true));
    ws_client a(server.port()), b(server.port());
    a.send_json(join_with("one", good_token("one")));
    a.expect("joined");
    auto const token = once_token("two", "jti-state");
    a.send_json(join_with("two", token));
    a.expect_error("already_in_room", "join");
    b.send_json(join_with("two", token));
    b.expect("joined");
}

TEST(JoinTokenOnce, AtTheBoundNewOnceTokensAreUnavailableAndSpentOnesStaySpent) {
    test_server server([](config::settings& s) {
        s.join_secrets = {secret_a};
        s.max_spent_tokens = 1;
    });
    if (server.clustered()) {
        GTEST_SKIP() << "max_spent_tokens bounds one daemon's memory; a cluster keeps spent ids in Redis until exp";
    }
    ws_client a(server.port()), b(server.port()), c(server.port());
    auto const first = once_token("r1", "bound-1");
    a.send_json(join_with("r1", first));
    a.expect("joined");
    b.send_json(join_with("r2", once_token("r2", "bound-2")));
    b.expect_error("unavailable", "join");
    expect_unauthorized(c, "r1", first, "already been used");
    // Tokens that are not `once` are unaffected.
    b.send_json(join_with("r2", good_token("r2")));
    b.expect("joined");
}

// Rule 9: invalid_room before unauthorized; unauthorized before the state errors
// (already_in_room) and before the room's capacity (`full`).
TEST(JoinTokenOrder, InvalidRoomComesFirst) {
    test_server server(with_secret(true));
    ws_client c(server.port());
    c.send_json(join_with("not a room", "garbage"));
    c.expect_error("invalid_room", "join");
    c.send_json({{"type", "join"}, {"room", "demo"}, {"token", 42}});
    c.expect_error("bad_request", "join");
}

TEST(JoinTokenOrder, UnauthorizedBeforeAlreadyInRoomAndFull) {
    test_server server(with_secret(true));
    ws_client a(server.port()), b(server.port()), c(server.port());
    a.send_json(join_with("demo", good_token("demo")));
    a.expect("joined");
    b.send_json(join_with("demo", good_token("demo")));
    b.expect("joined");
    a.expect("otherjoin");
    // In a room, with a bad token: unauthorized, not already_in_room.
    expect_unauthorized(a, "demo", good_token("demo", secret_b), "signature");
    // The room is full, the token bad: unauthorized, not full.
    expect_unauthorized(c, "demo", good_token("demo", secret_b), "signature");
    c.send_json({{"type", "join"}, {"room", "demo"}});
    c.expect_error("unauthorized", "join");
}

TEST(JoinTokenOptional, WithoutRequireTokenAJoinWithoutTokenIsLetIn) {
    test_server server(with_secret(false));
    ws_client a(server.port()), b(server.port());
    EXPECT_EQ(a.join("demo")["peers"], 1);
    // ... but a token that is present must still be valid.
    expect_unauthorized(b, "demo", good_token("demo", secret_b), "signature");
    b.send_json(join_with("demo", good_token("demo")));
    EXPECT_EQ(b.expect("joined")["peers"], 2);
}

TEST(JoinTokenOptional, WithoutSecretsATokenIsIgnoredAsIn1_0) {
    test_server server;
    ws_client a(server.port());
    a.send_json(join_with("demo", "anything"));
    a.expect("joined");
}

// Item 5: TURN credentials come only with `joined`; a refused join gets none.
TEST(JoinTokenTurn, OnlyAnAdmittedJoinGetsTurnCredentials) {
    test_server server([](config::settings& s) {
        s.join_secrets = {secret_a};
        s.require_token = true;
        s.turn_urls = {"turn:turn.example.org:3478"};
        s.turn_secret = "turn-shared-secret";
    });
    ws_client refused(server.port()), admitted(server.port());
    refused.send_json({{"type", "join"}, {"room", "demo"}});
    auto const error = refused.expect_error("unauthorized", "join");
    EXPECT_FALSE(error.contains("iceServers"));
    EXPECT_EQ(error.dump().find("credential"), std::string::npos);
    EXPECT_TRUE(refused.nothing_within(100ms));
    admitted.send_json(join_with("demo", good_token("demo")));
    auto const joined = admitted.expect("joined");
    ASSERT_TRUE(joined["iceServers"].is_array());
    bool has_credential = false;
    for (auto const& server_entry : joined["iceServers"]) {
        has_credential = has_credential || server_entry.contains("credential");
    }
    EXPECT_TRUE(has_credential) << joined;
}

}  // namespace
}  // namespace duet::testing
