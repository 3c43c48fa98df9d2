#include "scenarios.hpp"

#include "latency_histogram.hpp"
#include "payload.hpp"
#include "process_stats.hpp"
#include "report.hpp"
#include "room_pairs.hpp"
#include "ws_connection.hpp"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>

namespace duet::bench {
namespace {

std::chrono::nanoseconds seconds_of(double value) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(value));
}

/// One call's worth of signaling, start to end: A and B connect, A joins, B joins
/// (A hears otherjoin), A offers, B answers, A leaves (B hears bye), B leaves, both close.
/// Where the dialect neither counts peers nor names the joiner, the steps' order is the
/// check: A's `joined` comes before B is asked to join, B's after.
struct cycle {
    enum class step { connecting, a_joining, b_joining, offering, answering, a_leaving, b_leaving, closing };

    std::uint64_t number = 0;
    std::string room;
    std::shared_ptr<ws_connection> a;
    std::shared_ptr<ws_connection> b;
    std::string a_id;
    std::string b_id;
    step at = step::connecting;
    int connected = 0;
    int closed = 0;
    bool b_joined = false;
    bool otherjoin_seen = false;
    bool a_left = false;
    bool bye_seen = false;
    clock::time_point started{};
};

char const* name(cycle::step at) {
    switch (at) {
    case cycle::step::connecting: return "connecting";
    case cycle::step::a_joining: return "first join";
    case cycle::step::b_joining: return "second join";
    case cycle::step::offering: return "offer";
    case cycle::step::answering: return "answer";
    case cycle::step::a_leaving: return "first leave";
    case cycle::step::b_leaving: return "second leave";
    case cycle::step::closing: return "closing";
    }
    return "?";
}

/// The churn loop on the single io_context thread: `concurrency` cycles in flight,
/// a new one started as each ends, until the count or the time is used up.
class churn_run {
public:
    churn_run(asio::io_context& ioc, bench_options const& options, connect_plan& plan, scenario_result& result)
        : ioc_(ioc),
          options_(options),
          plan_(plan),
          wire_(*plan.wire),
          result_(result),
          format_(options.payload_bytes),
          timer_(ioc) {}

    void start() {
        cpu_start_ = read_cpu_times(options_.cpu_pids());
        generator_cpu_start_ = read_cpu_times(::getpid());
        started_ = clock::now();
        deadline_ = started_ + seconds_of(options_.seconds);
        // Cycles still running at the deadline get `timeout` more seconds to end.
        timer_.expires_at(deadline_ + seconds_of(options_.timeout));
        timer_.async_wait([this](error_code ec) {
            if (!ec) {
                fail(std::to_string(in_flight_) + " cycles did not end in time (the latest started was at step " +
                     stuck_step() + ")");
            }
        });
        for (std::size_t i = 0; i < options_.concurrency; ++i) {
            if (!start_cycle()) {
                break;
            }
        }
        if (in_flight_ == 0) {
            finish();
        }
    }

    void report() const {
        auto& r = result_.results;
        auto const elapsed = std::chrono::duration<double>(ended_ - started_).count();
        r["cycles"] = completed_;
        r["seconds"] = elapsed;
        r["cycles_per_second"] = elapsed > 0 ? static_cast<double>(completed_) / elapsed : 0.0;
        r["cycle"] = percentiles_ms(cycle_time_);
        if (cpu_start_ && cpu_end_) {
            // With --also-pid, "daemon" means every measured process together.
            auto const used = *cpu_end_ - *cpu_start_;
            auto const cpu = used.total.total();
            auto const ms_per_cycle = completed_ > 0 ? 1000 / static_cast<double>(completed_) : 0.0;
            put_daemon_cpu(r, used.total);
            r["daemon_cpu_ms_per_cycle"] = cpu * ms_per_cycle;
            put_process_cpu(r, options_, used, "cpu_ms_per_cycle", ms_per_cycle);
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
    bool start_cycle() {
        if (stopped_ || started_cycles_ >= options_.cycles || clock::now() >= deadline_) {
            return false;
        }
        auto c = std::make_shared<cycle>();
        c->number = started_cycles_++;
        c->room = "churn-" + std::to_string(c->number);
        c->a = std::make_shared<ws_connection>(ioc_, wire_);
        c->b = std::make_shared<ws_connection>(ioc_, wire_);
        c->started = clock::now();
        ++in_flight_;
        // The connections' handlers hold the cycle; it ends with them.
        c->a->on_message([this, raw = c.get()](std::string_view text) { on_a(*raw, text); });
        c->b->on_message([this, raw = c.get()](std::string_view text) { on_b(*raw, text); });
        for (auto const& connection : {c->a, c->b}) {
            connection->on_close([this, c](error_code ec, bool) { on_closed(*c, ec); });
            // B goes to server_b: another node of a cluster, or the same server.
            connection->connect(connection == c->a ? plan_.server : plan_.server_b, plan_.next_source(),
                                plan_.timeout,
                                [this, c, raw = connection.get()](error_code ec) {
                if (stopped_) {
                    return;
                }
                if (ec) {
                    return fail(*c, connect_failure(ec, *raw));
                }
                if (++c->connected == 2) {
                    c->at = cycle::step::a_joining;
                    c->a->send(wire_.join_request(c->room));
                }
            });
        }
        latest_ = c;
        return true;
    }

    void on_a(cycle& c, std::string_view text) {
        if (stopped_) {
            return;
        }
        if (c.at == cycle::step::answering) {
            return expect_relay(c, text, c.b_id, 1, [this, &c] {
                c.at = cycle::step::a_leaving;
                c.a->send(wire_.leave_request(c.room));
            });
        }
        auto const message = parse(c, text);
        if (!message) {
            return;
        }
        if (c.at == cycle::step::a_joining && message->type == "joined" &&
            (!wire_.counts_peers() || message->peers == 1)) {
            c.a_id = message->id;
            c.at = cycle::step::b_joining;
            c.b->send(wire_.join_request(c.room));
        } else if (c.at == cycle::step::b_joining && message->type == "otherjoin" && !c.otherjoin_seen) {
            c.otherjoin_seen = true;
            if (wire_.names_joiner()) {
                if (c.b_joined && message->id != c.b_id) {
                    return fail(c, "otherjoin names another peer");
                }
                c.b_id = message->id;
            }
            maybe_offer(c);
        } else if (c.at == cycle::step::a_leaving && message->type == "leaved" && !c.a_left) {
            c.a_left = true;
            maybe_second_leave(c);
        } else {
            fail(c, "first member got unexpected " + describe(*message));
        }
    }

    void on_b(cycle& c, std::string_view text) {
        if (stopped_) {
            return;
        }
        if (c.at == cycle::step::offering) {
            return expect_relay(c, text, c.a_id, 0, [this, &c] {
                c.at = cycle::step::answering;
                c.b->send(wire_.relay_request(c.room, format_.encode(1, now_ns())));
            });
        }
        auto const message = parse(c, text);
        if (!message) {
            return;
        }
        if (c.at == cycle::step::b_joining && message->type == "joined" &&
            (!wire_.counts_peers() || message->peers == 2) && !c.b_joined) {
            c.b_joined = true;
            if (c.otherjoin_seen && wire_.names_joiner() && message->id != c.b_id) {
                return fail(c, "otherjoin named another peer");
            }
            c.b_id = message->id;
            maybe_offer(c);
        } else if (c.at == cycle::step::a_leaving && message->type == "bye" && !c.bye_seen) {
            if (message->id != c.a_id) {
                return fail(c, "bye names another peer");
            }
            c.bye_seen = true;
            maybe_second_leave(c);
        } else if (c.at == cycle::step::b_leaving && message->type == "leaved") {
            c.at = cycle::step::closing;
            c.a->close();
            c.b->close();
        } else {
            fail(c, "second member got unexpected " + describe(*message));
        }
    }

    std::optional<server_message> parse(cycle& c, std::string_view text) {
        auto message = wire_.parse(text);
        if (!message) {
            fail(c, "the server sent something that is not a protocol message");
        }
        return message;
    }

    template <class Next>
    void expect_relay(cycle& c, std::string_view text, std::string const& from, std::uint64_t seq, Next next) {
        std::string problem;
        auto const data = wire_.relayed(text, wire_.envelope(c.room, from), c.room, from, problem);
        if (!data) {
            return fail(c, "expected a relayed message: " + problem);
        }
        auto const fields =
            data->text.empty() ? format_.decode(data->parsed, problem) : format_.decode(data->text, problem);
        if (!fields) {
            return fail(c, "changed message: " + problem);
        }
        if (fields->seq != seq) {
            return fail(c, "expected seq " + std::to_string(seq) + ", got " + std::to_string(fields->seq));
        }
        next();
    }

    void maybe_offer(cycle& c) {
        if (c.b_joined && c.otherjoin_seen) {
            c.at = cycle::step::offering;
            c.a->send(wire_.relay_request(c.room, format_.encode(0, now_ns())));
        }
    }

    void maybe_second_leave(cycle& c) {
        if (c.a_left && c.bye_seen) {
            c.at = cycle::step::b_leaving;
            c.b->send(wire_.leave_request(c.room));
        }
    }

    void on_closed(cycle& c, error_code ec) {
        if (stopped_) {
            return;
        }
        if (c.at != cycle::step::closing) {
            return fail(c, "connection closed: " + ec.message());
        }
        if (++c.closed < 2) {
            return;
        }
        cycle_time_.record(std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - c.started).count());
        ++completed_;
        --in_flight_;
        // Start the next one outside this connection's handler.
        asio::post(ioc_, [this] {
            if (!start_cycle() && in_flight_ == 0) {
                finish();
            }
        });
    }

    std::string stuck_step() const {
        auto const oldest = latest_.lock();
        return oldest ? name(oldest->at) : "?";
    }

    void finish() {
        if (stopped_) {
            return;
        }
        stopped_ = true;
        ended_ = clock::now();
        timer_.cancel();
        cpu_end_ = read_cpu_times(options_.cpu_pids());
        memory_end_ = read_memory(options_.daemon_pid);
        generator_cpu_end_ = read_cpu_times(::getpid());
        ioc_.stop();
    }

    void fail(cycle const& c, std::string const& why) {
        fail("cycle " + std::to_string(c.number) + " (" + name(c.at) + "): " + why);
    }

    void fail(std::string why) {
        if (result_.failure.empty()) {
            result_.failure = std::move(why);
        }
        if (!stopped_) {
            stopped_ = true;
            ended_ = clock::now();
        }
        ioc_.stop();
    }

    asio::io_context& ioc_;
    bench_options const& options_;
    connect_plan& plan_;
    dialect const& wire_;
    scenario_result& result_;
    payload_format format_;
    asio::steady_timer timer_;
    latency_histogram cycle_time_;
    std::weak_ptr<cycle> latest_;
    clock::time_point started_{};
    clock::time_point deadline_{};
    clock::time_point ended_{};
    std::uint64_t started_cycles_ = 0;
    std::uint64_t completed_ = 0;
    std::size_t in_flight_ = 0;
    bool stopped_ = false;
    std::optional<group_cpu_times> cpu_start_;  // the daemon's and the --also-pid ones
    std::optional<group_cpu_times> cpu_end_;
    std::optional<memory_sample> memory_end_;
    std::optional<cpu_times> generator_cpu_start_;
    std::optional<cpu_times> generator_cpu_end_;
};

}  // namespace

scenario_result run_churn(bench_options const& options, connect_plan plan) {
    scenario_result result;
    result.scenario = "churn";
    result.parameters = {{"cycles", options.cycles},
                         {"payload_bytes", options.payload_bytes},
                         {"concurrency", options.concurrency},
                         {"seconds", options.seconds},
                         {"source_addresses", plan.sources.size()}};
    asio::io_context ioc(1);
    churn_run run(ioc, options, plan, result);
    run.start();
    ioc.run();
    run.report();
    return result;
}

}  // namespace duet::bench
