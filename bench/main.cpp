// duet-bench: the load generator of issue #4. Parses the command line, runs one
// scenario against a running server (duetd, or the original design's socket.io server
// with --dialect socketio), prints its JSON line and a markdown row, and exits 0 when
// every check passed, 1 when the run failed, 2 on bad usage. With --table (or
// --compare-table, --cluster-table) it instead prints the markdown table (medians) of a
// file of JSON lines.
#include "connect_plan.hpp"
#include "options.hpp"
#include "process_stats.hpp"
#include "report.hpp"
#include "scenarios.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

namespace {

using namespace duet::bench;

std::vector<nlohmann::json> read_lines(std::string const& path) {
    std::ifstream in(path);
    std::vector<nlohmann::json> lines;
    for (std::string text; std::getline(in, text);) {
        auto line = nlohmann::json::parse(text, nullptr, false);
        if (!line.is_discarded() && line.is_object()) {
            lines.push_back(std::move(line));
        }
    }
    return lines;
}

/// Fills in each scenario's defaults for what was not given; returns the usage errors.
std::vector<std::string> resolve(bench_options& o) {
    std::vector<std::string> errors;
    if (o.scenario.empty()) {
        errors.emplace_back("--scenario is required (idle, relay, churn or attack)");
    }
    if (o.port == 0) {
        errors.emplace_back("--port is required: the server's port");
    }
    if (o.scenario == "idle") {
        o.seconds = o.seconds > 0 ? o.seconds : 2;
        o.concurrency = o.concurrency > 0 ? o.concurrency : 64;
        if (o.connections < 2 || o.connections % 2 != 0) {
            errors.emplace_back("--connections must be even and at least 2 (two per room)");
        }
        if (o.large_message_first > 0 && o.large_message_first < 256) {
            errors.emplace_back("--large-message-first must be at least 256 bytes (a frame with its envelope)");
        }
    } else if (o.scenario == "relay") {
        o.seconds = o.seconds > 0 ? o.seconds : 5;
        o.concurrency = o.concurrency > 0 ? o.concurrency : 64;
        o.payload_bytes = o.payload_bytes > 0 ? o.payload_bytes : 250;
        o.messages = o.messages > 0 ? o.messages : 100'000'000;
        if (o.rooms < 1 || o.window < 1) {
            errors.emplace_back("--rooms and --window must be at least 1");
        }
    } else if (o.scenario == "churn") {
        o.seconds = o.seconds > 0 ? o.seconds : 60;
        o.concurrency = o.concurrency > 0 ? o.concurrency : 1;
        o.payload_bytes = o.payload_bytes > 0 ? o.payload_bytes : 4000;
        if (o.cycles < 1) {
            errors.emplace_back("--cycles must be at least 1");
        }
    } else if (o.scenario == "attack") {
        o.seconds = o.seconds > 0 ? o.seconds : 10;
        o.payload_bytes = o.payload_bytes > 0 ? o.payload_bytes : 100;
        o.messages = o.messages > 0 ? o.messages : 200'000;
        if (o.dialect != "duet") {
            errors.emplace_back("--scenario attack speaks duetd's protocol only (--dialect duet)");
        }
        if (!(o.attack_rate > 0) || !(o.probe_rate > 0)) {
            errors.emplace_back("--attack-rate and --probe-rate must be positive");
        }
        if (o.attack_bytes < 256) {
            errors.emplace_back("--attack-bytes must be at least 256");
        }
    }
    if (!o.also_pids.empty() && o.scenario != "relay" && o.scenario != "churn") {
        errors.emplace_back("--also-pid is an option of the relay and churn scenarios");
    }
    if (!o.also_pids.empty() && o.daemon_pid <= 0) {
        errors.emplace_back("--also-pid needs --daemon-pid");
    }
    if (o.scenario != "idle" && o.large_message_first > 0) {
        errors.emplace_back("--large-message-first is an option of the idle scenario");
    }
    if (!(o.timeout > 0)) {
        errors.emplace_back("--timeout must be positive");
    }
    return errors;
}

}  // namespace

int main(int argc, char** argv) {
    bench_options o;
    std::string table;
    std::string compare_table;
    std::string cluster_table_file;
    CLI::App app{"duet-bench: a load generator for duetd (single-threaded, Beast WebSocket clients). Start duetd "
                 "with high rate limits (--rate-limit-per-second 1e9 --rate-limit-burst 1e9) and enough "
                 "--max-connections/--max-rooms; bench/run.sh does it all. With --dialect socketio it drives the "
                 "original design's socket.io server instead; bench/compare.sh runs both side by side.",
                 "duet-bench"};
    app.get_formatter()->column_width(34);
    app.add_option("--scenario", o.scenario, "idle, relay, churn or attack")
        ->check(CLI::IsMember({"idle", "relay", "churn", "attack"}));
    app.add_option("--dialect", o.dialect,
                   "the server's protocol: duet (duetd, docs/protocol.md) or socketio (the original design's "
                   "socket.io 2.x server, bench/socketio)")
        ->check(CLI::IsMember({"duet", "socketio"}))
        ->capture_default_str();
    app.add_option("--address", o.address, "the server's address")->capture_default_str();
    app.add_option("--port", o.port, "the server's port");
    app.add_option("--port-b", o.port_b,
                   "where the second member of each room connects (another node of a cluster); default: --port");
    app.add_option("--daemon-pid", o.daemon_pid, "the server's pid: RSS and CPU come from /proc/PID");
    app.add_option("--also-pid", o.also_pids,
                   "relay, churn: another process whose CPU counts with the daemon's (repeat it, or a comma list: "
                   "a cluster's other nodes and its Redis); the daemon CPU figures become the sum, and "
                   "cpu_by_process in the JSON gives each one's share")
        ->delimiter(',');
    app.add_option("--daemon-threads", o.daemon_threads, "duetd's --threads, recorded with the results");
    app.add_option("--connections", o.connections, "idle: connections, two per room")->capture_default_str();
    app.add_option("--rooms", o.rooms, "relay: rooms, one relaying pair each")->capture_default_str();
    app.add_option("--window", o.window, "relay: messages in flight per direction")->capture_default_str();
    app.add_option("--payload-bytes", o.payload_bytes,
                   "relay: size of each message's data (default 250); churn: of the offer and the answer "
                   "(default 4000); attack: of the bystander's probes (default 100)");
    app.add_option("--seconds", o.seconds,
                   "idle: holding time (default 2); relay: sending time (default 5); churn: time limit (default 60); "
                   "attack: attack time (default 10)");
    app.add_option("--messages", o.messages,
                   "relay: most messages to send (default 100000000); attack: most attack frames, all attackers "
                   "together (default 200000)");
    app.add_option("--large-message-first", o.large_message_first,
                   "idle: before holding, each connection relays one frame of this many bytes (the whole "
                   "request; keep it within the daemon's max_message_bytes) to its partner, who receives it");
    app.add_option("--attackers", o.attackers, "attack: attacking connections, each alone in a room (0: baseline)")
        ->capture_default_str();
    app.add_option("--attack-rate", o.attack_rate,
                   "attack: frames per second per attacker (duetd's default rate limit is 50)")
        ->capture_default_str();
    app.add_option("--attack-bytes", o.attack_bytes,
                   "attack: size of each attack frame, filled with members (duetd's default max_message_bytes is "
                   "65536)")
        ->capture_default_str();
    app.add_flag("--plain-keys", o.plain_keys, "attack: members \"a\":1 instead of \"\\/\":1 (same frame size)");
    app.add_option("--key-place", o.key_place,
                   "attack: the members go in `data` (relayed to nobody) or at the top level, after type, room "
                   "and data")
        ->check(CLI::IsMember({"data", "top"}))
        ->capture_default_str();
    app.add_option("--probe-rate", o.probe_rate, "attack: the bystander pair's round trips per second")
        ->capture_default_str();
    app.add_option("--cycles", o.cycles, "churn: cycles to run")->capture_default_str();
    app.add_option("--concurrency", o.concurrency,
                   "idle, relay: rooms set up at once (default 64); churn: cycles at once (default 1)");
    app.add_option("--source-addresses", o.source_addresses,
                   "local addresses to connect from in turn, e.g. 127.0.0.1,127.0.0.2")
        ->delimiter(',');
    app.add_option("--timeout", o.timeout, "seconds allowed for setting up, draining and closing")
        ->capture_default_str();
    app.add_option("--json", o.json_file, "append the JSON line to this file");
    app.add_option("--label", o.label, "free text recorded with the run and shown in the table");
    app.add_option("--table", table, "print the markdown table (medians per parameter set) of a JSON-lines file, "
                                     "then exit")
        ->check(CLI::ExistingFile);
    app.add_option("--compare-table", compare_table,
                   "print duetd and the socket.io server side by side (medians) from a JSON-lines file with "
                   "runs of both, then exit")
        ->check(CLI::ExistingFile);
    app.add_option("--cluster-table", cluster_table_file,
                   "print two cluster nodes beside one (medians) from a JSON-lines file of bench/cluster.sh, whose "
                   "runs are labelled cross-node, same node and single daemon, then exit")
        ->check(CLI::ExistingFile);
    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        // --help and --version exit 0; any usage error exits 2, as documented.
        return app.exit(e) == 0 ? 0 : 2;
    }

    if (!table.empty()) {
        std::cout << markdown_table(read_lines(table));
        return 0;
    }
    if (!compare_table.empty()) {
        std::cout << comparison_table(read_lines(compare_table));
        return 0;
    }
    if (!cluster_table_file.empty()) {
        std::cout << cluster_table(read_lines(cluster_table_file));
        return 0;
    }
    if (auto const errors = resolve(o); !errors.empty()) {
        for (auto const& e : errors) {
            std::cerr << "duet-bench: " << e << "\n";
        }
        return 2;
    }

    auto const wire = make_dialect(o.dialect);
    connect_plan plan;
    plan.wire = wire.get();
    error_code ec;
    auto const server_address = asio::ip::make_address(o.address, ec);
    if (ec) {
        std::cerr << "duet-bench: --address '" << o.address << "' is not an IP address\n";
        return 2;
    }
    plan.server = tcp::endpoint(server_address, o.port);
    plan.server_b = tcp::endpoint(server_address, o.port_b != 0 ? o.port_b : o.port);
    for (auto const& text : o.source_addresses) {
        auto const source = asio::ip::make_address(text, ec);
        if (ec) {
            std::cerr << "duet-bench: --source-addresses: '" << text << "' is not an IP address\n";
            return 2;
        }
        plan.sources.push_back(source);
    }
    plan.timeout =
        std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(std::min(o.timeout, 30.0)));

    auto const load_before = read_loadavg();
    scenario_result result;
    try {
        if (o.scenario == "idle") {
            result = run_idle(o, plan);
        } else if (o.scenario == "relay") {
            result = run_relay(o, plan);
        } else if (o.scenario == "attack") {
            result = run_attack(o, plan);
        } else {
            result = run_churn(o, plan);
        }
    } catch (std::exception const& e) {
        result.scenario = o.scenario;
        result.failure = std::string("internal error: ") + e.what();
    }

    // Recorded only when the members were split, so the lines of a run without
    // --port-b keep their parameters (and group with older ones in --table).
    if (plan.server_b != plan.server) {
        result.parameters["members_on_two_servers"] = true;
    }
    auto const line = json_line(result, o, load_before);
    std::cout << line << "\n\n" << markdown_table({nlohmann::json::parse(line)}) << std::flush;
    if (!o.json_file.empty()) {
        std::ofstream out(o.json_file, std::ios::app);
        out << line << "\n";
        if (!out) {
            std::cerr << "duet-bench: cannot write " << o.json_file << "\n";
            return 1;
        }
    }
    if (!result.ok()) {
        std::cerr << "duet-bench: " << result.scenario << " FAILED: " << result.failure << "\n";
        return 1;
    }
    return 0;
}
