// access::verify_join_token (docs/protocol.md rule 14): every way a token is refused,
// each with its fault and a message that carries neither token nor secret, and the
// tokens it accepts. Tokens are forged independently (tests/support/token_forge.hpp).
#include <duet/access/join_token.hpp>

#include <duet/access/base64url.hpp>

#include "support/token_forge.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace duet::access {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::forge_token;
using testing::good_token;
using testing::secret_a;
using testing::secret_b;
using testing::unix_now;

std::vector<config::join_secret> const one_unnamed{{"", secret_a}};
std::vector<config::join_secret> const two_named{{"k1", secret_a}, {"k2", secret_b}};

json const hs256 = {{"alg", "HS256"}, {"typ", "JWT"}};

token_check check(std::string const& token, std::string const& room = "demo",
                  std::vector<config::join_secret> const& secrets = one_unnamed) {
    return verify_join_token(token, room, secrets, token_clock::now(), 30s);
}

/// Refused with `fault`, and the message shows neither the token, any of its
/// segments, nor a secret.
void expect_refused(token_check const& result, token_fault fault, std::string const& token) {
    ASSERT_FALSE(result) << "accepted: " << token;
    EXPECT_EQ(result.refusal.fault, fault) << result.refusal.message;
    auto const& message = result.refusal.message;
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message, refusal_message(fault));
    for (auto const& secret : {secret_a, secret_b}) {
        EXPECT_EQ(message.find(secret), std::string::npos);
    }
    if (token.size() >= 8) {
        EXPECT_EQ(message.find(token), std::string::npos);
        auto const dot = token.find('.');
        if (dot != std::string::npos && dot >= 8) {
            EXPECT_EQ(message.find(token.substr(0, dot)), std::string::npos);
        }
    }
}

TEST(join_token, GoodTokenIsAccepted) {
    auto const token = good_token("demo");
    auto const result = check(token);
    ASSERT_TRUE(result) << result.refusal.message;
    EXPECT_FALSE(result.admitted->once_jti.has_value());
}

TEST(join_token, ExpiredIsRefused) {
    auto const token = forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(-31)}}, secret_a);
    expect_refused(check(token), token_fault::expired, token);
}

TEST(join_token, LeewayAllowsASlowClock) {
    // Expired 10 s ago by our clock: within the 30 s leeway.
    EXPECT_TRUE(check(forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(-10)}}, secret_a)));
    // nbf 10 s ahead: also within it.
    EXPECT_TRUE(check(forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(600)}, {"nbf", unix_now(10)}}, secret_a)));
}

TEST(join_token, ZeroLeewayIsExact) {
    auto const token = forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(-1)}}, secret_a);
    auto const result = verify_join_token(token, "demo", one_unnamed, token_clock::now(), 0s);
    expect_refused(result, token_fault::expired, token);
}

TEST(join_token, NotBeforeAheadIsRefused) {
    auto const token = forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(3600)}, {"nbf", unix_now(120)}}, secret_a);
    expect_refused(check(token), token_fault::not_yet_valid, token);
}

TEST(join_token, NotBeforePassedIsAccepted) {
    EXPECT_TRUE(check(forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(3600)}, {"nbf", unix_now(-5)}}, secret_a)));
}

TEST(join_token, WrongRoomIsRefused) {
    auto const token = good_token("other");
    expect_refused(check(token, "demo"), token_fault::wrong_room, token);
}

TEST(join_token, RoomComparisonIsExact) {
    auto const token = good_token("Demo");
    expect_refused(check(token, "demo"), token_fault::wrong_room, token);
}

TEST(join_token, WrongSecretIsRefused) {
    auto const token = good_token("demo", secret_b);
    expect_refused(check(token), token_fault::bad_signature, token);
}

TEST(join_token, TamperedPayloadIsRefused) {
    auto const token = good_token("demo");
    auto const first = token.find('.');
    auto const second = token.find('.', first + 1);
    // Same signature, payload re-encoded for another room.
    auto const forged_claims = base64url_encode(json{{"room", "other"}, {"exp", unix_now(3600)}}.dump());
    auto const tampered = token.substr(0, first + 1) + forged_claims + token.substr(second);
    expect_refused(check(tampered, "other"), token_fault::bad_signature, tampered);
    // One character of the payload changed.
    auto flipped = token;
    flipped[first + 3] = flipped[first + 3] == 'A' ? 'B' : 'A';
    expect_refused(check(flipped), token_fault::bad_signature, flipped);
}

TEST(join_token, TamperedSignatureIsRefused) {
    auto token = good_token("demo");
    // The signature's first character: changes its first byte, keeps its length.
    auto const at = token.rfind('.') + 1;
    token[at] = token[at] == 'A' ? 'B' : 'A';
    expect_refused(check(token), token_fault::bad_signature, token);
}

TEST(join_token, AlgNoneIsRefused) {
    json const none = {{"alg", "none"}, {"typ", "JWT"}};
    auto const claims = json{{"room", "demo"}, {"exp", unix_now(3600)}};
    std::string const unsigned_token = base64url_encode(none.dump()) + "." + base64url_encode(claims.dump()) + ".";
    auto const result = check(unsigned_token);
    ASSERT_FALSE(result);
    // An empty signature segment is malformed before alg is even read; with a
    // signature, alg none is refused for what it is.
    EXPECT_EQ(result.refusal.fault, token_fault::malformed);
    auto const with_signature = forge_token(none, claims, secret_a);
    expect_refused(check(with_signature), token_fault::unsupported_algorithm, with_signature);
    for (auto const* spelling : {"None", "NONE", "nOnE"}) {
        auto const t = forge_token({{"alg", spelling}}, claims, secret_a);
        expect_refused(check(t), token_fault::unsupported_algorithm, t);
    }
}

TEST(join_token, OtherAlgorithmsAreRefused) {
    auto const claims = json{{"room", "demo"}, {"exp", unix_now(3600)}};
    // HS512 signed with a right secret: still refused (no algorithm substitution).
    auto const hs512 = forge_token({{"alg", "HS512"}, {"typ", "JWT"}}, claims, secret_a, 512);
    expect_refused(check(hs512), token_fault::unsupported_algorithm, hs512);
    for (auto const* alg : {"HS384", "RS256", "ES256", "hs256", "HS256 ", ""}) {
        auto const t = forge_token({{"alg", alg}}, claims, secret_a);
        expect_refused(check(t), token_fault::unsupported_algorithm, t);
    }
    auto const no_alg = forge_token({{"typ", "JWT"}}, claims, secret_a);
    expect_refused(check(no_alg), token_fault::malformed, no_alg);
    auto const number_alg = forge_token({{"alg", 256}}, claims, secret_a);
    expect_refused(check(number_alg), token_fault::malformed, number_alg);
}

TEST(join_token, CritHeaderIsRefused) {
    auto const t = forge_token({{"alg", "HS256"}, {"crit", {"exp"}}}, {{"room", "demo"}, {"exp", unix_now(3600)}},
                               secret_a);
    expect_refused(check(t), token_fault::malformed, t);
}

TEST(join_token, UnknownKidIsRefused) {
    auto const token = good_token("demo", secret_a, "k9");
    expect_refused(check(token, "demo", two_named), token_fault::unknown_key, token);
    // A kid when the only secret has no name.
    auto const named = good_token("demo", secret_a, "k1");
    expect_refused(check(named, "demo", one_unnamed), token_fault::unknown_key, named);
}

TEST(join_token, RightKidAmongTwoIsAccepted) {
    EXPECT_TRUE(check(good_token("demo", secret_b, "k2"), "demo", two_named));
    EXPECT_TRUE(check(good_token("demo", secret_a, "k1"), "demo", two_named));
}

TEST(join_token, KidPicksItsOwnSecretOnly) {
    // Signed with k2's secret but naming k1: the kid decides which key, so it fails.
    auto const token = good_token("demo", secret_b, "k1");
    expect_refused(check(token, "demo", two_named), token_fault::bad_signature, token);
}

TEST(join_token, WithoutKidEverySecretIsTried) {
    EXPECT_TRUE(check(good_token("demo", secret_b), "demo", two_named));
    EXPECT_TRUE(check(good_token("demo", secret_a), "demo", two_named));
}

TEST(join_token, NonStringKidIsMalformed) {
    auto const t = forge_token({{"alg", "HS256"}, {"kid", 1}}, {{"room", "demo"}, {"exp", unix_now(3600)}}, secret_a);
    expect_refused(check(t), token_fault::malformed, t);
}

TEST(join_token, MissingExpIsRefused) {
    auto const token = forge_token(hs256, {{"room", "demo"}}, secret_a);
    expect_refused(check(token), token_fault::missing_claim, token);
}

TEST(join_token, MissingRoomIsRefused) {
    auto const token = forge_token(hs256, {{"exp", unix_now(3600)}}, secret_a);
    expect_refused(check(token), token_fault::missing_claim, token);
}

TEST(join_token, ClaimsOfTheWrongTypeAreMalformed) {
    for (auto const& claims : {json{{"room", 5}, {"exp", unix_now(3600)}},
                               json{{"room", "demo"}, {"exp", "tomorrow"}},
                               json{{"room", "demo"}, {"exp", unix_now(3600)}, {"nbf", "now"}},
                               json{{"room", "demo"}, {"exp", unix_now(3600)}, {"once", "yes"}, {"jti", "j"}},
                               json{{"room", "demo"}, {"exp", unix_now(3600)}, {"once", true}, {"jti", 7}}}) {
        auto const t = forge_token(hs256, claims, secret_a);
        expect_refused(check(t), token_fault::malformed, t);
    }
}

TEST(join_token, OnceNeedsJti) {
    auto const token = forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(3600)}, {"once", true}}, secret_a);
    expect_refused(check(token), token_fault::missing_claim, token);
    auto const empty = forge_token(hs256, {{"room", "demo"}, {"exp", unix_now(3600)}, {"once", true}, {"jti", ""}},
                                   secret_a);
    expect_refused(check(empty), token_fault::missing_claim, empty);
}

TEST(join_token, OnceTokenCarriesItsJtiAndExp) {
    auto const exp = unix_now(600);
    auto const result =
        check(forge_token(hs256, {{"room", "demo"}, {"exp", exp}, {"once", true}, {"jti", "j-1"}}, secret_a));
    ASSERT_TRUE(result);
    ASSERT_TRUE(result.admitted->once_jti.has_value());
    EXPECT_EQ(*result.admitted->once_jti, "j-1");
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(result.admitted->expires.time_since_epoch()).count(), exp);
    // once: false is an ordinary token, jti or not.
    auto const plain = check(forge_token(hs256, {{"room", "demo"}, {"exp", exp}, {"once", false}, {"jti", "j"}}, secret_a));
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain.admitted->once_jti.has_value());
}

TEST(join_token, MalformedSegmentsAreRefused) {
    auto const good = good_token("demo");
    auto const first = good.find('.');
    auto const second = good.find('.', first + 1);
    std::vector<std::string> const bad = {
        "",
        "abc",
        "a.b",
        good + ".",
        good + ".x",
        "." + good.substr(first),                          // empty header
        good.substr(0, first) + "." + good.substr(second),  // empty payload (..)
        good.substr(0, second) + ".",                      // empty signature
        "!!!!" + good.substr(first),                       // not base64url
        good.substr(0, first) + "=" + good.substr(first),  // padding
        base64url_encode("not json") + good.substr(first),
        base64url_encode("[1,2]") + good.substr(first),  // JSON, not an object
        good.substr(0, second) + "." + base64url_encode("short"),  // signature of the wrong size
        std::string(5000, 'a') + good,                             // too long to be a join token
    };
    for (auto const& token : bad) {
        auto const result = check(token);
        ASSERT_FALSE(result) << token;
        EXPECT_EQ(result.refusal.fault, token_fault::malformed) << token.substr(0, 100);
    }
}

TEST(join_token, ExpOfAnyMagnitudeIsSafe) {
    EXPECT_TRUE(check(forge_token(hs256, {{"room", "demo"}, {"exp", 1e300}}, secret_a)));
    auto const old = forge_token(hs256, {{"room", "demo"}, {"exp", -1e300}}, secret_a);
    expect_refused(check(old), token_fault::expired, old);
    auto const fractional = check(forge_token(hs256, {{"room", "demo"}, {"exp", static_cast<double>(unix_now(60)) + 0.5}}, secret_a));
    EXPECT_TRUE(fractional);
}

TEST(join_token, NoSecretsRefusesEveryToken) {
    auto const token = good_token("demo");
    expect_refused(verify_join_token(token, "demo", {}, token_clock::now(), 30s), token_fault::bad_signature, token);
}

TEST(join_token, MintedTokenVerifies) {
    config::join_secret const k2{"k2", secret_b};
    auto const token = mint_join_token(k2, {.room = "demo", .ttl = 3600s, .once = false}, token_clock::now());
    auto const result = check(token, "demo", two_named);
    ASSERT_TRUE(result) << result.refusal.message;
    EXPECT_FALSE(result.admitted->once_jti.has_value());
    // Its header names k2.
    auto const header = base64url_decode(token.substr(0, token.find('.')));
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(json::parse(*header).at("kid"), "k2");
    EXPECT_EQ(json::parse(*header).at("alg"), "HS256");
}

TEST(join_token, MintedOnceTokensHaveDistinctJtis) {
    config::join_secret const unnamed{"", secret_a};
    auto const a = check(mint_join_token(unnamed, {.room = "demo", .ttl = 60s, .once = true}, token_clock::now()));
    auto const b = check(mint_join_token(unnamed, {.room = "demo", .ttl = 60s, .once = true}, token_clock::now()));
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    ASSERT_TRUE(a.admitted->once_jti && b.admitted->once_jti);
    EXPECT_NE(*a.admitted->once_jti, *b.admitted->once_jti);
    EXPECT_GE(a.admitted->once_jti->size(), 22U);  // 128 bits in base64url
}

TEST(join_token, MintedTokenExpiresAfterItsTtl) {
    config::join_secret const unnamed{"", secret_a};
    auto const then = token_clock::now() - 2h;
    auto const token = mint_join_token(unnamed, {.room = "demo", .ttl = 3600s, .once = false}, then);
    expect_refused(check(token), token_fault::expired, token);
}

}  // namespace
}  // namespace duet::access
