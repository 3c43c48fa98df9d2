#pragma once

#include "connect_plan.hpp"
#include "options.hpp"
#include "report.hpp"

namespace duet::bench {

/// The three scenarios of issue #4, and the attack of issue #9. Each runs its own single-threaded io_context to
/// completion, bounded by a count and by seconds, and returns what it measured; a
/// failed check (lost, reordered or changed message, refused request, unexpected
/// close, timeout) comes back as `failure`.

/// N connections joined in N/2 full rooms and held: the daemon's RSS per connection.
/// With large_message_first, each connection first relays one frame of that size to its
/// partner (who receives it), so the RSS shows what the daemon keeps after one.
scenario_result run_idle(bench_options const& options, connect_plan plan);

/// R rooms relaying closed-loop, W messages in flight per direction: messages/s,
/// latency, daemon CPU per 100k messages; every message checked for loss, order, change.
scenario_result run_relay(bench_options const& options, connect_plan plan);

/// connect, join, pair, offer, answer, leave, close, repeated: cycles/s, cycle time,
/// daemon CPU per cycle.
scenario_result run_churn(bench_options const& options, connect_plan plan);

/// K attackers, each alone in a room, send valid frames of thousands of tiny members
/// (escaped keys, or plain) at a fixed rate within duetd's default rate limit, while a
/// bystander pair measures relay round trips: the bystander's RTT, the frames sent,
/// the daemon's CPU. duetd only (the duet dialect).
scenario_result run_attack(bench_options const& options, connect_plan plan);

}  // namespace duet::bench
