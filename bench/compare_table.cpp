// duetd beside the original design's socket.io server: the table bench/compare.sh
// prints, from the same JSON lines as markdown_table() reads.
#include "report.hpp"

#include <cstdio>
#include <map>
#include <string>

namespace duet::bench {
namespace {

double number(nlohmann::json const& results, char const* key) {
    auto const it = results.find(key);
    return it != results.end() && it->is_number() ? it->get<double>() : -1;
}

/// "×3.1": how many times duetd's figure the socket.io server's is; empty when either is missing.
std::string times(double socketio, double duet) {
    if (socketio < 0 || duet <= 0) {
        return {};
    }
    char text[32];
    std::snprintf(text, sizeof text, "×%.*f", socketio / duet < 10 ? 1 : 0, socketio / duet);
    return text;
}

/// The ratio column: server CPU per unit of work, and for idle the memory per connection.
std::string ratios(run_summary const* socketio, run_summary const* duet) {
    if (socketio == nullptr || duet == nullptr || socketio->passed == 0 || duet->passed == 0) {
        return "–";
    }
    auto const& s = socketio->results;
    auto const& d = duet->results;
    std::string out;
    auto add = [&](char const* what, char const* key) {
        if (auto const ratio = times(number(s, key), number(d, key)); !ratio.empty()) {
            out += (out.empty() ? "" : ", ") + std::string(what) + " " + ratio;
        }
    };
    if (socketio->scenario == "idle") {
        add("RSS/conn", "rss_per_connection_kib");
        add("CPU/conn", "daemon_cpu_ms_per_connection");
    } else if (socketio->scenario == "relay") {
        add("CPU/msg", "daemon_cpu_seconds_per_100k");
        add("msg/s", "messages_per_second");
    } else {
        add("CPU/cycle", "daemon_cpu_ms_per_cycle");
        add("cycles/s", "cycles_per_second");
    }
    return out.empty() ? "–" : out;
}

std::string key_of(run_summary const& s, std::string const& label) {
    return s.scenario + "|" + label + "|" + s.parameters.dump();
}

}  // namespace

std::string comparison_table(std::vector<nlohmann::json> const& lines) {
    auto const summaries = summarize(lines);
    std::vector<std::string> order;
    std::map<std::string, run_summary const*> duet;
    std::map<std::string, run_summary const*> socketio;
    for (auto const& s : summaries) {
        auto const key = key_of(s, s.label);
        auto& side = s.dialect == "socketio" ? socketio : duet;
        if (side.count(key) != 0) {
            continue;  // another daemon setup (--threads) with the same parameters: the first one shown
        }
        if (duet.count(key) == 0 && socketio.count(key) == 0) {
            order.push_back(key);
        }
        side[key] = &s;
    }

    std::string out =
        "| scenario | parameters | runs passed (duetd · socket.io) | throughput: duetd | socket.io | p50: duetd | "
        "socket.io | p99: duetd | socket.io | server CPU: duetd | socket.io | server RSS: duetd | socket.io | "
        "socket.io ÷ duetd |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (auto const& key : order) {
        auto const* s = socketio.count(key) != 0 ? socketio[key] : nullptr;
        auto const* d = duet.count(key) != 0 ? duet[key] : nullptr;
        // A socket.io variant (say, its logging off) beside duetd's runs without a label.
        if (d == nullptr && s != nullptr && !s->label.empty()) {
            if (auto const plain = duet.find(key_of(*s, "")); plain != duet.end()) {
                d = plain->second;
            }
        }
        auto const& any = d != nullptr ? *d : *s;
        auto const dr = d != nullptr ? describe(*d) : table_row{};
        auto const sr = s != nullptr ? describe(*s) : table_row{};
        auto const cell = [](std::string const& text) { return text.empty() ? std::string("–") : text; };
        auto scenario = any.scenario;
        if (s != nullptr && !s->label.empty()) {
            scenario += " (" + s->label + ")";
        } else if (d != nullptr && !d->label.empty()) {
            scenario += " (" + d->label + ")";
        }
        auto const parameters = describe(any).parameters;
        std::string const runs = cell(dr.runs) + " · " + cell(sr.runs);
        for (auto const& text : {scenario, parameters, runs, cell(dr.throughput), cell(sr.throughput), cell(dr.p50),
                                 cell(sr.p50), cell(dr.p99), cell(sr.p99), cell(dr.cpu), cell(sr.cpu),
                                 cell(dr.memory), cell(sr.memory), ratios(s, d)}) {
            out += "| " + text + " ";
        }
        out += "|\n";
    }
    return out;
}

}  // namespace duet::bench
