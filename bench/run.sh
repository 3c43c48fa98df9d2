#!/usr/bin/env bash
# Runs duet-bench's three scenarios against a fresh duetd each (issue #4), the daemon
# pinned to CPU 0 and the generator to CPU 1, and prints the markdown table. Builds
# nothing: build duetd and duet-bench first, e.g.
#   cmake -S . -B build && cmake --build build --target duetd duet-bench
#
#   bench/run.sh                     idle 2,000; relay 250 B and 4 KB for 5 s each; churn 2,000 cycles
#   bench/run.sh --quick             a ~10-second smoke run of all three
#   bench/run.sh --runs 3 --idle 2000,10000
#
# Options:
#   --duetd PATH          the daemon (default build/duetd)
#   --bench PATH          the generator (default build/bench/duet-bench)
#   --out FILE            JSON lines go here (default: results-<time>.jsonl next to the generator)
#   --runs K              run each scenario K times; the table shows medians (default 1)
#   --only LIST           some of idle,relay,churn (default all three)
#   --idle LIST           idle connection counts, e.g. 2000,10000 (default 2000)
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

die() { echo "run.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --duetd) duetd=$2; shift 2 ;;
        --bench) bench=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --idle) idle_sizes=$2; shift 2 ;;
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

daemon_cpu=() bench_cpu=()
if [ $pin -eq 1 ]; then
    command -v taskset >/dev/null || die "taskset not found (util-linux); or pass --no-pin"
    [ "$(nproc --all)" -ge 2 ] || die "pinning needs two CPUs; pass --no-pin"
    daemon_cpu=(taskset -c 0)
    bench_cpu=(taskset -c 1)
fi

# Each connection is a descriptor in both processes: raise the soft limit to what the
# largest idle run needs (root may raise the hard limit too).
largest=$(tr ',' '\n' <<<"$idle_sizes" | sort -n | tail -1)
need=$((largest + 1024))
if [ "$(ulimit -n)" -lt "$need" ]; then
    ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    [ "$(ulimit -n)" -ge "$need" ] || die "ulimit -n is $(ulimit -n); $largest connections need $need (raise the hard limit)"
fi

logs=$(mktemp -d)
daemon_pid=
port=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
    rm -rf "$logs"
}
trap cleanup EXIT

start_daemon() {
    local log=$logs/duetd.log
    # Limits out of the way: the daemon's rate limit (50/s by default) would refuse a
    # benchmark's traffic, and its connection and room caps are 10,000.
    "${daemon_cpu[@]}" "$duetd" --port 0 --threads "$threads" --log-level "$log_level" \
        --rate-limit-per-second 1e9 --rate-limit-burst 1e9 \
        --max-connections 1000000 --max-rooms 1000000 --max-http-connections 100000 >"$log" 2>&1 &
    daemon_pid=$!
    port=
    for _ in $(seq 100); do
        # The port is logged at info; below that, ask the kernel what the pid listens on.
        port=$(grep -o 'on port [0-9]*' "$log" | awk '{print $3}' || true)
        [ -n "$port" ] || port=$(ss -Htlnp 2>/dev/null | grep "pid=$daemon_pid," | awk '{print $4}' | sed 's/.*://' | head -1 || true)
        [ -n "$port" ] && return 0
        kill -0 "$daemon_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    die "duetd did not start"
}

stop_daemon() {
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=
}

failed=0
# One run on a fresh daemon, so that each starts from the same RSS and no state.
run() {
    start_daemon
    echo "--- duet-bench $* (duetd pid $daemon_pid, port $port; load $(cut -d' ' -f1-3 /proc/loadavg))"
    if ! "${bench_cpu[@]}" "$bench" --port "$port" --daemon-pid "$daemon_pid" --daemon-threads "$threads" \
        --json "$out" ${label:+--label "$label"} "$@" >"$logs/bench.out" 2>&1; then
        failed=1
        tail -n 3 "$logs/bench.out"
    fi
    stop_daemon
}

sources_for() {
    # About 28,000 ephemeral ports per source address towards one server port.
    local n=$1 count=$(( $1 / 20000 + 1 )) list=
    [ "$count" -gt 1 ] || return 0
    for i in $(seq 1 "$count"); do list+="${list:+,}127.0.0.$i"; done
    echo "--source-addresses $list"
}

echo "run.sh: $(nproc --all) CPUs; $(uptime)"
echo "run.sh: duetd --threads $threads --log-level $log_level$([ $pin -eq 1 ] && echo ', daemon on CPU 0, generator on CPU 1')"
for round in $(seq "$runs"); do
    [ "$runs" -gt 1 ] && echo "=== round $round of $runs"
    if [[ ",$only," == *,idle,* ]]; then
        for n in ${idle_sizes//,/ }; do
            # shellcheck disable=SC2046
            run --scenario idle --connections "$n" $(sources_for "$n")
        done
    fi
    if [[ ",$only," == *,relay,* ]]; then
        for bytes in ${payloads//,/ }; do
            run --scenario relay --rooms "$relay_rooms" --window "$window" --payload-bytes "$bytes" \
                --seconds "$relay_seconds"
        done
    fi
    if [[ ",$only," == *,churn,* ]]; then
        run --scenario churn --cycles "$cycles" --concurrency "$churn_concurrency"
    fi
done
echo "run.sh: done; $(uptime)"
echo
"$bench" --table "$out"
echo
echo "JSON lines: $out"
exit $failed
