#!/usr/bin/env bash
# Runs duet-bench's three scenarios against a fresh duetd each (issue #4), the daemon
# pinned to CPU 0 and the generator to CPU 1, and prints the markdown table. Builds
# nothing: build duetd and duet-bench first, e.g.
#   cmake -S . -B build && cmake --build build --target duetd duet-bench
#
#   bench/run.sh                     idle 2,000; relay 250 B and 4 KB for 5 s each; churn 2,000 cycles
#   bench/run.sh --quick             a ~10-second smoke run of all three
#   bench/run.sh --runs 3 --idle 2000,10000
# bench/compare.sh runs the same scenarios against duetd and the original design's
# socket.io server side by side.
#
# Options:
#   --duetd PATH          the daemon (default build/duetd)
#   --bench PATH          the generator (default build/bench/duet-bench)
#   --out FILE            JSON lines go here (default: results-<time>.jsonl next to the generator)
#   --runs K              run each scenario K times; the table shows medians (default 1)
#   --only LIST           some of idle,relay,churn (default all three)
#   --idle LIST           idle connection counts, e.g. 2000,10000 (default 2000)
#   --large-message-first B  idle: each connection first relays one B-byte frame to its
#                         partner, e.g. 65000 (default 0: none)
#   --relay-rooms R       rooms relaying at once (default 50)
#   --window W            relay messages in flight per direction (default 8)
#   --relay-seconds S     per payload size (default 5)
#   --payloads LIST       relay data sizes in bytes (default 250,4096)
#   --cycles C            churn cycles (default 2000)
#   --churn-concurrency N churn cycles at once (default 1)
#   --threads T           duetd --threads (default 1: the daemon has one CPU)
#   --daemon-log-level L  duetd --log-level (default info, the daemon's own default)
#   --label TEXT          recorded with each run and shown in the table
#   --no-pin              do not use taskset (for a machine with one CPU)
#   --quick               small sizes: a smoke test of the whole path
# Exit status: 0 when every run passed its checks, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

duetd=build/duetd
bench=build/bench/duet-bench
out=
runs=1
only=idle,relay,churn
idle_sizes=2000
large_message_first=0
relay_rooms=50
window=8
relay_seconds=5
payloads=250,4096
cycles=2000
churn_concurrency=1
threads=1
log_level=info
pin=1
label=

# shellcheck source=bench/lib.sh
. bench/lib.sh

while [ $# -gt 0 ]; do
    case "$1" in
        --duetd) duetd=$2; shift 2 ;;
        --bench) bench=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --idle) idle_sizes=$2; shift 2 ;;
        --large-message-first) large_message_first=$2; shift 2 ;;
        --relay-rooms) relay_rooms=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --relay-seconds) relay_seconds=$2; shift 2 ;;
        --payloads) payloads=$2; shift 2 ;;
        --cycles) cycles=$2; shift 2 ;;
        --churn-concurrency) churn_concurrency=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --daemon-log-level) log_level=$2; shift 2 ;;
        --label) label=$2; shift 2 ;;
        --no-pin) pin=0; shift ;;
        --quick) idle_sizes=500; relay_rooms=10; relay_seconds=2; cycles=300; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
done

[ -x "$duetd" ] || die "no daemon at $duetd (build it, or pass --duetd)"
[ -x "$bench" ] || die "no generator at $bench (build target duet-bench, or pass --bench)"
[ -n "$out" ] || out="$(dirname "$bench")/results-$(date +%Y%m%d-%H%M%S).jsonl"
: >"$out"

pin_cpus
raise_fd_limit "$(tr ',' '\n' <<<"$idle_sizes" | sort -n | tail -1)"

logs=$(mktemp -d)
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    stop_server
    rm -rf "$logs"
}
trap cleanup EXIT

# One run on a fresh daemon.
run() {
    start_duetd "$duetd" "$threads" "$log_level"
    run_bench --daemon-threads "$threads" "$@"
    stop_server
}

echo "run.sh: $(nproc --all) CPUs; $(uptime)"
echo "run.sh: duetd --threads $threads --log-level $log_level$([ $pin -eq 1 ] && echo ', daemon on CPU 0, generator on CPU 1')"
for round in $(seq "$runs"); do
    [ "$runs" -gt 1 ] && echo "=== round $round of $runs"
    if [[ ",$only," == *,idle,* ]]; then
        for n in ${idle_sizes//,/ }; do
            bench_args idle "$n"
            run "${bench_args[@]}"
        done
    fi
    if [[ ",$only," == *,relay,* ]]; then
        for bytes in ${payloads//,/ }; do
            bench_args relay "$bytes"
            run "${bench_args[@]}"
        done
    fi
    if [[ ",$only," == *,churn,* ]]; then
        bench_args churn
        run "${bench_args[@]}"
    fi
done
echo "run.sh: done; $(uptime)"
echo
"$bench" --table "$out"
echo
echo "JSON lines: $out"
exit "$failed"
