#include <duet/metrics/prometheus.hpp>

#include <duet/build_info.hpp>
#include <duet/metrics/counters.hpp>
#include <duet/metrics/histogram.hpp>
#include <duet/protocol/error_code.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace duet::metrics {
namespace {

std::vector<std::string> lines_of(std::string const& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

bool has_line(std::string const& text, std::string const& line) {
    auto const lines = lines_of(text);
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

/// The metric name of a sample line: up to the first '{' or space.
std::string metric_name(std::string const& sample) {
    return sample.substr(0, sample.find_first_of("{ "));
}

/// The family a sample belongs to: a histogram's samples add _bucket, _sum, _count.
std::string family_of(std::string const& name, std::map<std::string, std::string> const& types) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
        if (name.ends_with(suffix)) {
            auto const base = name.substr(0, name.size() - suffix.size());
            auto const it = types.find(base);
            if (it != types.end() && it->second == "histogram") {
                return base;
            }
        }
    }
    return name;
}

std::array<close_reason, close_reason_count> const all_close_reasons{
    close_reason::client_closed, close_reason::disconnected, close_reason::shutdown,    close_reason::idle_timeout,
    close_reason::slow_consumer, close_reason::violations,   close_reason::too_big,     close_reason::binary_frame,
    close_reason::replaced,
};

class prometheus_test : public ::testing::Test {
protected:
    prometheus_test() {
        counters::add(c_.accept_failures_total, 3);
        counters::add(c_.ws_accepted_total, 41);
        counters::add(c_.ws_refused_origin_total, 5);
        counters::add(c_.ws_refused_capacity_total, 6);
        counters::add(c_.ws_refused_client_connections_total, 10);
        counters::add(c_.ws_refused_client_rate_total, 11);
        counters::add(c_.ws_handshake_failures_total, 7);
        counters::add(c_.http_requests_total, 1234);
        counters::add(c_.http_refused_total, 8);
        counters::add(c_.http_refused_client_connections_total, 12);
        counters::add(c_.joins_total, 17);
        counters::add(c_.fulls_total, 4);
        counters::add(c_.leaves_total, 9);
        counters::add(c_.leases_started_total, 14);
        counters::add(c_.leases_resumed_total, 15);
        counters::add(c_.leases_expired_total, 16);
        counters::add(c_.relay_requests_total, 77);
        counters::add(c_.messages_relayed_total, 76);
        counters::add(c_.bytes_relayed_total, 123456789012ULL);
        for (std::size_t i = 0; i < protocol::error_code_count; ++i) {
            counters::add(c_.errors_total[i], 100 + i);
        }
        for (std::size_t i = 0; i < close_reason_count; ++i) {
            counters::add(c_.closes_total[i], 200 + i);
        }
        g_.ws_connections = 3;
        g_.http_connections = 2;
        g_.rooms = 5;
        g_.clients_tracked = 13;
        g_.room_members = 9;
        g_.uptime_seconds = 12.5;
    }

    counters c_;
    gauges g_;
};

TEST_F(prometheus_test, CountersAndGaugesAreRendered) {
    auto const text = render_prometheus(c_, g_);
    for (auto const* line : {
             "duet_accept_failures_total 3",
             "duet_ws_connections 3",
             "duet_ws_connections_accepted_total 41",
             "duet_ws_handshake_failures_total 7",
             "duet_ws_handshakes_refused_total{reason=\"origin\"} 5",
             "duet_ws_handshakes_refused_total{reason=\"capacity\"} 6",
             "duet_ws_handshakes_refused_total{reason=\"client_connections\"} 10",
             "duet_ws_handshakes_refused_total{reason=\"client_rate\"} 11",
             "duet_http_connections 2",
             "duet_http_requests_total 1234",
             "duet_http_connections_refused_total{reason=\"capacity\"} 8",
             "duet_http_connections_refused_total{reason=\"client_connections\"} 12",
             "duet_clients_tracked 13",
             "duet_rooms 5",
             "duet_room_members 9",
             "duet_joins_total 17",
             "duet_fulls_total 4",
             "duet_leaves_total 9",
             "duet_leases_started_total 14",
             "duet_leases_resumed_total 15",
             "duet_leases_expired_total 16",
             "duet_relay_requests_total 77",
             "duet_messages_relayed_total 76",
             "duet_bytes_relayed_total 123456789012",
             "duet_uptime_seconds 12.5",
         }) {
        EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\n" << text;
    }
}

TEST_F(prometheus_test, OneErrorsLinePerCodeWithItsWireName) {
    auto const text = render_prometheus(c_, g_);
    for (auto const code : protocol::all_error_codes) {
        auto const i = static_cast<std::size_t>(code);
        auto const line = "duet_errors_total{code=\"" + std::string(protocol::wire_name(code)) + "\"} " +
                          std::to_string(100 + i);
        EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\n" << text;
    }
    auto const lines = lines_of(text);
    auto const error_lines = std::count_if(lines.begin(), lines.end(), [](std::string const& l) {
        return l.rfind("duet_errors_total{", 0) == 0;
    });
    EXPECT_EQ(error_lines, static_cast<std::ptrdiff_t>(protocol::error_code_count));
    EXPECT_TRUE(has_line(text, "duet_errors_total{code=\"room_limit\"} 108")) << text;
}

TEST_F(prometheus_test, ClosesByReasonLabel) {
    auto const text = render_prometheus(c_, g_);
    std::map<std::string, std::string> const expected{
        {"client_closed", "200"}, {"disconnected", "201"}, {"shutdown", "202"}, {"idle_timeout", "203"},
        {"slow_consumer", "204"}, {"violations", "205"},   {"too_big", "206"},  {"binary_frame", "207"},
        {"replaced", "208"},
    };
    for (auto const& [reason, value] : expected) {
        auto const line = "duet_ws_closes_total{reason=\"" + reason + "\"} " + value;
        EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\n" << text;
    }
    for (auto const reason : all_close_reasons) {
        EXPECT_EQ(expected.count(std::string(label(reason))), 1U) << label(reason);
    }
    auto const lines = lines_of(text);
    auto const close_lines = std::count_if(lines.begin(), lines.end(), [](std::string const& l) {
        return l.rfind("duet_ws_closes_total{", 0) == 0;
    });
    EXPECT_EQ(close_lines, static_cast<std::ptrdiff_t>(close_reason_count));
}

TEST_F(prometheus_test, EveryMetricHasOneHelpAndOneTypeBeforeItsSamples) {
    auto const text = render_prometheus(c_, g_);
    auto const lines = lines_of(text);
    std::map<std::string, int> helps;
    std::map<std::string, std::string> types;
    std::set<std::string> sampled;
    std::regex const help_re(R"(^# HELP ([a-z_]+) \S.*$)");
    std::regex const type_re(R"(^# TYPE ([a-z_]+) (counter|gauge|histogram)$)");
    for (auto const& line : lines) {
        std::smatch m;
        if (std::regex_match(line, m, help_re)) {
            ++helps[m[1].str()];
        } else if (std::regex_match(line, m, type_re)) {
            EXPECT_EQ(types.count(m[1].str()), 0U) << "second TYPE: " << line;
            types[m[1].str()] = m[2].str();
        } else if (!line.empty() && line[0] != '#') {
            auto const name = family_of(metric_name(line), types);
            EXPECT_EQ(helps[name], 1) << "no HELP before: " << line;
            EXPECT_EQ(types.count(name), 1U) << "no TYPE before: " << line;
            sampled.insert(name);
        } else {
            ADD_FAILURE() << "unexpected line: '" << line << "'";
        }
    }
    EXPECT_EQ(sampled.size(), helps.size());
    EXPECT_EQ(sampled.size(), types.size());
    for (auto const& [name, type] : types) {
        EXPECT_EQ(sampled.count(name), 1U) << "TYPE without samples: " << name;
        // Prometheus naming: counters end in _total, gauges do not; durations in _seconds.
        bool const total = name.ends_with("_total");
        if (type == "histogram") {
            EXPECT_TRUE(name.ends_with("_seconds")) << name;
        } else {
            EXPECT_EQ(type, total ? "counter" : "gauge") << name;
        }
    }
    EXPECT_EQ(sampled.size(), 33U);  // 27, and the cluster's 5 counters and its histogram
}

TEST_F(prometheus_test, EverySampleLineMatchesTheExpositionFormat) {
    auto const text = render_prometheus(c_, g_);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    std::regex const sample_re(R"re(^[a-z_]+(\{[a-z_]+="([a-z0-9._]+|\+Inf)"\})? [0-9.e+-]+$)re");
    std::size_t samples = 0;
    for (auto const& line : lines_of(text)) {
        if (line.rfind("# ", 0) == 0) {
            continue;
        }
        EXPECT_TRUE(std::regex_match(line, sample_re)) << "'" << line << "'";
        ++samples;
    }
    auto const histogram_samples = [](histogram const& h) { return h.upper_bounds().size() + 1U + 2U; };
    EXPECT_EQ(samples, 2U + 3U + 4U + close_reason_count + 4U + 3U + 6U + 3U + protocol::error_code_count + 1U +
                           histogram_samples(c_.calls.partner_wait) + histogram_samples(c_.calls.call_duration) +
                           histogram_samples(c_.calls.lease_down) + 5U +
                           histogram_samples(c_.cluster.redis_round_trip));
}

TEST_F(prometheus_test, HistogramsHaveCumulativeBucketsSumAndCount) {
    using std::chrono::milliseconds;
    c_.calls.lease_down.observe(milliseconds(250));   // on the 0.25 bound: in it
    c_.calls.lease_down.observe(milliseconds(1500));  // (1, 2]
    c_.calls.lease_down.observe(milliseconds(400'000));  // above 300: +Inf only
    auto const text = render_prometheus(c_, g_);
    for (auto const* line : {
             "# TYPE duet_lease_down_seconds histogram",
             "duet_lease_down_seconds_bucket{le=\"0.25\"} 1",
             "duet_lease_down_seconds_bucket{le=\"1\"} 1",
             "duet_lease_down_seconds_bucket{le=\"2\"} 2",
             "duet_lease_down_seconds_bucket{le=\"300\"} 2",
             "duet_lease_down_seconds_bucket{le=\"+Inf\"} 3",
             "duet_lease_down_seconds_sum 401.75",
             "duet_lease_down_seconds_count 3",
             "duet_partner_wait_seconds_count 0",
             "duet_call_duration_seconds_bucket{le=\"+Inf\"} 0",
         }) {
        EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\n" << text;
    }
}

TEST_F(prometheus_test, BuildInfoCarriesTheVersion) {
    auto const text = render_prometheus(c_, g_);
    EXPECT_TRUE(has_line(text, "duet_build_info{version=\"" + std::string(build_info::version) + "\"} 1")) << text;
}

TEST_F(prometheus_test, ProcessFamilyOnlyWhenRead) {
    EXPECT_EQ(render_prometheus(c_, g_).find("process_"), std::string::npos);
    g_.process = process_stats{.cpu_seconds = 1.25,
                               .start_time_seconds = 1700000000.5,
                               .virtual_memory_bytes = 123456789,
                               .resident_memory_bytes = 4096000,
                               .open_fds = 17,
                               .max_fds = 1048576};
    auto const text = render_prometheus(c_, g_);
    for (auto const* line : {
             "# TYPE process_cpu_seconds_total counter",
             "process_cpu_seconds_total 1.25",
             "# TYPE process_start_time_seconds gauge",
             "process_start_time_seconds 1700000000.5",
             "process_virtual_memory_bytes 123456789",
             "process_resident_memory_bytes 4096000",
             "process_open_fds 17",
             "process_max_fds 1048576",
         }) {
        EXPECT_TRUE(has_line(text, line)) << "missing: " << line << "\n" << text;
    }
}

TEST(prometheus, ZeroCountersRenderZeros) {
    counters const c;
    gauges const g;
    auto const text = render_prometheus(c, g);
    EXPECT_TRUE(has_line(text, "duet_ws_connections 0")) << text;
    EXPECT_TRUE(has_line(text, "duet_errors_total{code=\"bad_json\"} 0")) << text;
    EXPECT_TRUE(has_line(text, "duet_ws_closes_total{reason=\"binary_frame\"} 0")) << text;
    EXPECT_TRUE(has_line(text, "duet_uptime_seconds 0")) << text;
}

TEST(prometheus, UptimeKeepsFullPrecision) {
    counters const c;
    gauges g;
    g.uptime_seconds = 1234567.25;  // about 14 days
    auto const text = render_prometheus(c, g);
    std::string value;
    for (auto const& line : lines_of(text)) {
        if (line.rfind("duet_uptime_seconds ", 0) == 0) {
            value = line.substr(std::string("duet_uptime_seconds ").size());
        }
    }
    ASSERT_FALSE(value.empty()) << text;
    EXPECT_DOUBLE_EQ(std::stod(value), 1234567.25) << "rendered as " << value;
}

TEST(close_reason, Labels) {
    EXPECT_EQ(label(close_reason::client_closed), "client_closed");
    EXPECT_EQ(label(close_reason::disconnected), "disconnected");
    EXPECT_EQ(label(close_reason::shutdown), "shutdown");
    EXPECT_EQ(label(close_reason::idle_timeout), "idle_timeout");
    EXPECT_EQ(label(close_reason::slow_consumer), "slow_consumer");
    EXPECT_EQ(label(close_reason::violations), "violations");
    EXPECT_EQ(label(close_reason::too_big), "too_big");
    EXPECT_EQ(label(close_reason::binary_frame), "binary_frame");
    EXPECT_EQ(label(close_reason::replaced), "replaced");
}

}  // namespace
}  // namespace duet::metrics
