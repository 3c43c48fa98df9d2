#!/usr/bin/env bash
# A/B of two duetd binaries, interleaved: in each round every scenario runs against the
# old daemon and then the new one, the order swapped every other round, each run on a
# fresh daemon started as bench/run.sh starts it (limits out of the way, --threads 1,
# pinned to CPU 0, the generator on CPU 1). Prints a markdown table: per scenario the
# median over the passing runs of old and of new, the new/old ratio of the medians, and
# each one's min-max (the noise to judge the ratio by). Builds nothing.
#
#   bench/ab.sh --old /work/wt-base/build/duetd --new build/duetd
#   bench/ab.sh --old OLD --new NEW --runs 9 --lock /tmp/bench.lock
#
# Scenarios and the figure compared (lower is better for all three):
#   relay 250 B, relay 4096 B   daemon CPU seconds per 100k relayed messages
#   idle                        daemon RSS growth per joined connection, KiB
#   churn                       daemon CPU ms per cycle
#
# Options:
#   --old PATH            the daemon to compare against (required)
#   --new PATH            the daemon under test (required)
#   --bench PATH          the generator (default build/bench/duet-bench)
#   --runs K              rounds (default 5)
#   --only LIST           some of relay,idle,churn (default all)
#   --idle N              idle connections (default 2000)
#   --payloads LIST       relay data sizes in bytes (default 250,4096)
#   --relay-rooms R       rooms relaying at once (default 50)
#   --window W            relay messages in flight per direction (default 8)
#   --relay-seconds S     per relay run (default 5)
#   --cycles C            churn cycles (default 2000)
#   --large-message-first B  idle: each connection first relays one B-byte frame (default 0: none)
#   --lock FILE           hold flock(FILE) during each old/new pair of runs
#   --out FILE            JSON lines go here (default: ab-<time>.jsonl next to the generator)
#   --no-pin              do not use taskset (for a machine with one CPU)
#   --quick               small sizes: a smoke test (idle 500, relay 10 rooms 2 s, churn 300)
# Exit status: 0 when every run passed its checks, 1 otherwise, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

old=
new=
bench=build/bench/duet-bench
runs=5
only=relay,idle,churn
idle_size=2000
payloads=250,4096
relay_rooms=50
window=8
relay_seconds=5
cycles=2000
churn_concurrency=1
large_message_first=0
lock=
out=
pin=1
label=

# shellcheck source=bench/lib.sh
. bench/lib.sh

while [ $# -gt 0 ]; do
    case "$1" in
        --old) old=$2; shift 2 ;;
        --new) new=$2; shift 2 ;;
        --bench) bench=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --idle) idle_size=$2; shift 2 ;;
        --payloads) payloads=$2; shift 2 ;;
        --relay-rooms) relay_rooms=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --relay-seconds) relay_seconds=$2; shift 2 ;;
        --cycles) cycles=$2; shift 2 ;;
        --large-message-first) large_message_first=$2; shift 2 ;;
        --lock) lock=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --no-pin) pin=0; shift ;;
        --quick) idle_size=500; relay_rooms=10; relay_seconds=2; cycles=300; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
done

{ [ -n "$old" ] && [ -n "$new" ]; } || die "--old and --new are required (try --help)"
[ -x "$old" ] || die "no daemon at $old"
[ -x "$new" ] || die "no daemon at $new"
[ -x "$bench" ] || die "no generator at $bench (build target duet-bench, or pass --bench)"
command -v jq >/dev/null || die "jq is needed for the table"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
[ -n "$out" ] || out="$(dirname "$bench")/ab-$(date +%Y%m%d-%H%M%S).jsonl"
: >"$out"

pin_cpus
raise_fd_limit "$idle_size"

logs=$(mktemp -d)
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    stop_server
    rm -rf "$logs"
}
trap cleanup EXIT

# One run on a fresh daemon: on_daemon old|new ARGS...; labelled old or new.
on_daemon() {
    local which=$1 binary=$new
    shift
    if [ "$which" = old ]; then binary=$old; fi
    start_duetd "$binary" 1 info
    label=$which run_bench --daemon-threads 1 "$@"
    stop_server
}

# Old and new back to back, in the round's order (old first in odd rounds).
pair() {
    local first=old second=new
    if [ $((round % 2)) -eq 0 ]; then first=new second=old; fi
    if [ -n "$lock" ]; then
        exec {lock_fd}>"$lock"
        flock "$lock_fd"
    fi
    on_daemon "$first" "$@"
    on_daemon "$second" "$@"
    if [ -n "$lock" ]; then
        exec {lock_fd}>&-
    fi
}

echo "ab.sh: $(nproc --all) CPUs; $(uptime)"
echo "ab.sh: old $old (sha256 $(sha256sum "$old" | cut -c1-12)), new $new (sha256 $(sha256sum "$new" | cut -c1-12))"
echo "ab.sh: $runs rounds, duetd --threads 1$([ "$pin" -eq 1 ] && echo ', daemon on CPU 0, generator on CPU 1')"
for round in $(seq "$runs"); do
    echo "=== round $round of $runs ($([ $((round % 2)) -eq 1 ] && echo 'old first' || echo 'new first'))"
    if [[ ",$only," == *,relay,* ]]; then
        for bytes in ${payloads//,/ }; do
            bench_args relay "$bytes"
            pair "${bench_args[@]}"
        done
    fi
    if [[ ",$only," == *,idle,* ]]; then
        bench_args idle "$idle_size"
        pair "${bench_args[@]}"
    fi
    if [[ ",$only," == *,churn,* ]]; then
        bench_args churn
        pair "${bench_args[@]}"
    fi
done
echo "ab.sh: done; $(uptime)"
echo

jq -s -r '
    def median: sort | if length == 0 then null
        elif length % 2 == 1 then .[length / 2 | floor]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def fixed(k): if . == null then "–" else (. * k | round / k | tostring) end;
    def what: if .scenario == "relay" then "relay \(.parameters.payload_bytes) B, \(.parameters.rooms) rooms, window \(.parameters.window)"
        elif .scenario == "idle" then "idle \(.parameters.connections) connections"
            + (if .parameters.large_message_first_bytes then ", one \(.parameters.large_message_first_bytes) B message first" else "" end)
        else "churn \(.parameters.cycles) cycles" end;
    def figure: if .scenario == "relay" then .results.daemon_cpu_seconds_per_100k
        elif .scenario == "idle" then .results.rss_per_connection_kib
        else .results.daemon_cpu_ms_per_cycle end;
    def unit: if .scenario == "relay" then "CPU s per 100k msgs"
        elif .scenario == "idle" then "KiB per connection"
        else "CPU ms per cycle" end;
    def side(k): [ .[] | select(.label == k) ] as $runs | [ $runs[] | select(.ok) | figure ] as $v
        | { passed: ($v | length), runs: ($runs | length), median: ($v | median),
            range: (if ($v | length) == 0 then "–" else "\($v | min | fixed(1000))–\($v | max | fixed(1000))" end) };
    "| scenario | figure | old: median | old: min–max | new: median | new: min–max | new/old | runs passed (old · new) |",
    "|---|---|---|---|---|---|---|---|",
    ( group_by([.scenario, .parameters]) | sort_by(.[0].time)[]
      | side("old") as $o | side("new") as $n
      | "| \(.[0] | what) | \(.[0] | unit) | \($o.median | fixed(1000)) | \($o.range) | \($n.median | fixed(1000)) | \($n.range) | "
        + "\(if $o.median == null or $n.median == null or $o.median == 0 then "–" else ($n.median / $o.median | fixed(100)) end) | "
        + "\($o.passed)/\($o.runs) · \($n.passed)/\($n.runs) |" )
' "$out"
echo
echo "JSON lines: $out"
exit "$failed"
