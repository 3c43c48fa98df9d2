#include "scenarios.hpp"

#include "payload.hpp"
#include "process_stats.hpp"
#include "room_pairs.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace duet::bench {
namespace {

double seconds_between(clock::time_point from, clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

std::chrono::nanoseconds seconds_of(double value) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(value));
}

/// --large-message-first: in each room, each member relays one large frame to the other,
/// which must arrive intact; at most `window` rooms at a time, so the generator never
/// holds more than a window's frames. Runs on the scenario's io_context; `done` is
/// posted with an empty string, or the first failure. Must outlive the io_context's run.
class large_messages {
public:
    large_messages(asio::io_context& ioc, dialect const& wire, std::vector<room_pair>& pairs, std::size_t frame_bytes,
                   std::size_t window)
        : ioc_(ioc), wire_(wire), pairs_(pairs), frame_bytes_(frame_bytes), window_(std::max<std::size_t>(window, 1)) {}

    /// Call once every room is set up (the rooms' names are known then).
    void start(std::function<void(std::string)> done) {
        done_ = std::move(done);
        format_.emplace(data_bytes(wire_, pairs_, frame_bytes_));
        states_.resize(pairs_.size());
        if (pairs_.empty()) {
            return finish({});
        }
        for (std::size_t i = 0; i < window_ && started_ < pairs_.size(); ++i) {
            start_next();
        }
    }

    /// The size of the largest frame sent (the room with the longest name).
    std::size_t largest_frame() const { return largest_; }

private:
    struct state {
        int arrived = 0;
    };

    /// The data size that makes the request of the longest room name `frame_bytes` long.
    static std::size_t data_bytes(dialect const& wire, std::vector<room_pair> const& pairs, std::size_t frame_bytes) {
        std::size_t envelope = 0;
        for (auto const& pair : pairs) {
            envelope = std::max(envelope, wire.relay_request(pair.room, "").size());
        }
        return frame_bytes > envelope ? frame_bytes - envelope : 0;
    }

    void start_next() {
        auto const index = started_++;
        auto& pair = pairs_[index];
        expect(index, *pair.second, pair.first_id);
        expect(index, *pair.first, pair.second_id);
        for (auto* sender : {pair.first.get(), pair.second.get()}) {
            auto frame = wire_.relay_request(pair.room, format_->encode(0, now_ns()));
            largest_ = std::max(largest_, frame.size());
            sender->send(std::move(frame));
        }
    }

    void expect(std::size_t index, ws_connection& receiver, std::string const& sender_id) {
        auto const& room = pairs_[index].room;
        receiver.on_message([this, index, room, envelope = wire_.envelope(room, sender_id), sender_id](
                                std::string_view text) {
            if (finished_) {
                return;
            }
            std::string problem;
            auto const data = wire_.relayed(text, envelope, room, sender_id, problem);
            if (!data) {
                return finish("room " + room + ": " + problem + " while relaying the large message");
            }
            auto const fields =
                data->text.empty() ? format_->decode(data->parsed, problem) : format_->decode(data->text, problem);
            if (!fields || fields->seq != 0) {
                return finish("room " + room + ": the large message arrived changed: " + problem);
            }
            if (++states_[index].arrived == 2) {
                if (++done_count_ == pairs_.size()) {
                    return finish({});
                }
                if (started_ < pairs_.size()) {
                    start_next();
                }
            }
        });
        receiver.on_close([this, room](error_code ec, bool) {
            finish("room " + room + ": connection closed while relaying the large message: " + ec.message() +
                   " (1009: the frame is over the daemon's max_message_bytes)");
        });
    }

    void finish(std::string failure) {
        if (finished_) {
            return;
        }
        finished_ = true;
        asio::post(ioc_, [done = std::move(done_), failure = std::move(failure)] { done(failure); });
    }

    asio::io_context& ioc_;
    dialect const& wire_;
    std::vector<room_pair>& pairs_;
    std::size_t frame_bytes_;
    std::size_t window_;
    std::optional<payload_format> format_;
    std::vector<state> states_;
    std::size_t started_ = 0;
    std::size_t done_count_ = 0;
    std::size_t largest_ = 0;
    bool finished_ = false;
    std::function<void(std::string)> done_;
};

}  // namespace

scenario_result run_idle(bench_options const& options, connect_plan plan) {
    auto const rooms = options.connections / 2;
    auto const pid = options.daemon_pid;
    scenario_result result;
    result.scenario = "idle";
    result.parameters = {{"connections", 2 * rooms},   {"rooms", rooms},
                         {"concurrency", options.concurrency}, {"hold_seconds", options.seconds},
                         {"source_addresses", plan.sources.size()}};
    if (options.large_message_first > 0) {
        result.parameters["large_message_first_bytes"] = options.large_message_first;
    }

    // The daemon at rest, before the first connection.
    auto const baseline = read_memory(pid);
    auto const cpu_start = read_cpu_times(pid);
    std::optional<cpu_times> cpu_ready;
    std::optional<cpu_times> cpu_hold_start;
    std::optional<cpu_times> cpu_held;
    std::optional<memory_sample> joined;
    std::optional<memory_sample> held;
    double setup_seconds = 0;
    double large_seconds = 0;
    double hold_seconds = 0;
    std::size_t left_open = 0;
    bool closing = false;

    asio::io_context ioc(1);
    room_pairs setup(ioc, plan, "idle-", rooms, options.concurrency, seconds_of(options.timeout));
    large_messages large(ioc, *plan.wire, setup.pairs(), options.large_message_first, options.concurrency);
    asio::steady_timer hold(ioc);
    asio::steady_timer large_deadline(ioc);
    auto fail = [&](std::string why) {
        if (result.failure.empty()) {
            result.failure = std::move(why);
        }
        ioc.stop();
    };

    // Held connections hear nothing but keepalives: duetd's WebSocket pings, which
    // Beast answers, or the answers to Engine.IO's pings, which the dialect drops.
    auto const hold_all = [&] {
        auto const ready = clock::now();
        cpu_hold_start = read_cpu_times(pid);
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
    };

    auto const started = clock::now();
    setup.start([&](std::string failure) {
        if (!failure.empty()) {
            return fail(std::move(failure));
        }
        auto const ready = clock::now();
        setup_seconds = seconds_between(started, ready);
        cpu_ready = read_cpu_times(pid);
        if (options.large_message_first == 0) {
            return hold_all();
        }
        joined = read_memory(pid);
        large_deadline.expires_after(seconds_of(options.timeout));
        large_deadline.async_wait([&](error_code ec) {
            if (!ec) {
                fail("the large messages did not all arrive within --timeout");
            }
        });
        large.start([&, ready](std::string large_failure) {
            large_deadline.cancel();
            if (!large_failure.empty()) {
                return fail(std::move(large_failure));
            }
            large_seconds = seconds_between(ready, clock::now());
            hold_all();
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
    if (options.large_message_first > 0) {
        r["large_message_bytes"] = large.largest_frame();
        r["large_message_seconds"] = large_seconds;
        if (joined && held) {
            // What the one large message each left behind, per connection.
            r["rss_joined_kib"] = joined->rss_kib;
            auto const grown = static_cast<double>(held->rss_kib) - static_cast<double>(joined->rss_kib);
            r["rss_after_large_message_per_connection_kib"] =
                rooms > 0 ? grown / static_cast<double>(2 * rooms) : 0.0;
        }
    }
    if (cpu_start && cpu_ready && cpu_held) {
        auto const setup_cpu = (*cpu_ready - *cpu_start).total();
        r["daemon_cpu_setup_seconds"] = setup_cpu;
        r["daemon_cpu_ms_per_connection"] = 1000 * setup_cpu / static_cast<double>(2 * rooms);
        if (cpu_hold_start) {
            r["daemon_cpu_hold_seconds"] = (*cpu_held - *cpu_hold_start).total();
        }
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
