// config::apply_reload: what SIGHUP may change, and what waits for a restart.
#include <duet/config/settings_reload.hpp>

#include <gtest/gtest.h>

namespace duet::config {
namespace {

using namespace std::chrono_literals;

TEST(settings_reload, TheSameSettingsChangeNothing) {
    settings running;
    auto const r = apply_reload(running, settings{});
    EXPECT_TRUE(r.changed.empty());
    EXPECT_TRUE(r.need_restart.empty());
}

TEST(settings_reload, LimitsOriginsIceAndLoggingAreTakenOver) {
    settings running;
    settings loaded;
    loaded.max_message_bytes = 4096;
    loaded.idle_timeout = 90s;
    loaded.allowed_origins = {"https://call.example.org"};
    loaded.turn_urls = {"turn:t:3478"};
    loaded.turn_secret = "new";
    loaded.log_level = "debug";
    auto const r = apply_reload(running, loaded);
    EXPECT_EQ(r.changed, (std::vector<std::string>{"max_message_bytes", "idle_timeout", "allowed_origins",
                                                   "turn_urls", "turn_secret", "log_level"}));
    EXPECT_TRUE(r.need_restart.empty());
    EXPECT_EQ(running.max_message_bytes, 4096u);
    EXPECT_EQ(running.idle_timeout, 90s);
    EXPECT_EQ(running.allowed_origins, loaded.allowed_origins);
    EXPECT_EQ(running.turn_secret, "new");
    EXPECT_EQ(running.log_level, "debug");
}

TEST(settings_reload, TrustedProxiesAndPerClientLimitsAreTakenOver) {
    settings running;
    settings loaded;
    loaded.trusted_proxies = {"127.0.0.1/32"};
    loaded.max_connections_per_client = 3;
    loaded.max_http_connections_per_client = 4;
    loaded.handshake_rate_per_client = 0.5;
    loaded.handshake_burst_per_client = 5;
    auto const r = apply_reload(running, loaded);
    EXPECT_EQ(r.changed, (std::vector<std::string>{"trusted_proxies", "max_connections_per_client",
                                                   "max_http_connections_per_client", "handshake_rate_per_client",
                                                   "handshake_burst_per_client"}));
    EXPECT_TRUE(r.need_restart.empty());
    EXPECT_EQ(running.trusted_proxies, loaded.trusted_proxies);
    EXPECT_EQ(running.max_connections_per_client, 3U);
    EXPECT_EQ(running.handshake_burst_per_client, 5.0);
}

TEST(settings_reload, TheSocketAndWhatWasSizedAtStartWaitForARestart) {
    settings running;
    settings loaded;
    loaded.port = 8080;
    loaded.address = "0.0.0.0";
    loaded.room_capacity = 3;
    loaded.max_connections = 5;
    loaded.ping_interval = 10s;
    auto const r = apply_reload(running, loaded);
    EXPECT_EQ(r.need_restart, (std::vector<std::string>{"address", "port", "room_capacity", "max_connections"}));
    EXPECT_EQ(r.changed, (std::vector<std::string>{"ping_interval"}));
    EXPECT_EQ(running.port, 9980);
    EXPECT_EQ(running.address, "127.0.0.1");
    EXPECT_EQ(running.room_capacity, 2u);
    EXPECT_EQ(running.max_connections, 10000u);
    EXPECT_EQ(running.ping_interval, 10s);
}

// The registry takes the lease terms when it is made (like room_capacity).
TEST(settings_reload, SeatLeaseSettingsWaitForARestart) {
    settings running;
    settings loaded;
    loaded.seat_lease = 30s;
    loaded.lease_queue_bytes = 1024;
    auto const r = apply_reload(running, loaded);
    EXPECT_TRUE(r.changed.empty());
    EXPECT_EQ(r.need_restart, (std::vector<std::string>{"seat_lease", "lease_queue_bytes"}));
    EXPECT_EQ(running.seat_lease, settings{}.seat_lease);
}

TEST(settings_reload, JoinSecretsRotateWithoutARestart) {
    settings running;
    running.join_secrets = {"k1=old-secret-0123456789abcdef0123456789"};
    settings loaded;
    loaded.join_secrets = {"k1=old-secret-0123456789abcdef0123456789", "k2=new-secret-0123456789abcdef0123456789"};
    loaded.require_token = true;
    loaded.token_leeway = 5s;
    loaded.max_spent_tokens = 10;
    auto const r = apply_reload(running, loaded);
    EXPECT_EQ(r.changed, (std::vector<std::string>{"join_secrets", "require_token", "token_leeway"}));
    EXPECT_EQ(r.need_restart, (std::vector<std::string>{"max_spent_tokens"}));
    EXPECT_EQ(running.join_secrets, loaded.join_secrets);
    EXPECT_TRUE(running.require_token);
    EXPECT_EQ(running.token_leeway, 5s);
    EXPECT_EQ(running.max_spent_tokens, 100000U);
}

}  // namespace
}  // namespace duet::config
