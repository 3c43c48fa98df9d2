#include "scenarios.hpp"

#include "process_stats.hpp"
#include "room_pairs.hpp"

#include <unistd.h>

#include <chrono>
#include <optional>

namespace duet::bench {
namespace {

double seconds_between(clock::time_point from, clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

std::chrono::nanoseconds seconds_of(double value) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(value));
}

}  // namespace

scenario_result run_idle(bench_options const& options, connect_plan plan) {
    auto const rooms = options.connections / 2;
    auto const pid = options.daemon_pid;
    scenario_result result;
    result.scenario = "idle";
    result.parameters = {{"connections", 2 * rooms},   {"rooms", rooms},
                         {"concurrency", options.concurrency}, {"hold_seconds", options.seconds},
                         {"source_addresses", plan.sources.size()}};

    // The daemon at rest, before the first connection.
    auto const baseline = read_memory(pid);
    auto const cpu_start = read_cpu_times(pid);
    std::optional<cpu_times> cpu_ready;
    std::optional<cpu_times> cpu_held;
    std::optional<memory_sample> held;
    double setup_seconds = 0;
    double hold_seconds = 0;
    std::size_t left_open = 0;
    bool closing = false;

    asio::io_context ioc(1);
    room_pairs setup(ioc, plan, "idle-", rooms, options.concurrency, seconds_of(options.timeout));
    asio::steady_timer hold(ioc);
    auto fail = [&](std::string why) {
        if (result.failure.empty()) {
            result.failure = std::move(why);
        }
        ioc.stop();
    };

    auto const started = clock::now();
    setup.start([&](std::string failure) {
        if (!failure.empty()) {
            return fail(std::move(failure));
        }
        auto const ready = clock::now();
        setup_seconds = seconds_between(started, ready);
        cpu_ready = read_cpu_times(pid);
        // Held connections hear nothing but keepalives: duetd's WebSocket pings, which
        // Beast answers, or the answers to Engine.IO's pings, which the dialect drops.
        for (auto const& connection : setup.connections()) {
            connection->on_message([&](std::string_view text) {
                if (closing) {
                    return;  // the partners of the first to close hear `bye`
                }
                auto const message = plan.wire->parse(text);
                fail("held connection got " + (message ? describe(*message) : std::string("a non-protocol message")));
            });
            connection->on_close([&](error_code ec, bool) { fail("held connection closed: " + ec.message()); });
        }
        hold.expires_after(seconds_of(options.seconds));
        hold.async_wait([&, ready](error_code ec) {
            if (ec) {
                return;
            }
            hold_seconds = seconds_between(ready, clock::now());
            held = read_memory(pid);
            cpu_held = read_cpu_times(pid);
            closing = true;
            close_all(ioc, setup.connections(), seconds_of(options.timeout), [&](std::size_t still_open) {
                left_open = still_open;
                ioc.stop();
            });
        });
    });
    ioc.run();

    auto& r = result.results;
    r["connections"] = 2 * rooms;
    r["setup_seconds"] = setup_seconds;
    r["connections_per_second"] = setup_seconds > 0 ? static_cast<double>(2 * rooms) / setup_seconds : 0.0;
    r["hold_seconds"] = hold_seconds;
    if (baseline && held) {
        r["rss_baseline_kib"] = baseline->rss_kib;
        r["rss_held_kib"] = held->rss_kib;
        r["hwm_kib"] = held->hwm_kib;
        auto const grown = static_cast<double>(held->rss_kib) - static_cast<double>(baseline->rss_kib);
        r["rss_per_connection_kib"] = rooms > 0 ? grown / static_cast<double>(2 * rooms) : 0.0;
    }
    if (cpu_start && cpu_ready && cpu_held) {
        auto const setup_cpu = (*cpu_ready - *cpu_start).total();
        r["daemon_cpu_setup_seconds"] = setup_cpu;
        r["daemon_cpu_ms_per_connection"] = 1000 * setup_cpu / static_cast<double>(2 * rooms);
        r["daemon_cpu_hold_seconds"] = (*cpu_held - *cpu_ready).total();
    }
    if (auto const own = read_cpu_times(::getpid())) {
        r["generator_cpu_seconds"] = own->total();
    }
    if (result.ok() && left_open > 0) {
        r["left_open_at_close"] = left_open;
    }
    return result;
}

}  // namespace duet::bench
