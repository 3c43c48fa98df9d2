// The attack scenario: K connections, each alone in a room of its own, send valid
// `message` frames just under max_message_bytes whose objects hold thousands of tiny
// members, at a fixed rate that duetd's default rate limit accepts; meanwhile one
// bystander pair in another room measures relay round trips. It shows what such frames
// cost the daemon (CPU) and everyone else on it (the bystander's latency).
#include "scenarios.hpp"

#include "latency_histogram.hpp"
#include "payload.hpp"
#include "process_stats.hpp"
#include "report.hpp"
#include "room_pairs.hpp"
#include "ws_connection.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace duet::bench {
namespace {

std::chrono::nanoseconds seconds_of(double value) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(value));
}

double seconds_between(clock::time_point from, clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

// An attacker's send buffer: about two frames, so a daemon that falls behind holds
// back its attackers after a few frames instead of megabytes of them, and catches up
// soon after the attack stops.
constexpr std::size_t attacker_send_buffer = 128 * 1024;

// Frames an attacker may have waiting in its own queue; past that a tick is skipped
// (the daemon is not reading) rather than queued, so nothing bursts out later.
constexpr std::size_t attacker_queue_limit = 2;

/// One attack frame, sent again and again by one attacker.
struct attack_frame {
    std::shared_ptr<std::string const> text;
    std::size_t members = 0;
};

/// A valid `message` request of at most `options.attack_bytes` bytes for `room`, whose
/// object holds as many `"\/":1` members (`"a":1` with --plain-keys) as fit: in `data`
/// (relayed to nobody, as the attacker is alone), or with --key-place top beside `type`,
/// `room` and `data`, which come first. duetd ignores members it does not know. Plain
/// keys fill the same bytes with more members, so any cost per member counts against
/// them, not against the escapes.
attack_frame make_attack_frame(dialect const& wire, std::string const& room, bench_options const& options) {
    std::string_view const member = options.plain_keys ? R"("a":1)" : R"("\/":1)";
    auto const each = member.size() + 1;  // with its comma
    std::string prefix;
    std::string suffix;
    if (options.key_place == "top") {
        prefix = R"({"type":"message","room":")" + room + R"(","data":{})";
        suffix = "}";
    } else {
        // The relay request around an empty object, which the members then fill.
        auto const empty = wire.relay_request(room, "{}");
        auto const at = empty.rfind("{}");
        prefix = empty.substr(0, at + 1);
        suffix = empty.substr(at + 1);
    }
    attack_frame out;
    auto const fixed = prefix.size() + suffix.size();
    // With the keys in `data` the first member has no comma before it (one byte fewer).
    auto const room_for = options.attack_bytes + (options.key_place == "top" ? 0 : 1);
    out.members = room_for > fixed ? (room_for - fixed) / each : 0;
    std::string text;
    text.reserve(fixed + out.members * each);
    text += prefix;
    for (std::size_t i = 0; i < out.members; ++i) {
        if (i > 0 || options.key_place == "top") {
            text += ',';
        }
        text += member;
    }
    text += suffix;
    out.text = std::make_shared<std::string const>(std::move(text));
    return out;
}

struct attacker {
    explicit attacker(asio::io_context& ioc) : timer(ioc) {}

    std::shared_ptr<ws_connection> connection;
    std::string room;
    std::shared_ptr<std::string const> frame;
    asio::steady_timer timer;
    clock::time_point next_send{};
    std::uint64_t sent = 0;
    std::uint64_t skipped = 0;
    bool joined = false;
    bool drained = false;  // its pong came back after its last frame
};

/// Setup, attack, probes and drain, on the single io_context thread.
class attack_run {
public:
    attack_run(asio::io_context& ioc, connect_plan& plan, bench_options const& options, scenario_result& result)
        : ioc_(ioc),
          plan_(plan),
          wire_(*plan.wire),
          options_(options),
          result_(result),
          probe_format_(options.payload_bytes),
          bystanders_(ioc, plan, "bystander-", 1, 1, seconds_of(options.timeout)),
          setup_timer_(ioc),
          probe_timer_(ioc),
          stop_timer_(ioc) {}

    void start() {
        setup_timer_.expires_after(seconds_of(options_.timeout));
        setup_timer_.async_wait([this](error_code ec) {
            if (!ec) {
                fail("setup timed out: " + std::to_string(joined_) + " of " + std::to_string(attackers_.size()) +
                     " attackers joined");
            }
        });
        bystanders_.start([this](std::string failure) {
            if (!failure.empty()) {
                return fail("bystander pair: " + std::move(failure));
            }
            start_attackers();
        });
    }

    void report() const {
        auto& r = result_.results;
        auto const sending = seconds_between(started_, stopped_);
        std::uint64_t sent = 0;
        std::uint64_t skipped = 0;
        for (auto const& a : attackers_) {
            sent += a->sent;
            skipped += a->skipped;
        }
        r["attack_frame_bytes"] = frame_bytes_;
        r["attack_members"] = members_;
        r["seconds"] = sending;
        r["attack_frames_sent"] = sent;
        r["attack_frames_skipped"] = skipped;  // ticks when the daemon was not reading
        r["attack_frames_per_second"] = sending > 0 ? static_cast<double>(sent) / sending : 0.0;
        r["attack_mib_per_second"] =
            sending > 0 ? static_cast<double>(sent * frame_bytes_) / sending / (1024.0 * 1024.0) : 0.0;
        r["drain_seconds"] = drained_at_ > stopped_ ? seconds_between(stopped_, drained_at_) : 0.0;
        r["probes"] = probes_received_;
        r["probes_refused"] = probes_refused_;
        r["rtt"] = percentiles_ms(rtt_);
        if (cpu_start_ && cpu_stop_ && cpu_drained_) {
            auto const during = (*cpu_stop_ - *cpu_start_).total();
            auto const used = *cpu_drained_ - *cpu_start_;
            // The share of its core the daemon used while the attack ran; the frames'
            // whole cost (the backlog it read after the stop included) per frame.
            r["daemon_cpu_busy"] = sending > 0 ? during / sending : 0.0;
            put_daemon_cpu(r, used);
            r["daemon_cpu_us_per_attack_frame"] =
                sent > 0 ? used.total() * 1e6 / static_cast<double>(sent) : 0.0;
        }
        if (memory_end_) {
            r["rss_kib"] = memory_end_->rss_kib;
            r["hwm_kib"] = memory_end_->hwm_kib;
        }
        if (generator_cpu_start_ && generator_cpu_end_) {
            auto const busy = (*generator_cpu_end_ - *generator_cpu_start_).total();
            r["generator_cpu_seconds"] = busy;
            auto const elapsed = seconds_between(started_, drained_at_);
            r["generator_busy"] = elapsed > 0 ? busy / elapsed : 0.0;
        }
    }

    std::vector<std::shared_ptr<ws_connection>> connections() const {
        auto out = bystanders_.connections();
        for (auto const& a : attackers_) {
            out.push_back(a->connection);
        }
        return out;
    }

    /// Set when every probe and attacker has drained: the scenario then closes.
    std::function<void()> on_done;

private:
    // --- setup: the bystander pair first, then the attackers, each joined alone.

    void start_attackers() {
        attackers_.reserve(options_.attackers);
        for (std::size_t i = 0; i < options_.attackers; ++i) {
            auto& a = *attackers_.emplace_back(std::make_unique<attacker>(ioc_));
            a.room = "attack-" + std::to_string(i);
            auto const frame = make_attack_frame(wire_, a.room, options_);
            a.frame = frame.text;
            frame_bytes_ = frame.text->size();
            members_ = frame.members;
            a.connection = std::make_shared<ws_connection>(ioc_, wire_);
            a.connection->limit_send_buffer(attacker_send_buffer);
            a.connection->on_message([this, &a](std::string_view text) { on_attacker_message(a, text); });
            a.connection->on_close([this, &a](error_code ec, bool) {
                fail("attacker in room " + a.room + " was closed: " + ec.message() +
                     " (1009 would mean a frame over the daemon's max_message_bytes: lower --attack-bytes)");
            });
            auto* raw = a.connection.get();
            a.connection->connect(plan_.server, plan_.next_source(), plan_.timeout, [this, &a, raw](error_code ec) {
                if (finished_) {
                    return;
                }
                if (ec) {
                    return fail("attacker: " + connect_failure(ec, *raw));
                }
                a.connection->send(wire_.join_request(a.room));
            });
        }
        if (attackers_.empty()) {
            start_measuring();
        }
    }

    void on_attacker_message(attacker& a, std::string_view text) {
        if (finished_) {
            return;
        }
        auto const message = wire_.parse(text);
        if (!message) {
            return fail("attacker in room " + a.room + ": the server sent something that is not a protocol message");
        }
        if (!a.joined && message->type == "joined" && message->peers == 1) {
            a.joined = true;
            if (++joined_ == attackers_.size()) {
                start_measuring();
            }
            return;
        }
        if (stopping_ && !a.drained && message->type == "pong") {
            a.drained = true;
            ++drained_;
            return check_drained();
        }
        // `rate_limited` included: the attack is meant to stay within the daemon's limits.
        fail("attacker in room " + a.room + " got " + describe(*message) +
             (message->code == "rate_limited" ? " (lower --attack-rate)" : ""));
    }

    // --- the attack and the probes.

    void start_measuring() {
        setup_timer_.cancel();
        auto& pair = bystanders_.pairs().front();
        prober_ = pair.first.get();
        to_prober_ = wire_.envelope(pair.room, pair.second_id);
        auto const to_echo = wire_.envelope(pair.room, pair.first_id);
        auto const room = pair.room;
        auto const prober_id = pair.first_id;
        auto const echo_id = pair.second_id;
        echo_ = pair.second.get();
        // The echo sends each probe back as it came.
        echo_->on_message([this, to_echo, room, prober_id](std::string_view text) {
            if (finished_) {
                return;
            }
            std::string problem;
            auto const data = wire_.relayed(text, to_echo, room, prober_id, problem);
            if (!data) {
                return on_bystander_refusal(text, "echo", problem);
            }
            echo_->send(wire_.relay_request(room, data->text.empty() ? data->parsed.dump() : std::string(data->text)));
        });
        prober_->on_message([this, room, echo_id](std::string_view text) { on_probe_back(text, room, echo_id); });
        for (auto* connection : {prober_, echo_}) {
            connection->on_close([this](error_code ec, bool) {
                fail("bystander closed: " + ec.message() + refusals());
            });
        }

        cpu_start_ = read_cpu_times(options_.daemon_pid);
        generator_cpu_start_ = read_cpu_times(::getpid());
        started_ = clock::now();
        stop_at_ = started_ + seconds_of(options_.seconds);
        stop_timer_.expires_at(stop_at_);
        stop_timer_.async_wait([this](error_code ec) {
            if (!ec) {
                stop_sending();
            }
        });
        // The attackers' ticks are spread over one period, so the daemon sees a steady
        // stream rather than K frames at once.
        auto const period = seconds_of(1.0 / options_.attack_rate);
        for (std::size_t i = 0; i < attackers_.size(); ++i) {
            auto& a = *attackers_[i];
            a.next_send = started_ + period * static_cast<std::int64_t>(i) / static_cast<std::int64_t>(attackers_.size());
            schedule(a);
        }
        next_probe_ = started_;
        schedule_probe();
    }

    void schedule(attacker& a) {
        a.timer.expires_at(a.next_send);
        a.timer.async_wait([this, &a](error_code ec) {
            if (ec || stopping_ || finished_) {
                return;
            }
            if (total_sent_ >= options_.messages) {
                return stop_sending();
            }
            if (a.connection->queued_messages() >= attacker_queue_limit) {
                ++a.skipped;
            } else {
                a.connection->send(a.frame);
                ++a.sent;
                ++total_sent_;
            }
            // A fixed schedule: a late tick does not move the ones after it, so an
            // attacker never sends more than rate × time (+1), which the daemon's bucket
            // allows whenever the frames arrive.
            a.next_send += seconds_of(1.0 / options_.attack_rate);
            schedule(a);
        });
    }

    void schedule_probe() {
        probe_timer_.expires_at(next_probe_);
        probe_timer_.async_wait([this](error_code ec) {
            if (ec || stopping_ || finished_) {
                return;
            }
            auto const& pair = bystanders_.pairs().front();
            prober_->send(wire_.relay_request(pair.room, probe_format_.encode(probes_sent_, now_ns())));
            ++probes_sent_;
            next_probe_ += seconds_of(1.0 / options_.probe_rate);
            schedule_probe();
        });
    }

    void on_probe_back(std::string_view text, std::string const& room, std::string const& echo_id) {
        if (finished_) {
            return;
        }
        auto const now = now_ns();
        std::string problem;
        auto const data = wire_.relayed(text, to_prober_, room, echo_id, problem);
        if (!data) {
            return on_bystander_refusal(text, "prober", problem);
        }
        auto const fields =
            data->text.empty() ? probe_format_.decode(data->parsed, problem) : probe_format_.decode(data->text, problem);
        if (!fields) {
            return fail("bystander: changed probe: " + problem);
        }
        // Rule 5 for the bystander: probes come back in order. A gap is allowed only for
        // a probe the daemon refused (checked once all are in: the refusal can reach the
        // echo's connection after the gap reached the prober's).
        if (fields->seq < next_probe_back_) {
            return fail("bystander: probe " + std::to_string(fields->seq) + " came back after probe " +
                        std::to_string(next_probe_back_ - 1) + " (reordered or repeated)");
        }
        probe_gaps_ += fields->seq - next_probe_back_;
        next_probe_back_ = fields->seq + 1;
        ++probes_received_;
        rtt_.record(now - fields->sent_ns);
        check_drained();
    }

    /// A frame to the bystander that is not a relayed probe: `rate_limited` is counted
    /// (an attack that stalls the daemon makes it read a bystander's backlog at once,
    /// and its token bucket then refuses part of it); anything else fails the run.
    void on_bystander_refusal(std::string_view text, char const* who, std::string const& problem) {
        auto const message = wire_.parse(text);
        if (message && message->type == "error" && message->code == "rate_limited") {
            ++probes_refused_;
            return check_drained();
        }
        fail(std::string("bystander (") + who + "): " + problem + refusals());
    }

    /// For a bystander's failure: the refusals before it, which may explain it (past
    /// max_violations the daemon closes the connection, and the other member gets `bye`).
    std::string refusals() const {
        return probes_refused_ == 0 ? std::string()
                                    : " after " + std::to_string(probes_refused_) +
                                          " of its messages were refused as rate_limited (past max_violations, "
                                          "duetd closes the connection)";
    }

    // --- the end: stop, wait for the daemon to catch up, measure.

    void stop_sending() {
        if (stopping_) {
            return;
        }
        stopping_ = true;
        stopped_ = clock::now();
        cpu_stop_ = read_cpu_times(options_.daemon_pid);
        probe_timer_.cancel();
        // Each attacker's `ping` is answered only after the daemon has read every frame
        // sent before it (one read at a time per connection), so the last pong marks
        // the end of the attack's cost. One more request fits the rate limit: the
        // schedule leaves the bucket at least one token.
        for (auto const& a : attackers_) {
            a->timer.cancel();
            a->connection->send(std::string(R"({"type":"ping"})"));
        }
        stop_timer_.expires_after(seconds_of(options_.timeout));
        stop_timer_.async_wait([this](error_code ec) {
            if (!ec && !finished_) {
                fail("the daemon did not catch up within --timeout: " + std::to_string(drained_) + " of " +
                     std::to_string(attackers_.size()) + " attackers answered, " +
                     std::to_string(probes_sent_ - probes_received_ - probes_refused_) + " probes missing");
            }
        });
        check_drained();
    }

    void check_drained() {
        if (!stopping_ || finished_ || drained_ < attackers_.size() ||
            probes_received_ + probes_refused_ < probes_sent_) {
            return;
        }
        if (probe_gaps_ + (probes_sent_ - next_probe_back_) != probes_refused_) {
            return fail("bystander: " + std::to_string(probe_gaps_) + " probes missing in the sequence, " +
                        std::to_string(probes_refused_) + " refused (lost messages)");
        }
        finished_ = true;
        drained_at_ = clock::now();
        stop_timer_.cancel();
        cpu_drained_ = read_cpu_times(options_.daemon_pid);
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
    connect_plan& plan_;
    dialect const& wire_;
    bench_options const& options_;
    scenario_result& result_;
    payload_format probe_format_;
    room_pairs bystanders_;
    std::vector<std::unique_ptr<attacker>> attackers_;  // handlers hold references
    asio::steady_timer setup_timer_;
    asio::steady_timer probe_timer_;
    asio::steady_timer stop_timer_;
    ws_connection* prober_ = nullptr;
    ws_connection* echo_ = nullptr;
    relay_envelope to_prober_;
    latency_histogram rtt_;
    std::size_t joined_ = 0;
    std::size_t drained_ = 0;
    std::size_t frame_bytes_ = 0;
    std::size_t members_ = 0;
    std::uint64_t total_sent_ = 0;
    std::uint64_t probes_sent_ = 0;
    std::uint64_t probes_received_ = 0;
    std::uint64_t probes_refused_ = 0;   // rate_limited answers to the prober or the echo
    std::uint64_t probe_gaps_ = 0;       // seqs skipped in what came back
    std::uint64_t next_probe_back_ = 0;
    clock::time_point started_{};
    clock::time_point stop_at_{};
    clock::time_point stopped_{};
    clock::time_point drained_at_{};
    clock::time_point next_probe_{};
    bool stopping_ = false;
    bool finished_ = false;
    std::optional<cpu_times> cpu_start_;
    std::optional<cpu_times> cpu_stop_;
    std::optional<cpu_times> cpu_drained_;
    std::optional<memory_sample> memory_end_;
    std::optional<cpu_times> generator_cpu_start_;
    std::optional<cpu_times> generator_cpu_end_;
};

}  // namespace

scenario_result run_attack(bench_options const& options, connect_plan plan) {
    scenario_result result;
    result.scenario = "attack";
    result.parameters = {{"attackers", options.attackers},
                         {"attack_rate", options.attack_rate},
                         {"attack_bytes", options.attack_bytes},
                         {"keys", options.plain_keys ? "plain" : "escaped"},
                         {"key_place", options.key_place},
                         {"probe_rate", options.probe_rate},
                         {"probe_bytes", options.payload_bytes},
                         {"seconds", options.seconds},
                         {"max_frames", options.messages}};

    asio::io_context ioc(1);
    attack_run run(ioc, plan, options, result);
    run.on_done = [&] {
        close_all(ioc, run.connections(), seconds_of(options.timeout), [&](std::size_t) { ioc.stop(); });
    };
    run.start();
    ioc.run();
    run.report();
    return result;
}

}  // namespace duet::bench
