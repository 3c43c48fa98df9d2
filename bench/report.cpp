#include "report.hpp"

#include "process_stats.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>

#include <unistd.h>

namespace duet::bench {
namespace {

using ojson = nlohmann::ordered_json;

std::string utc_now() {
    auto const now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

/// Thousands separated by commas: 123456 -> "123,456".
std::string grouped(double value) {
    auto digits = fixed(value, 0);
    auto const first = digits.front() == '-' ? 1 : 0;
    for (auto pos = static_cast<long>(digits.size()) - 3; pos > first; pos -= 3) {
        digits.insert(static_cast<std::size_t>(pos), 1, ',');
    }
    return digits;
}

/// The median of each number in `runs` (same shape), recursively; other values from the first run.
nlohmann::json median_of(std::vector<nlohmann::json const*> const& runs) {
    auto const& first = *runs.front();
    if (first.is_number()) {
        std::vector<double> values;
        for (auto const* run : runs) {
            if (run->is_number()) {
                values.push_back(run->get<double>());
            }
        }
        std::sort(values.begin(), values.end());
        auto const n = values.size();
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
    if (!first.is_object()) {
        return first;
    }
    nlohmann::json out = nlohmann::json::object();
    for (auto const& [key, value] : first.items()) {
        std::vector<nlohmann::json const*> members;
        for (auto const* run : runs) {
            if (auto const it = run->find(key); it != run->end()) {
                members.push_back(&*it);
            }
        }
        out[key] = median_of(members);
    }
    return out;
}

double number(nlohmann::json const& object, char const* key, double fallback = -1) {
    auto const it = object.find(key);
    return it != object.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string ms(nlohmann::json const& latency, char const* key) {
    auto const value = number(latency, key);
    return value < 0 ? "–" : fixed(value, value < 1 ? 3 : value < 10 ? 2 : 1) + " ms";
}

/// " (user 0.40 + system 0.95)": the daemon's CPU split, each divided by `per`.
std::string split(nlohmann::json const& results, double per, int decimals) {
    auto const user = number(results, "daemon_cpu_user_seconds");
    auto const system = number(results, "daemon_cpu_system_seconds");
    if (user < 0 || system < 0 || per <= 0) {
        return {};
    }
    return " (user " + fixed(user / per, decimals) + " + system " + fixed(system / per, decimals) + ")";
}

std::string met(bool ok) {
    return ok ? "met" : "**missed**";
}

}  // namespace

table_row describe(run_summary const& summary) {
    auto const& p = summary.parameters;
    auto const& results = summary.results;
    table_row r;
    r.scenario = summary.scenario;
    r.runs = std::to_string(summary.passed) + "/" + std::to_string(summary.total);
    r.threads = summary.threads;
    r.load = summary.load < 0 ? "?" : fixed(summary.load, 2);
    r.p50 = r.p99 = r.p999 = r.cpu = r.memory = r.target = r.throughput = "–";
    auto const sources = p.value("source_addresses", std::size_t{0});
    if (r.scenario.rfind("idle", 0) == 0) {
        auto const n = number(p, "connections");
        auto const large = number(p, "large_message_first_bytes", 0);
        r.parameters = grouped(n) + " connections in " + grouped(number(p, "rooms")) + " rooms" +
                       (sources > 1 ? ", " + std::to_string(sources) + " source addresses" : "") +
                       (large > 0 ? ", one " + grouped(large) + " B message each first" : "");
        r.throughput = grouped(number(results, "connections_per_second")) + " joined conn/s";
        if (auto const cpu = number(results, "daemon_cpu_ms_per_connection"); cpu >= 0) {
            r.cpu = fixed(cpu, 3) + " ms per connect+join";
        }
        if (auto const per = number(results, "rss_per_connection_kib"); per >= 0) {
            r.memory = fixed(per, 2) + " KiB/conn (" + fixed(number(results, "rss_baseline_kib") / 1024, 1) + " → " +
                       fixed(number(results, "rss_held_kib") / 1024, 1) + " MiB)";
            r.target = "≤ 8 KiB/conn at 10,000: " + met(per <= 8.0) + (n < 10000 ? " (at this N)" : "");
            if (results.contains("rss_after_large_message_per_connection_kib")) {
                r.memory += ", of which " + fixed(number(results, "rss_after_large_message_per_connection_kib"), 2) +
                            " KiB/conn came with the large message";
            }
        }
    } else if (r.scenario.rfind("relay", 0) == 0) {
        auto const bytes = number(p, "payload_bytes");
        r.parameters = grouped(number(p, "rooms")) + (number(p, "rooms") == 1 ? " room" : " rooms") + ", window " + grouped(number(p, "window")) + ", " +
                       grouped(bytes) + " B data";
        r.throughput = grouped(number(results, "messages_per_second")) + " msg/s";
        auto const latency = results.value("latency", nlohmann::json::object());
        r.p50 = ms(latency, "p50_ms");
        r.p99 = ms(latency, "p99_ms");
        r.p999 = ms(latency, "p999_ms");
        if (auto const cpu = number(results, "daemon_cpu_seconds_per_100k"); cpu >= 0) {
            r.cpu = fixed(cpu, 3) + " s per 100k msgs" + split(results, number(results, "messages") / 1e5, 2);
            double const limit = bytes <= 1024 ? 0.6 : 1.0;
            r.target = "≤ " + fixed(limit, 1) + " s/100k: " + met(cpu <= limit);
        }
        if (auto const rss = number(results, "rss_kib"); rss >= 0) {
            r.memory = fixed(rss / 1024, 1) + " MiB";
        }
    } else if (r.scenario.rfind("attack", 0) == 0) {
        auto const attackers = number(p, "attackers", 0);
        r.parameters = (attackers > 0 ? grouped(attackers) + " attackers × " + grouped(number(p, "attack_rate")) +
                                            "/s, " + grouped(number(results, "attack_frame_bytes")) + " B frames of " +
                                            grouped(number(results, "attack_members")) + " " +
                                            p.value("keys", std::string("?")) + " keys in " +
                                            (p.value("key_place", std::string("data")) == "top" ? "the top level"
                                                                                              : "data")
                                      : std::string("no attackers (baseline)")) +
                       "; bystander " + grouped(number(p, "probe_rate")) + " round trips/s";
        r.throughput = grouped(number(results, "attack_frames_per_second", 0)) + " attack frames/s (" +
                       grouped(number(results, "attack_frames_sent", 0)) + " sent, " +
                       grouped(number(results, "attack_frames_skipped", 0)) + " skipped)" +
                       (number(results, "probes_refused", 0) > 0
                            ? "; " + grouped(number(results, "probes_refused")) + " bystander messages refused"
                            : std::string());
        auto const rtt = results.value("rtt", nlohmann::json::object());
        r.p50 = ms(rtt, "p50_ms") + " RTT";
        r.p99 = ms(rtt, "p99_ms") + " RTT";
        r.p999 = ms(rtt, "p999_ms") + " RTT";
        if (auto const busy = number(results, "daemon_cpu_busy"); busy >= 0) {
            r.cpu = fixed(100 * busy, 1) + "% of a core during the attack" +
                    (attackers > 0 ? ", " + fixed(number(results, "daemon_cpu_us_per_attack_frame"), 0) +
                                         " µs per attack frame"
                                   : std::string()) +
                    ", drained " + fixed(number(results, "drain_seconds", 0), 2) + " s after";
        }
        if (auto const rss = number(results, "rss_kib"); rss >= 0) {
            r.memory = fixed(rss / 1024, 1) + " MiB";
        }
    } else {
        r.parameters = grouped(number(p, "cycles")) + " cycles, " + grouped(number(p, "payload_bytes")) +
                       " B offer/answer, " + grouped(number(p, "concurrency")) + " at once";
        r.throughput = fixed(number(results, "cycles_per_second"), 0) + " cycles/s";
        auto const latency = results.value("cycle", nlohmann::json::object());
        r.p50 = ms(latency, "p50_ms");
        r.p99 = ms(latency, "p99_ms");
        r.p999 = ms(latency, "p999_ms");
        if (auto const cpu = number(results, "daemon_cpu_ms_per_cycle"); cpu >= 0) {
            r.cpu = fixed(cpu, 3) + " ms per cycle" + split(results, number(results, "cycles") / 1000, 3);
            r.target = "≤ 0.15 ms/cycle: " + met(cpu <= 0.15);
        }
        if (auto const rss = number(results, "rss_kib"); rss >= 0) {
            r.memory = fixed(rss / 1024, 1) + " MiB";
        }
    }
    if (summary.passed == 0) {
        auto failure = summary.failure;
        std::replace(failure.begin(), failure.end(), '|', '/');
        r.throughput = "FAILED: " + failure;
    }
    return r;
}

std::string json_line(scenario_result const& result, bench_options const& options,
                      std::vector<double> const& load_before) {
    ojson line;
    line["scenario"] = result.scenario;
    line["dialect"] = options.dialect;
    line["ok"] = result.ok();
    if (!result.ok()) {
        line["failure"] = result.failure;
    }
    if (!options.label.empty()) {
        line["label"] = options.label;
    }
    line["parameters"] = result.parameters;
    ojson daemon = ojson::object();
    if (options.daemon_pid > 0) {
        daemon["pid"] = options.daemon_pid;
    }
    if (options.daemon_threads > 0) {
        daemon["threads"] = options.daemon_threads;
    }
    if (auto const memory = read_memory(options.daemon_pid)) {
        daemon["os_threads"] = memory->threads;
        daemon["cpus"] = memory->cpus_allowed;
    }
    line["daemon"] = daemon;
    line["generator"] = ojson{{"cpus", own_cpus_allowed()}};
    line["machine"] = ojson{{"online_cpus", ::sysconf(_SC_NPROCESSORS_ONLN)},
                            {"load_before", load_before},
                            {"load_after", read_loadavg()}};
    line["results"] = result.results;
    line["time"] = utc_now();
    return line.dump();
}

std::vector<run_summary> summarize(std::vector<nlohmann::json> const& lines) {
    // Group the runs of one scenario with one parameter set and one server setup, in
    // the order they first appear.
    std::vector<std::string> order;
    std::map<std::string, std::vector<nlohmann::json const*>> groups;
    for (auto const& line : lines) {
        if (!line.is_object() || !line.contains("parameters") || !line.contains("scenario")) {
            continue;
        }
        auto const daemon = line.value("daemon", nlohmann::json::object());
        auto key = line.value("scenario", "") + "|" + line.value("dialect", "duet") + "|" + line.value("label", "") +
                   "|" + line["parameters"].dump() + "|" + (daemon.contains("threads") ? daemon["threads"].dump() : "");
        auto& group = groups[key];
        if (group.empty()) {
            order.push_back(key);
        }
        group.push_back(&line);
    }

    std::vector<run_summary> out;
    for (auto const& key : order) {
        auto const& runs = groups[key];
        auto const& first = *runs.front();
        run_summary s;
        s.scenario = first.value("scenario", "?");
        s.dialect = first.value("dialect", "duet");  // lines from before --dialect are duetd's
        s.label = first.value("label", "");
        s.parameters = first["parameters"];
        auto const daemon = first.value("daemon", nlohmann::json::object());
        s.threads = daemon.contains("threads") ? daemon["threads"].dump() : "?";
        s.total = runs.size();
        std::vector<nlohmann::json const*> passed;
        for (auto const* run : runs) {
            if (run->value("ok", false) && run->contains("results")) {
                passed.push_back(&(*run)["results"]);
            }
        }
        s.passed = passed.size();
        s.results = passed.empty() ? nlohmann::json::object() : median_of(passed);
        s.failure = first.value("failure", std::string("?"));
        // The busiest the machine was before any of the runs (1-minute load average).
        for (auto const* run : runs) {
            auto const machine = run->value("machine", nlohmann::json::object());
            if (auto const it = machine.find("load_before"); it != machine.end() && it->is_array() && !it->empty()) {
                s.load = std::max(s.load, (*it)[0].get<double>());
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::string markdown_table(std::vector<nlohmann::json> const& lines) {
    std::string out =
        "| scenario | parameters | daemon threads | runs passed | load before | throughput | p50 | p99 | p99.9 | "
        "daemon CPU | daemon RSS | target |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (auto const& summary : summarize(lines)) {
        auto r = describe(summary);
        if (summary.dialect != "duet") {
            r.scenario += " [" + summary.dialect + "]";
            r.target = "–";  // the targets are duetd's
        }
        if (!summary.label.empty()) {
            r.scenario += " (" + summary.label + ")";
        }
        for (auto const* cell : {&r.scenario, &r.parameters, &r.threads, &r.runs, &r.load, &r.throughput, &r.p50,
                                 &r.p99, &r.p999, &r.cpu, &r.memory, &r.target}) {
            out += "| " + *cell + " ";
        }
        out += "|\n";
    }
    return out;
}

nlohmann::ordered_json percentiles_ms(latency_histogram const& histogram) {
    auto const ms = [&](double fraction) { return histogram.percentile_ns(fraction) / 1e6; };
    return {{"p50_ms", ms(0.50)},
            {"p99_ms", ms(0.99)},
            {"p999_ms", ms(0.999)},
            {"max_ms", static_cast<double>(histogram.max_ns()) / 1e6},
            {"mean_ms", histogram.mean_ns() / 1e6}};
}

void put_process_cpu(nlohmann::ordered_json& results, bench_options const& options, group_cpu_times const& used,
                     char const* per_key, double scale) {
    if (options.also_pids.empty()) {
        return;
    }
    auto const pids = options.cpu_pids();
    ojson each = ojson::object();
    for (std::size_t i = 0; i < pids.size() && i < used.each.size(); ++i) {
        auto const& cpu = used.each[i];
        each[i == 0 ? std::string("daemon") : "also_" + std::to_string(i)] =
            ojson{{"pid", pids[i]},
                  {"name", process_name(pids[i])},
                  {"cpu_seconds", cpu.total()},
                  {"user_seconds", cpu.user},
                  {"system_seconds", cpu.system},
                  {per_key, cpu.total() * scale}};
    }
    results["cpu_by_process"] = each;
}

void put_daemon_cpu(nlohmann::ordered_json& results, cpu_times const& used) {
    results["daemon_cpu_seconds"] = used.total();
    results["daemon_cpu_user_seconds"] = used.user;
    results["daemon_cpu_system_seconds"] = used.system;
}

}  // namespace duet::bench
