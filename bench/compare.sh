#!/usr/bin/env bash
# Runs duet-bench's scenarios against duetd and against the original design's server
# (express + socket.io 2.x, bench/socketio/server.js) in one go (issue #4): each run on a
# fresh server process pinned to CPU 0, the generator on CPU 1, the two servers in turn
# for each parameter set so both see the same machine. Prints the side-by-side table and
# draws the plots (bench/plot.sh). Builds nothing: build duetd and duet-bench first, e.g.
#   cmake -S . -B build && cmake --build build --target duetd duet-bench
# It installs the socket.io server with `npm ci` into a temporary folder (node and npm
# needed; the npm registry must be reachable).
#
#   bench/compare.sh                 idle 1,000-10,000; relay 250 B and 4 KB, and 250 B over 1-200 rooms; churn
#   bench/compare.sh --quick         a ~1-minute smoke run of the whole path
#   bench/compare.sh --runs 3 --plots docs/images
#
# Options:
#   --duetd PATH          the daemon (default build/duetd)
#   --bench PATH          the generator (default build/bench/duet-bench)
#   --out FILE            JSON lines go here (default: compare-<time>.jsonl next to the generator)
#   --plots DIR           where bench/plot.sh writes bench-*.svg and .png (default: FILE's name
#                         without .jsonl, as a folder)
#   --runs K              run each parameter set K times; the table shows medians (default 1)
#   --only LIST           some of idle,relay,churn (default all three)
#   --idle LIST           idle connection counts (default 1000,2000,5000,10000)
#   --relay-rooms LIST    room counts for the throughput plot, at the first payload size
#                         (default 1,10,50,200)
#   --table-rooms R       rooms for the relay rows at every payload size (default 50)
#   --window W            relay messages in flight per direction (default 8)
#   --relay-seconds S     per relay run (default 5)
#   --payloads LIST       relay data sizes in bytes (default 250,4096)
#   --cycles C            churn cycles (default 2000)
#   --no-quiet-runs       skip the extra socket.io relay and churn runs with console.log off
#   --no-plots            do not draw the plots
#   --no-pin              do not use taskset (for a machine with one CPU)
#   --quick               small sizes: a smoke test of the whole path
# Exit status: 0 when every run passed its checks, 1 otherwise, 2 on bad usage or setup.
set -euo pipefail
cd "$(dirname "$0")/.."

duetd=build/duetd
bench=build/bench/duet-bench
out=
plots=
runs=1
only=idle,relay,churn
idle_sizes=1000,2000,5000,10000
relay_rooms=1,10,50,200
table_rooms=50
window=8
relay_seconds=5
payloads=250,4096
cycles=2000
quiet_runs=1
draw=1
pin=1
label=

# shellcheck source=bench/lib.sh
. bench/lib.sh

while [ $# -gt 0 ]; do
    case "$1" in
        --duetd) duetd=$2; shift 2 ;;
        --bench) bench=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --plots) plots=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --idle) idle_sizes=$2; shift 2 ;;
        --relay-rooms) relay_rooms=$2; shift 2 ;;
        --table-rooms) table_rooms=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --relay-seconds) relay_seconds=$2; shift 2 ;;
        --payloads) payloads=$2; shift 2 ;;
        --cycles) cycles=$2; shift 2 ;;
        --no-quiet-runs) quiet_runs=0; shift ;;
        --no-plots) draw=0; shift ;;
        --no-pin) pin=0; shift ;;
        --quick) idle_sizes=200,1000; relay_rooms=1,10; table_rooms=10; relay_seconds=1; cycles=200; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
done

[ -x "$duetd" ] || die "no daemon at $duetd (build it, or pass --duetd)"
[ -x "$bench" ] || die "no generator at $bench (build target duet-bench, or pass --bench)"
"$bench" --help | grep -q -- --dialect || die "$bench has no --dialect: rebuild duet-bench"
{ command -v node && command -v npm; } >/dev/null || die "node and npm are needed for the socket.io server"
[ -n "$out" ] || out="$(dirname "$bench")/compare-$(date +%Y%m%d-%H%M%S).jsonl"
[ -n "$plots" ] || plots=${out%.jsonl}
: >"$out"

pin_cpus
raise_fd_limit "$(tr ',' '\n' <<<"$idle_sizes" | sort -n | tail -1)"

logs=$(mktemp -d)
socketio=$(mktemp -d)
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    stop_server
    rm -rf "$logs" "$socketio"
}
trap cleanup EXIT

# The original design's server from its pinned lock file, in a folder of its own so the
# repository never holds a node_modules.
cp bench/socketio/server.js bench/socketio/package.json bench/socketio/package-lock.json "$socketio/"
echo "compare.sh: npm ci in $socketio"
(cd "$socketio" && npm ci --no-audit --no-fund --loglevel=error) >"$logs/npm.log" 2>&1 ||
    { cat "$logs/npm.log" >&2; die "npm ci failed"; }
echo "compare.sh: $(node --version) with socket.io $(node -p "require('$socketio/node_modules/socket.io/package.json').version")"

# One run on a fresh duetd: as bench/run.sh starts it, one thread like node's one event loop.
on_duetd() {
    start_duetd "$duetd" 1 info
    run_bench --dialect duet --daemon-threads 1 "$@"
    stop_server
}

# One run on a fresh socket.io server. Its console.log goes to a log file, as duetd's
# output does: the design logs every message, so that cost is the design's own.
on_socketio() {
    start_socketio "$socketio" 0
    run_bench --dialect socketio "$@"
    stop_server
}

# The same run with the socket.io server's console.log silenced, labelled so, to show
# what its logging costs.
on_quiet_socketio() {
    [ "$quiet_runs" -eq 1 ] || return 0
    start_socketio "$socketio" 1
    label="console.log off" run_bench --dialect socketio "$@"
    stop_server
}

# Relay parameter sets: every payload size at --table-rooms, and the first payload size
# at each of --relay-rooms (the throughput plot), without repeats.
relay_sets=()
have_set() {
    local known
    for known in "${relay_sets[@]}"; do [ "$known" != "$1" ] || return 0; done
    return 1
}
first_payload=${payloads%%,*}
for bytes in ${payloads//,/ }; do relay_sets+=("$table_rooms $bytes"); done
for rooms in ${relay_rooms//,/ }; do
    have_set "$rooms $first_payload" || relay_sets+=("$rooms $first_payload")
done

echo "compare.sh: $(nproc --all) CPUs; $(uptime)"
echo "compare.sh: servers on CPU 0, generator on CPU 1$([ "$pin" -eq 1 ] || echo ' (not pinned)')"
for round in $(seq "$runs"); do
    [ "$runs" -gt 1 ] && echo "=== round $round of $runs"
    if [[ ",$only," == *,idle,* ]]; then
        for n in ${idle_sizes//,/ }; do
            # shellcheck disable=SC2046
            set -- --scenario idle --connections "$n" $(sources_for "$n")
            on_duetd "$@"
            on_socketio "$@"
        done
    fi
    if [[ ",$only," == *,relay,* ]]; then
        for relay_set in "${relay_sets[@]}"; do
            read -r rooms bytes <<<"$relay_set"
            set -- --scenario relay --rooms "$rooms" --window "$window" --payload-bytes "$bytes" --seconds "$relay_seconds"
            on_duetd "$@"
            on_socketio "$@"
            on_quiet_socketio "$@"
        done
    fi
    if [[ ",$only," == *,churn,* ]]; then
        set -- --scenario churn --cycles "$cycles"
        on_duetd "$@"
        on_socketio "$@"
        on_quiet_socketio "$@"
    fi
done
echo "compare.sh: done; $(uptime)"
echo
"$bench" --compare-table "$out" | tee "${out%.jsonl}.md"
echo
echo "JSON lines: $out"
echo "table: ${out%.jsonl}.md"
if [ "$draw" -eq 1 ]; then
    bench/plot.sh "$out" "$plots" || { echo "compare.sh: plotting failed" >&2; failed=1; }
fi
exit "$failed"
