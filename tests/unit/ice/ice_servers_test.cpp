#include <duet/ice/ice_servers.hpp>

#include <duet/config/settings.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace duet::ice {
namespace {

using json = nlohmann::json;

std::chrono::system_clock::time_point const fixed_now{std::chrono::seconds{1'700'000'000}};

json parse(std::string const& text) {
    auto j = json::parse(text, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << text;
    return j;
}

TEST(ice_servers, NoServersIsAnEmptyArray) {
    config::settings s;
    EXPECT_EQ(ice_servers_json(s, "peerA", fixed_now), "[]");
}

TEST(ice_servers, StunOnly) {
    config::settings s;
    s.stun_urls = {"stun:a:3478", "stun:b:3478"};
    auto const text = ice_servers_json(s, "peerA", fixed_now);
    EXPECT_EQ(text, R"([{"urls":["stun:a:3478","stun:b:3478"]}])");
    EXPECT_EQ(parse(text), parse(R"([{"urls":["stun:a:3478","stun:b:3478"]}])"));
}

TEST(ice_servers, TurnWithSecretGetsATimeLimitedCredential) {
    config::settings s;
    s.turn_urls = {"turn:t.example:3478?transport=udp", "turns:t.example:5349"};
    s.turn_secret = "s3cret";
    s.turn_credential_ttl = std::chrono::seconds{86400};
    auto const j = parse(ice_servers_json(s, "peerA", fixed_now));
    EXPECT_EQ(j, parse(R"([{"urls":["turn:t.example:3478?transport=udp","turns:t.example:5349"],
                            "username":"1700086400:peerA",
                            "credential":"dR5sjkvA3JRGiTSnUWpzcmOe9v4="}])"));
}

TEST(ice_servers, TurnCredentialFollowsTheTtlAndPeer) {
    config::settings s;
    s.turn_urls = {"turn:t.example:3478"};
    s.turn_secret = "s3cret";
    s.turn_credential_ttl = std::chrono::seconds{3600};
    auto const j = parse(ice_servers_json(s, "k3J_-x", fixed_now + std::chrono::milliseconds{999}));
    ASSERT_EQ(j.size(), 1U);
    EXPECT_EQ(j[0].at("username"), "1700003600:k3J_-x");
    EXPECT_EQ(j[0].at("credential"), "I47rqC8jZnCd80ioxMIshddPCN0=");
}

TEST(ice_servers, SecretWinsOverStaticCredentials) {
    config::settings s;
    s.turn_urls = {"turn:t.example:3478"};
    s.turn_secret = "s3cret";
    s.turn_username = "static";
    s.turn_credential = "password";
    auto const j = parse(ice_servers_json(s, "peerA", fixed_now));
    ASSERT_EQ(j.size(), 1U);
    EXPECT_EQ(j[0].at("username"), "1700086400:peerA");
    EXPECT_EQ(j[0].at("credential"), "dR5sjkvA3JRGiTSnUWpzcmOe9v4=");
}

TEST(ice_servers, TurnWithStaticCredentials) {
    config::settings s;
    s.turn_urls = {"turn:t.example:3478"};
    s.turn_username = "alice";
    s.turn_credential = "pa\"ss";
    auto const text = ice_servers_json(s, "peerA", fixed_now);
    EXPECT_EQ(parse(text), parse(R"([{"urls":["turn:t.example:3478"],"username":"alice","credential":"pa\"ss"}])"));
}

TEST(ice_servers, TurnWithoutCredentials) {
    config::settings s;
    s.turn_urls = {"turn:t.example:3478"};
    EXPECT_EQ(ice_servers_json(s, "peerA", fixed_now), R"([{"urls":["turn:t.example:3478"]}])");
}

TEST(ice_servers, StunThenTurnAndOnlyTurnCarriesCredentials) {
    config::settings s;
    s.stun_urls = {"stun:a:3478"};
    s.turn_urls = {"turn:t.example:3478"};
    s.turn_secret = "s3cret";
    auto const j = parse(ice_servers_json(s, "peerA", fixed_now));
    EXPECT_EQ(j, parse(R"([{"urls":["stun:a:3478"]},
                           {"urls":["turn:t.example:3478"],
                            "username":"1700086400:peerA",
                            "credential":"dR5sjkvA3JRGiTSnUWpzcmOe9v4="}])"));
}

}  // namespace
}  // namespace duet::ice
