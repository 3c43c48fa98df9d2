// Two cluster nodes beside one: the table bench/cluster.sh prints (issue 13's "Speed"),
// from the same JSON lines as markdown_table() reads. The runs are told apart by their
// labels, which cluster.sh sets: "cross-node", "same node" and "single daemon".
#include "report.hpp"

#include <cstdio>
#include <map>
#include <string>

namespace duet::bench {
namespace {

constexpr char const* cross_label = "cross-node";
constexpr char const* same_label = "same node";
constexpr char const* single_label = "single daemon";

// Issue 13: a cross-node message costs at most 3x the CPU of a same-node one (every
// process counted) and adds at most 0.5 ms to the p50 latency on loopback.
constexpr double cpu_ratio_target = 3.0;
constexpr double p50_added_target_ms = 0.5;

double number(nlohmann::json const& object, char const* key) {
    auto const it = object.find(key);
    return it != object.end() && it->is_number() ? it->get<double>() : -1;
}

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

bool is_relay(run_summary const& s) {
    return s.scenario == "relay";
}

/// CPU of all measured processes per unit: s per 100k messages, or ms per cycle.
double cpu_per_unit(run_summary const& s) {
    return number(s.results, is_relay(s) ? "daemon_cpu_seconds_per_100k" : "daemon_cpu_ms_per_cycle");
}

double p50_ms(run_summary const& s) {
    return number(s.results.value(is_relay(s) ? "latency" : "cycle", nlohmann::json::object()), "p50_ms");
}

/// One process's share ("daemon", "also_1"...), per unit; "–" when not measured.
std::string share(run_summary const& s, char const* role) {
    auto const all = s.results.value("cpu_by_process", nlohmann::json::object());
    auto const it = all.find(role);
    if (it == all.end()) {
        // The single daemon measured alone: its share is the whole.
        return std::string(role) == "daemon" && cpu_per_unit(s) >= 0 ? fixed(cpu_per_unit(s), 3) : "–";
    }
    auto const value = number(*it, is_relay(s) ? "cpu_seconds_per_100k" : "cpu_ms_per_cycle");
    auto const user = number(*it, "user_seconds");
    auto const total = number(*it, "cpu_seconds");
    auto out = fixed(value, 3);
    if (total > 0 && user >= 0) {
        out += " (" + fixed(100 * user / total, 0) + "% user)";
    }
    return out;
}

/// The parameters without the marker of split members, so the three setups of one
/// scenario share a key.
std::string key_of(run_summary const& s) {
    auto parameters = s.parameters;
    parameters.erase("members_on_two_servers");
    return s.scenario + "|" + parameters.dump();
}

std::string ratio(double a, double b) {
    return a >= 0 && b > 0 ? "×" + fixed(a / b, 2) : "–";
}

std::string met(bool ok) {
    return ok ? "met" : "**missed**";
}

}  // namespace

std::string cluster_table(std::vector<nlohmann::json> const& lines) {
    auto const summaries = summarize(lines);
    std::vector<std::string> order;
    std::map<std::string, std::map<std::string, run_summary const*>> groups;  // key -> label -> runs
    for (auto const& s : summaries) {
        auto const key = key_of(s);
        if (groups.count(key) == 0) {
            order.push_back(key);
        }
        groups[key].emplace(s.label, &s);
    }

    std::string out =
        "| scenario | parameters | setup | runs passed | load before | throughput | p50 | p99 | CPU, all processes | "
        "node 1 | node 2 | redis-server | against same node | against single daemon | target (issue 13) |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (auto const& key : order) {
        auto const& group = groups[key];
        auto const find = [&](char const* label) {
            auto const it = group.find(label);
            return it != group.end() && it->second->passed > 0 ? it->second : nullptr;
        };
        auto const* same = find(same_label);
        auto const* single = find(single_label);
        for (auto const* label : {cross_label, same_label, single_label}) {
            auto const it = group.find(label);
            if (it == group.end()) {
                continue;
            }
            auto const& s = *it->second;
            auto const row = describe(s);
            auto const unit = is_relay(s) ? " s/100k msgs" : " ms/cycle";
            auto const cpu = cpu_per_unit(s);
            std::string against_same = "–";
            std::string against_single = "–";
            std::string target = "–";
            if (s.passed > 0 && same != nullptr && &s != same) {
                auto const added = p50_ms(s) - p50_ms(*same);
                against_same = "CPU " + ratio(cpu, cpu_per_unit(*same)) + ", p50 " + (added >= 0 ? "+" : "") +
                               fixed(added, 3) + " ms";
                if (std::string(label) == cross_label && is_relay(s)) {
                    target = "CPU ≤ 3×: " + met(cpu <= cpu_ratio_target * cpu_per_unit(*same)) +
                             "; p50 ≤ +0.5 ms: " + met(added <= p50_added_target_ms);
                }
            }
            if (s.passed > 0 && single != nullptr && &s != single) {
                against_single = "CPU " + ratio(cpu, cpu_per_unit(*single)) + ", p50 " +
                                 (p50_ms(s) >= p50_ms(*single) ? "+" : "") + fixed(p50_ms(s) - p50_ms(*single), 3) +
                                 " ms";
            }
            auto const cpu_text = s.passed > 0 && cpu >= 0 ? fixed(cpu, 3) + unit : std::string("–");
            auto const passed = s.passed > 0;
            for (auto const& text :
                 {s.scenario, row.parameters, std::string(label), row.runs, row.load, row.throughput, row.p50, row.p99,
                  cpu_text, passed ? share(s, "daemon") : "–", passed ? share(s, "also_1") : "–",
                  passed ? share(s, "also_2") : "–", against_same, against_single, target}) {
                out += "| " + text + " ";
            }
            out += "|\n";
        }
    }
    return out;
}

}  // namespace duet::bench
