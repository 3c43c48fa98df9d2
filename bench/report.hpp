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

/// One JSON object on one line: scenario, ok, failure, parameters, the daemon (pid,
/// --threads if given, OS threads and CPU affinity from /proc), the generator's
/// affinity, the machine (cores, load averages before the run and now), results, and
/// the time. Reads /proc.
std::string json_line(scenario_result const& result, bench_options const& options,
                      std::vector<double> const& load_before);

/// A markdown table of JSON lines as json_line() writes them: one row per scenario
/// and parameter set, each figure the median over the passing runs (a set whose runs
/// all failed shows the first failure), with the target where one applies.
std::string markdown_table(std::vector<nlohmann::json> const& lines);

}  // namespace duet::bench
