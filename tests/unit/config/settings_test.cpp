#include <duet/config/settings.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace duet::config {
namespace {

/// Names each instantiated test after its row.
struct row_name {
    template <class Row>
    std::string operator()(::testing::TestParamInfo<Row> const& row_info) const {
        return row_info.param.name;
    }
};

using namespace std::chrono_literals;

std::string joined(std::vector<std::string> const& lines) {
    std::string out;
    for (auto const& line : lines) {
        out += line + "\n";
    }
    return out;
}

TEST(settings, DefaultsAreTheDocumentedOnes) {
    settings const s;
    EXPECT_EQ(s.address, "127.0.0.1");
    EXPECT_EQ(s.port, 9980);
    EXPECT_EQ(s.admin_address, "");  // no admin listener unless asked for
    EXPECT_EQ(s.admin_port, 9981);
    EXPECT_EQ(s.room_capacity, 2U);
    EXPECT_EQ(s.seat_lease, 20s);
    EXPECT_EQ(s.lease_queue_bytes, 65536U);
    EXPECT_EQ(s.max_message_bytes, 65536U);
    EXPECT_EQ(s.ping_interval, 20s);
    EXPECT_EQ(s.idle_timeout, 60s);
    EXPECT_EQ(s.max_violations, 100U);
    EXPECT_EQ(s.shutdown_grace, 10s);
    EXPECT_TRUE(s.allowed_origins.empty());
    EXPECT_EQ(s.log_level, "info");
    EXPECT_EQ(s.log_format, "text");
    EXPECT_TRUE(s.trusted_proxies.empty());  // nobody's forwarding headers are believed
    EXPECT_EQ(s.max_connections_per_client, 20U);
    EXPECT_EQ(s.max_http_connections_per_client, 50U);
    EXPECT_EQ(s.handshake_rate_per_client, 1.0);
    EXPECT_EQ(s.handshake_burst_per_client, 20.0);
}

TEST(settings, DefaultsAreValid) {
    EXPECT_EQ(joined(validate(settings{})), "");
}

// ---------------------------------------------------------------------------------------
// One row per rule: a change to the defaults, and the setting the one message must name.

struct rule_row {
    char const* name;
    std::function<void(settings&)> change;
    std::string setting;  // the message starts with "<setting>:"
    std::string mentions = {};  // and contains this, when set
};

void PrintTo(rule_row const& row, std::ostream* os) {
    *os << row.name;
}

class settings_rule : public ::testing::TestWithParam<rule_row> {};

TEST_P(settings_rule, ProducesOneMessageNamingItsSetting) {
    auto const& row = GetParam();
    settings s;
    row.change(s);
    auto const errors = validate(s);
    ASSERT_EQ(errors.size(), 1U) << joined(errors);
    EXPECT_EQ(errors[0].rfind(row.setting + ": ", 0), 0U) << errors[0];
    if (!row.mentions.empty()) {
        EXPECT_NE(errors[0].find(row.mentions), std::string::npos) << errors[0];
    }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, settings_rule,
    ::testing::Values(
        rule_row{"address_empty", [](settings& s) { s.address.clear(); }, "address"},
        rule_row{"address_a_name", [](settings& s) { s.address = "localhost"; }, "address"},
        rule_row{"address_bad_ipv4", [](settings& s) { s.address = "127.0.0.256"; }, "address"},
        rule_row{"admin_address_a_name", [](settings& s) { s.admin_address = "localhost"; }, "admin_address"},
        rule_row{"admin_same_as_public",
                 [](settings& s) {
                     s.admin_address = s.address;
                     s.admin_port = s.port;
                 },
                 "admin_port", "share"},
        rule_row{"room_capacity_1", [](settings& s) { s.room_capacity = 1; }, "room_capacity", "at least 2"},
        rule_row{"room_capacity_0", [](settings& s) { s.room_capacity = 0; }, "room_capacity"},
        rule_row{"max_rooms_0", [](settings& s) { s.max_rooms = 0; }, "max_rooms"},
        rule_row{"seat_lease_negative", [](settings& s) { s.seat_lease = -1ms; }, "seat_lease"},
        rule_row{"seat_lease_over_an_hour", [](settings& s) { s.seat_lease = 3'600'001ms; }, "seat_lease"},
        rule_row{"lease_queue_bytes_1023", [](settings& s) { s.lease_queue_bytes = 1023; }, "lease_queue_bytes"},
        rule_row{"max_message_bytes_255", [](settings& s) { s.max_message_bytes = 255; }, "max_message_bytes"},
        rule_row{"max_message_bytes_too_large",
                 [](settings& s) {
                     s.max_message_bytes = 64 * 1024 * 1024 + 1;
                     s.max_send_queue_bytes = 1024U * 1024 * 1024;
                 },
                 "max_message_bytes"},
        rule_row{"max_send_queue_bytes_too_small",
                 [](settings& s) { s.max_send_queue_bytes = 2 * s.max_message_bytes + 1023; }, "max_send_queue_bytes"},
        rule_row{"max_send_queue_bytes_below_max_message",
                 [](settings& s) { s.max_send_queue_bytes = 1000; }, "max_send_queue_bytes"},
        rule_row{"rate_limit_per_second_0", [](settings& s) { s.rate_limit_per_second = 0; }, "rate_limit_per_second"},
        rule_row{"rate_limit_per_second_negative", [](settings& s) { s.rate_limit_per_second = -1; },
                 "rate_limit_per_second"},
        rule_row{"rate_limit_burst_below_1", [](settings& s) { s.rate_limit_burst = 0.5; }, "rate_limit_burst"},
        rule_row{"max_violations_0", [](settings& s) { s.max_violations = 0; }, "max_violations"},
        rule_row{"ping_interval_too_short", [](settings& s) { s.ping_interval = 9ms; }, "ping_interval"},
        rule_row{"idle_timeout_equal_to_ping_interval", [](settings& s) { s.idle_timeout = s.ping_interval; },
                 "idle_timeout", "ping_interval"},
        rule_row{"idle_timeout_below_ping_interval", [](settings& s) { s.idle_timeout = 1s; }, "idle_timeout"},
        rule_row{"close_linger_time_too_short", [](settings& s) { s.close_linger_time = 9ms; }, "close_linger_time"},
        rule_row{"close_linger_time_too_long", [](settings& s) { s.close_linger_time = 60'001ms; },
                 "close_linger_time"},
        rule_row{"max_connections_0", [](settings& s) { s.max_connections = 0; }, "max_connections"},
        rule_row{"max_header_bytes_1023", [](settings& s) { s.max_header_bytes = 1023; }, "max_header_bytes"},
        rule_row{"request_timeout_too_short", [](settings& s) { s.request_timeout = 9ms; }, "request_timeout"},
        rule_row{"max_http_connections_0", [](settings& s) { s.max_http_connections = 0; }, "max_http_connections"},
        rule_row{"trusted_proxies_a_name", [](settings& s) { s.trusted_proxies = {"localhost"}; }, "trusted_proxies",
                 "localhost"},
        rule_row{"trusted_proxies_v4_prefix_33", [](settings& s) { s.trusted_proxies = {"10.0.0.0/33"}; },
                 "trusted_proxies", "10.0.0.0/33"},
        rule_row{"trusted_proxies_v6_prefix_129", [](settings& s) { s.trusted_proxies = {"::1/129"}; },
                 "trusted_proxies"},
        rule_row{"trusted_proxies_empty_prefix", [](settings& s) { s.trusted_proxies = {"127.0.0.1/"}; },
                 "trusted_proxies"},
        rule_row{"trusted_proxies_signed_prefix", [](settings& s) { s.trusted_proxies = {"127.0.0.1/+8"}; },
                 "trusted_proxies"},
        rule_row{"trusted_proxies_one_bad_of_two",
                 [](settings& s) { s.trusted_proxies = {"127.0.0.1/32", "::1/1x"}; }, "trusted_proxies", "::1/1x"},
        rule_row{"max_connections_per_client_0", [](settings& s) { s.max_connections_per_client = 0; },
                 "max_connections_per_client"},
        rule_row{"max_http_connections_per_client_0", [](settings& s) { s.max_http_connections_per_client = 0; },
                 "max_http_connections_per_client"},
        rule_row{"handshake_rate_per_client_0", [](settings& s) { s.handshake_rate_per_client = 0; },
                 "handshake_rate_per_client"},
        rule_row{"handshake_burst_per_client_below_1", [](settings& s) { s.handshake_burst_per_client = 0.5; },
                 "handshake_burst_per_client"},
        rule_row{"shutdown_grace_negative", [](settings& s) { s.shutdown_grace = -1ms; }, "shutdown_grace"},
        rule_row{"turn_credential_ttl_59", [](settings& s) { s.turn_credential_ttl = 59s; }, "turn_credential_ttl"},
        rule_row{"log_format_xml", [](settings& s) { s.log_format = "xml"; }, "log_format"},
        rule_row{"log_format_case", [](settings& s) { s.log_format = "JSON"; }, "log_format"},
        rule_row{"log_level_verbose", [](settings& s) { s.log_level = "verbose"; }, "log_level"},
        rule_row{"log_level_empty", [](settings& s) { s.log_level.clear(); }, "log_level"},
        rule_row{"allowed_origins_no_scheme", [](settings& s) { s.allowed_origins = {"x.example"}; },
                 "allowed_origins", "x.example"},
        rule_row{"allowed_origins_one_bad_of_two",
                 [](settings& s) { s.allowed_origins = {"https://ok.example", "ftp://bad.example"}; },
                 "allowed_origins", "ftp://bad.example"},
        rule_row{"stun_url_wrong_scheme", [](settings& s) { s.stun_urls = {"http://stun.example"}; }, "stun_urls",
                 "http://stun.example"},
        rule_row{"stun_url_turn_scheme", [](settings& s) { s.stun_urls = {"turn:t.example"}; }, "stun_urls"},
        rule_row{"stun_url_with_space", [](settings& s) { s.stun_urls = {"stun:a b:3478"}; }, "stun_urls"},
        rule_row{"stun_url_with_quote", [](settings& s) { s.stun_urls = {"stun:a\":3478"}; }, "stun_urls"},
        rule_row{"turn_url_wrong_scheme", [](settings& s) { s.turn_urls = {"stun:t.example"}; }, "turn_urls",
                 "stun:t.example"},
        rule_row{"turn_username_without_credential",
                 [](settings& s) {
                     s.turn_urls = {"turn:t.example:3478"};
                     s.turn_username = "alice";
                 },
                 "turn_username", "turn_credential"},
        rule_row{"turn_credential_without_username",
                 [](settings& s) {
                     s.turn_urls = {"turn:t.example:3478"};
                     s.turn_credential = "secret";
                 },
                 "turn_username", "turn_credential"},
        rule_row{"turn_secret_without_turn_urls", [](settings& s) { s.turn_secret = "s3cret"; }, "turn_urls"},
        rule_row{"static_turn_credentials_without_turn_urls",
                 [](settings& s) {
                     s.turn_username = "alice";
                     s.turn_credential = "pw";
                 },
                 "turn_urls"}),
    row_name{});

TEST(settings, BoundaryValuesAreValid) {
    settings s;
    s.room_capacity = 2;
    s.max_message_bytes = 256;
    s.max_send_queue_bytes = 2 * 256 + 1024;
    s.rate_limit_burst = 1;
    s.max_violations = 1;
    s.ping_interval = 10ms;
    s.idle_timeout = 11ms;
    s.max_header_bytes = 1024;
    s.request_timeout = 10ms;
    s.shutdown_grace = 0ms;
    s.turn_credential_ttl = 60s;
    EXPECT_EQ(joined(validate(s)), "");

    s.max_message_bytes = 64 * 1024 * 1024;
    s.max_send_queue_bytes = 2 * s.max_message_bytes + 1024;
    EXPECT_EQ(joined(validate(s)), "");
}

TEST(settings, TrustedProxyBlocksOfBothFamiliesAreValid) {
    settings s;
    s.trusted_proxies = {"127.0.0.1/32", "::1/128", "10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::ffff:10.0.0.0/104",
                         "0.0.0.0/0", "::/0"};
    EXPECT_EQ(joined(validate(s)), "");
}

TEST(settings, GoodUrlsOriginsAndCredentialsAreValid) {
    settings s;
    s.allowed_origins = {"https://call.example.org", "http://localhost:8080"};
    s.stun_urls = {"stun:stun.example.org:3478", "stuns:stun.example.org:5349"};
    s.turn_urls = {"turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"};
    s.turn_secret = "s3cret";
    EXPECT_EQ(joined(validate(s)), "");
    s.turn_secret.clear();
    s.turn_username = "alice";
    s.turn_credential = "pw";
    EXPECT_EQ(joined(validate(s)), "");
    for (auto const& level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
        s.log_level = level;
        EXPECT_EQ(joined(validate(s)), "") << level;
    }
    s.log_format = "json";
    EXPECT_EQ(joined(validate(s)), "");
    for (auto const& address : {"0.0.0.0", "127.0.0.1", "::", "::1", "2001:db8::7", "fe80::1%lo"}) {
        s.address = address;
        EXPECT_EQ(joined(validate(s)), "") << address;
        s.admin_address = address;
        EXPECT_EQ(joined(validate(s)), "") << "admin " << address;
    }
}

TEST(settings, EveryProblemIsReported) {
    settings s;
    s.room_capacity = 1;
    s.log_format = "xml";
    s.idle_timeout = 1s;
    s.stun_urls = {"bad", "stun:ok", "worse"};
    auto const errors = validate(s);
    ASSERT_EQ(errors.size(), 5U) << joined(errors);
    auto const count = [&](std::string const& prefix) {
        return std::count_if(errors.begin(), errors.end(),
                             [&](std::string const& e) { return e.rfind(prefix + ": ", 0) == 0; });
    };
    EXPECT_EQ(count("room_capacity"), 1);
    EXPECT_EQ(count("log_format"), 1);
    EXPECT_EQ(count("idle_timeout"), 1);
    EXPECT_EQ(count("stun_urls"), 2);
}

TEST(settings, OneEventLoopThread) {
    // One threading model (docs/architecture.md): old config files may say 0 or 1.
    settings s;
    EXPECT_EQ(s.threads, 1U);
    s.threads = 0;
    EXPECT_TRUE(validate(s).empty());
    s.threads = 2;
    auto const errors = validate(s);
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors.front().rfind("threads: ", 0), 0U) << errors.front();
}

}  // namespace
}  // namespace duet::config
