#include "scenarios.hpp"

#include "latency_histogram.hpp"
#include "payload.hpp"
#include "process_stats.hpp"
#include "report.hpp"
#include "room_pairs.hpp"

#include <unistd.h>

#include <chrono>
#include <optional>

namespace duet::bench {
namespace {

std::chrono::nanoseconds seconds_of(double value) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(value));
}

/// One direction of one room: `sender` relays to `receiver`, closed-loop with a window.
struct direction {
    ws_connection* sender = nullptr;
    std::string room;
    std::string from;              // the sender's peer id
    relay_envelope envelope;       // what the receiver's frames look like around the data
    std::uint64_t sent = 0;        // also the next seq to send
    std::uint64_t received = 0;    // also the next seq expected
};

/// The measuring part of the scenario, on the single io_context thread.
class relay_run {
public:
    relay_run(asio::io_context& ioc, dialect const& wire, bench_options const& options, scenario_result& result)
        : ioc_(ioc),
          wire_(wire),
          options_(options),
          result_(result),
          format_(options.payload_bytes),
          stop_timer_(ioc) {}

    void start(std::vector<room_pair>& pairs) {
        directions_.reserve(2 * pairs.size());
        for (auto& pair : pairs) {
            add(pair.first.get(), pair.second, pair.room, pair.first_id);
            add(pair.second.get(), pair.first, pair.room, pair.second_id);
        }
        cpu_start_ = read_cpu_times(options_.cpu_pids());
        generator_cpu_start_ = read_cpu_times(::getpid());
        started_ = clock::now();
        deadline_ = started_ + seconds_of(options_.seconds);
        // A stalled daemon sends nothing back, so the deadline needs a timer as well.
        stop_timer_.expires_at(deadline_);
        stop_timer_.async_wait([this](error_code ec) {
            if (!ec) {
                stop_sending();
            }
        });
        for (std::size_t w = 0; w < options_.window; ++w) {
            for (auto& d : directions_) {
                if (!try_send(d)) {
                    break;
                }
            }
        }
    }

    /// Set when the window has drained (or the run failed): the scenario then closes.
    std::function<void()> on_done;

    void report() const {
        auto& r = result_.results;
        auto const elapsed = std::chrono::duration<double>(last_received_ - started_).count();
        r["messages"] = total_received_;
        r["seconds"] = elapsed;
        r["messages_per_second"] = elapsed > 0 ? static_cast<double>(total_received_) / elapsed : 0.0;
        r["latency"] = percentiles_ms(latency_);
        if (cpu_start_ && cpu_end_) {
            // With --also-pid, "daemon" means every measured process together.
            auto const used = *cpu_end_ - *cpu_start_;
            auto const cpu = used.total.total();
            auto const per_100k = total_received_ > 0 ? 100000.0 / static_cast<double>(total_received_) : 0.0;
            put_daemon_cpu(r, used.total);
            r["daemon_cpu_seconds_per_100k"] = cpu * per_100k;
            put_process_cpu(r, options_, used, "cpu_seconds_per_100k", per_100k);
        }
        if (memory_end_) {
            r["rss_kib"] = memory_end_->rss_kib;
            r["hwm_kib"] = memory_end_->hwm_kib;
        }
        if (generator_cpu_start_ && generator_cpu_end_) {
            auto const busy = (*generator_cpu_end_ - *generator_cpu_start_).total();
            r["generator_cpu_seconds"] = busy;
            r["generator_busy"] = elapsed > 0 ? busy / elapsed : 0.0;
        }
    }

private:
    void add(ws_connection* sender, std::shared_ptr<ws_connection> const& receiver, std::string const& room,
             std::string const& sender_id) {
        auto& d = directions_.emplace_back();
        d.sender = sender;
        d.room = room;
        d.from = sender_id;
        d.envelope = wire_.envelope(room, sender_id);
        receiver->on_message([this, &d](std::string_view text) { on_relayed(d, text); });
        receiver->on_close([this, room](error_code ec, bool) {
            fail("room " + room + ": connection closed while relaying: " + ec.message());
        });
    }

    bool try_send(direction& d) {
        if (!sending_) {
            return false;
        }
        if (total_sent_ >= options_.messages) {
            stop_sending();
            return false;
        }
        auto const now = clock::now();
        if (now >= deadline_) {
            stop_sending();
            return false;
        }
        auto const sent_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
        d.sender->send(wire_.relay_request(d.room, format_.encode(d.sent, sent_ns)));
        ++d.sent;
        ++total_sent_;
        return true;
    }

    void on_relayed(direction& d, std::string_view text) {
        if (finished_) {
            return;
        }
        auto const now = clock::now();
        std::string problem;
        auto const data = wire_.relayed(text, d.envelope, d.room, d.from, problem);
        if (!data) {
            return fail("room " + d.room + ": " + problem + " while relaying");
        }
        auto const fields =
            data->text.empty() ? format_.decode(data->parsed, problem) : format_.decode(data->text, problem);
        if (!fields) {
            return fail("room " + d.room + ": changed message: " + problem);
        }
        if (fields->seq != d.received) {
            auto const what = fields->seq > d.received ? "a message is missing (lost or reordered)"
                                                       : "a message came again or out of order";
            return fail("room " + d.room + ": " + what + ": got seq " + std::to_string(fields->seq) +
                        ", expected " + std::to_string(d.received));
        }
        if (fields->seq >= d.sent) {
            return fail("room " + d.room + ": received seq " + std::to_string(fields->seq) + " never sent");
        }
        ++d.received;
        ++total_received_;
        last_received_ = now;
        auto const now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
        latency_.record(now_ns - fields->sent_ns);
        if (!try_send(d) && !sending_ && total_received_ == total_sent_) {
            finish();
        }
    }

    void stop_sending() {
        if (!sending_) {
            return;
        }
        sending_ = false;
        if (total_received_ == total_sent_) {
            return finish();
        }
        // Rule 5: nothing is dropped while both ends are connected; give the window
        // time to drain, and call what has not arrived by then lost.
        stop_timer_.expires_after(seconds_of(options_.timeout));
        stop_timer_.async_wait([this](error_code ec) {
            if (!ec && !finished_) {
                fail(std::to_string(total_sent_ - total_received_) + " messages never arrived (lost or stuck)");
            }
        });
    }

    void finish() {
        if (finished_) {
            return;
        }
        finished_ = true;
        stop_timer_.cancel();
        cpu_end_ = read_cpu_times(options_.cpu_pids());
        memory_end_ = read_memory(options_.daemon_pid);
        generator_cpu_end_ = read_cpu_times(::getpid());
        if (on_done) {
            asio::post(ioc_, on_done);
        }
    }

    void fail(std::string why) {
        if (result_.failure.empty()) {
            result_.failure = std::move(why);
        }
        finished_ = true;
        ioc_.stop();
    }

    asio::io_context& ioc_;
    dialect const& wire_;
    bench_options const& options_;
    scenario_result& result_;
    payload_format format_;
    asio::steady_timer stop_timer_;
    std::vector<direction> directions_;  // reserved up front: handlers hold references
    latency_histogram latency_;
    clock::time_point started_{};
    clock::time_point deadline_{};
    clock::time_point last_received_{};
    std::uint64_t total_sent_ = 0;
    std::uint64_t total_received_ = 0;
    bool sending_ = true;
    bool finished_ = false;
    std::optional<group_cpu_times> cpu_start_;  // the daemon's and the --also-pid ones
    std::optional<group_cpu_times> cpu_end_;
    std::optional<memory_sample> memory_end_;
    std::optional<cpu_times> generator_cpu_start_;
    std::optional<cpu_times> generator_cpu_end_;
};

}  // namespace

scenario_result run_relay(bench_options const& options, connect_plan plan) {
    scenario_result result;
    result.scenario = "relay";
    result.parameters = {{"rooms", options.rooms},
                         {"window", options.window},
                         {"payload_bytes", options.payload_bytes},
                         {"seconds", options.seconds},
                         {"max_messages", options.messages},
                         {"source_addresses", plan.sources.size()}};

    asio::io_context ioc(1);
    room_pairs setup(ioc, plan, "relay-", options.rooms, options.concurrency, seconds_of(options.timeout));
    relay_run run(ioc, *plan.wire, options, result);
    run.on_done = [&] {
        close_all(ioc, setup.connections(), seconds_of(options.timeout), [&](std::size_t) { ioc.stop(); });
    };
    setup.start([&](std::string failure) {
        if (!failure.empty()) {
            result.failure = std::move(failure);
            return ioc.stop();
        }
        run.start(setup.pairs());
    });
    ioc.run();
    run.report();
    return result;
}

}  // namespace duet::bench
