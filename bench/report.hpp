#pragma once

#include "latency_histogram.hpp"
#include "options.hpp"
#include "process_stats.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace duet::bench {

/// What a scenario measured: its parameters and results as JSON (scenario-specific
/// members), and why it failed, if it did.
struct scenario_result {
    std::string scenario;
    nlohmann::ordered_json parameters = nlohmann::ordered_json::object();
    nlohmann::ordered_json results = nlohmann::ordered_json::object();
    std::string failure;  // empty: the run passed every check

    bool ok() const { return failure.empty(); }
};

/// p50/p99/p99.9/max/mean of `histogram`, in milliseconds.
nlohmann::ordered_json percentiles_ms(latency_histogram const& histogram);

/// The daemon's CPU use over a run: total, user and system seconds into `results`.
void put_daemon_cpu(nlohmann::ordered_json& results, cpu_times const& used);

/// With --also-pid, each measured process's share of `used` (whose total is what
/// put_daemon_cpu wrote): `cpu_by_process` keyed "daemon", "also_1", "also_2"... in the
/// order given (keys by position, so medians over runs pair the same roles), each with
/// pid, command name, seconds, and `per_key` = seconds × `scale` (per 100k messages, ms
/// per cycle). Writes nothing without --also-pid.
void put_process_cpu(nlohmann::ordered_json& results, bench_options const& options, group_cpu_times const& used,
                     char const* per_key, double scale);

/// One JSON object on one line: scenario, ok, failure, parameters, the daemon (pid,
/// --threads if given, OS threads and CPU affinity from /proc), the generator's
/// affinity, the machine (cores, load averages before the run and now), results, and
/// the time. Reads /proc.
std::string json_line(scenario_result const& result, bench_options const& options,
                      std::vector<double> const& load_before);

/// The runs of one scenario with one parameter set against one server setup (dialect,
/// label, daemon threads): each result the median over the passing runs.
struct run_summary {
    std::string scenario;
    std::string dialect;  // "duet" for lines written before there were dialects
    std::string label;
    nlohmann::json parameters;
    std::string threads;  // the daemon's --threads as recorded, "?" when not given
    std::size_t passed = 0;
    std::size_t total = 0;
    nlohmann::json results;  // the medians; empty when no run passed
    std::string failure;     // the first run's failure, shown when none passed
    double load = -1;        // the highest 1-minute load average before a run; -1: unknown
};

/// Groups JSON lines as json_line() writes them, in the order each group first appears.
std::vector<run_summary> summarize(std::vector<nlohmann::json> const& lines);

/// A summary in words, cell by cell (scenario without dialect or label; the target
/// is the issue's, where one applies).
struct table_row {
    std::string scenario, parameters, threads, runs, load, throughput, p50, p99, p999, cpu, memory, target;
};
table_row describe(run_summary const& summary);

/// A markdown table of JSON lines as json_line() writes them: one row per scenario
/// and parameter set, each figure the median over the passing runs (a set whose runs
/// all failed shows the first failure), with the target where one applies.
std::string markdown_table(std::vector<nlohmann::json> const& lines);

/// duetd and the socket.io server side by side (compare_table.cpp): one row per
/// scenario, parameter set and label of the socket.io runs, beside duetd's runs with
/// the same parameters (and label, if duetd has runs with it).
std::string comparison_table(std::vector<nlohmann::json> const& lines);

/// Two cluster nodes beside one (cluster_table.cpp, bench/cluster.sh): per scenario and
/// parameter set, the runs labelled "cross-node", "same node" and "single daemon", with
/// the CPU of all measured processes per unit of work and each one's share, and the
/// cross-node figures against the same-node ones with issue 13's targets.
std::string cluster_table(std::vector<nlohmann::json> const& lines);

}  // namespace duet::bench
