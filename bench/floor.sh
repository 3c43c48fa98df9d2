#!/usr/bin/env bash
# The floor of issue #4: duetd against duet-bare-relay (bench/bare_relay.cpp, a Beast
# relay that parses nothing) with the same generator and method, on this machine. Each
# run gets a fresh server pinned to CPU 0 and the generator on CPU 1; the two servers
# alternate (A B A B ...) so that both see the same machine noise. Prints a markdown
# table of medians (daemon CPU seconds per 100k relayed messages, user + system, from
# /proc/PID/stat as duet-bench reads it; and msg/s), then every run. Builds nothing:
#   cmake --build build --target duetd duet-bare-relay duet-bench
#
#   bench/floor.sh --runs 3 --lock /tmp/bench.lock
#   bench/floor.sh --configs 50x8x250 --runs 5 --syscalls
#
# Options:
#   --duetd PATH      the daemon (default build/duetd)
#   --bare PATH       the bare relay (default build/bench/duet-bare-relay)
#   --bench PATH      the generator (default build/bench/duet-bench)
#   --runs K          runs per server and configuration (default 3)
#   --configs LIST    relay configurations ROOMSxWINDOWxPAYLOAD_BYTES
#                     (default 50x8x250,50x8x4096,1x1x250; 1x1 is the unloaded case)
#   --seconds S       relay sending time per run (default 5)
#   --syscalls        after the timed runs of each configuration, one more run per server
#                     under `perf stat` (not timed: tracing costs CPU) for syscalls/message
#   --lock FILE       hold flock(FILE) for each configuration's interleaved block, so no
#                     other measurement on the machine overlaps it
#   --out FILE        JSON lines go here (default: a temporary file, kept and named)
#   --no-pin          do not use taskset (for a machine with one CPU)
# Exit status: 0 when every run passed its checks, 1 otherwise, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

duetd=build/duetd
bare=build/bench/duet-bare-relay
bench=build/bench/duet-bench
runs=3
configs=50x8x250,50x8x4096,1x1x250
seconds=5
syscalls=0
lock=
out=
pin=1

# shellcheck source=bench/lib.sh
. bench/lib.sh
while [ $# -gt 0 ]; do
    case "$1" in
        --duetd) duetd=$2; shift 2 ;;
        --bare) bare=$2; shift 2 ;;
        --bench) bench=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --configs) configs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --syscalls) syscalls=1; shift ;;
        --lock) lock=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --no-pin) pin=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
done

[ -x "$duetd" ] || die "no daemon at $duetd (pass --duetd)"
[ -x "$bare" ] || die "no bare relay at $bare (build target duet-bare-relay, or pass --bare)"
[ -x "$bench" ] || die "no generator at $bench (pass --bench)"
command -v jq >/dev/null || die "jq is needed for the table"
[ "$syscalls" -eq 0 ] || command -v perf >/dev/null || die "--syscalls needs perf"
for c in ${configs//,/ }; do
    [[ "$c" =~ ^[0-9]+x[0-9]+x[0-9]+$ ]] || die "--configs: '$c' is not ROOMSxWINDOWxBYTES"
done

pin_cpus

logs=$(mktemp -d)
[ -n "$out" ] || out=$(mktemp --tmpdir floor-XXXXXX.jsonl)
: >"$out"
perf_out=$logs/perf.tsv  # config, server, messages, then the counts
: >"$perf_out"
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$logs"
}
trap cleanup EXIT

# Starts a fresh server of this kind (duetd or bare); sets server_pid and port.
start_server() {
    if [ "$1" = duetd ]; then
        start_duetd "$duetd" 1 info  # run.sh's flags: limits out of the way, one thread
    else
        local log=$logs/bare.log
        "${server_cpu[@]}" "$bare" --port 0 >"$log" 2>&1 &
        server_pid=$!
        wait_for_port "$log" 'listening on [^ ]*:[0-9]+' duet-bare-relay
    fi
}

failed=0
# One timed run, appended to $out: run KIND ROOMS WINDOW BYTES
run() {
    local kind=$1 rooms=$2 window=$3 bytes=$4 lines
    lines=$(wc -l <"$out")
    start_server "$kind"
    if ! "${bench_cpu[@]}" "$bench" --port "$port" --daemon-pid "$server_pid" --daemon-threads 1 \
        --json "$out" --label "$kind" --scenario relay --rooms "$rooms" --window "$window" \
        --payload-bytes "$bytes" --seconds "$seconds" >"$logs/bench.out" 2>&1; then
        failed=1
        echo "floor.sh: $kind ${rooms}x${window}x${bytes} FAILED:" >&2
        tail -n 3 "$logs/bench.out" >&2
    fi
    stop_server
    if [ "$(wc -l <"$out")" -eq "$lines" ]; then
        echo "  $kind ${rooms}x${window}x${bytes}: no result line" >&2
        failed=1
        return
    fi
    tail -n 1 "$out" | jq -r '
        "  \(.label) \(.parameters.rooms)x\(.parameters.window)x\(.parameters.payload_bytes): " +
        (if .ok then "\(.results.messages_per_second | floor) msg/s, " +
            "\(.results.daemon_cpu_seconds_per_100k * 1000 | round / 1000) s/100k " +
            "(user \(.results.daemon_cpu_user_seconds) + sys \(.results.daemon_cpu_system_seconds) s " +
            "for \(.results.messages) msgs)"
         else "failed: \(.failure // "?")" end)'
}

events=syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvmsg,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom
events+=,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,raw_syscalls:sys_enter
# One untimed run under perf stat: syscall_run KIND ROOMS WINDOW BYTES
syscall_run() {
    local kind=$1 rooms=$2 window=$3 bytes=$4 json=$logs/perf.jsonl perf_pid
    : >"$json"
    start_server "$kind"
    perf stat -x, -e "$events" -p "$server_pid" -o "$logs/perf.csv" &
    perf_pid=$!
    sleep 0.3
    "${bench_cpu[@]}" "$bench" --port "$port" --daemon-pid "$server_pid" --daemon-threads 1 \
        --json "$json" --label "$kind" --scenario relay --rooms "$rooms" --window "$window" \
        --payload-bytes "$bytes" --seconds "$seconds" >"$logs/bench.out" 2>&1 || true
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    stop_server
    local messages
    messages=$(jq -r '.results.messages // 0' "$json")
    # perf -x, lines: count,unit,event,...
    printf '%s\t%s\t%s' "${rooms}x${window}x${bytes}" "$kind" "$messages" >>"$perf_out"
    for e in ${events//,/ }; do
        printf '\t%s' "$(awk -F, -v e="$e" '$3 == e {print $1}' "$logs/perf.csv" | head -1)" >>"$perf_out"
    done
    printf '\n' >>"$perf_out"
}

echo "floor.sh: $(nproc --all) CPUs; $(uptime)"
echo "floor.sh: duetd=$duetd bare=$bare bench=$bench; $runs runs each, $seconds s per run$([ $pin -eq 1 ] && echo ', server on CPU 0, generator on CPU 1')"
for c in ${configs//,/ }; do
    IFS=x read -r rooms window bytes <<<"$c"
    if [ -n "$lock" ]; then
        exec {lock_fd}>"$lock"
        flock "$lock_fd"
    fi
    echo "--- relay, $rooms rooms, window $window, $bytes B data (load $(cut -d' ' -f1-3 /proc/loadavg))"
    for _ in $(seq "$runs"); do
        run duetd "$rooms" "$window" "$bytes"
        run bare "$rooms" "$window" "$bytes"
    done
    if [ "$syscalls" -eq 1 ]; then
        syscall_run duetd "$rooms" "$window" "$bytes"
        syscall_run bare "$rooms" "$window" "$bytes"
    fi
    if [ -n "$lock" ]; then
        exec {lock_fd}>&-
    fi
done
echo "floor.sh: done; $(uptime)"
echo

# Medians per configuration and server, then duetd / bare.
jq -s -r '
    def median: sort | if length == 0 then null
        elif length % 2 == 1 then .[length / 2 | floor]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def fixed(k): if . == null then "-" else (. * k | round / k | tostring) end;
    def ratio(a; b): if a == null or b == null or b == 0 then "-" else ((a / b) | fixed(100)) + "x" end;
    def stats(k): [ .[] | select(.label == k) ] as $runs | [ $runs[] | select(.ok) ] as $ok
        | { name: (if k == "bare" then "duet-bare-relay" else k end),
            runs: ($runs | length), passed: ($ok | length),
            cpu: ([ $ok[] | .results.daemon_cpu_seconds_per_100k ] | median),
            user: ([ $ok[] | .results.daemon_cpu_user_seconds * 100000 / .results.messages ] | median),
            sys: ([ $ok[] | .results.daemon_cpu_system_seconds * 100000 / .results.messages ] | median),
            rate: ([ $ok[] | .results.messages_per_second ] | median),
            p50: ([ $ok[] | .results.latency.p50_ms ] | median) };
    def row(p; s; extra): "| \(p.rooms) rooms, window \(p.window), \(p.payload_bytes) B | \(s.name) | \(s.passed)/\(s.runs) | "
        + "\(s.rate | fixed(1)) | **\(s.cpu | fixed(1000))** (\(s.user | fixed(1000)) + \(s.sys | fixed(1000))) | "
        + "\(s.p50 | fixed(1000)) ms | \(extra) |";
    "| relay | server | runs passed | msg/s | daemon CPU s per 100k msgs (user + sys) | p50 latency | duetd / bare: CPU per msg, msg/s |",
    "|---|---|---|---|---|---|---|",
    ( group_by([.parameters.rooms, .parameters.window, .parameters.payload_bytes])[]
      | .[0].parameters as $p | stats("duetd") as $d | stats("bare") as $b
      | row($p; $d; "\(ratio($d.cpu; $b.cpu)), \(ratio($d.rate; $b.rate))"), row($p; $b; "") )
' "$out"

echo
echo "Every run (in the order run):"
echo
echo "| # | relay | server | msg/s | daemon CPU s/100k | user s | sys s | messages | ok |"
echo "|---|---|---|---|---|---|---|---|---|"
jq -s -r 'to_entries[] | .key as $i | .value
    | "| \($i + 1) | \(.parameters.rooms)x\(.parameters.window)x\(.parameters.payload_bytes) B | \(.label) | " +
      "\(.results.messages_per_second // 0 | round) | \(.results.daemon_cpu_seconds_per_100k // 0 | . * 1000 | round / 1000) | " +
      "\(.results.daemon_cpu_user_seconds // "–") | \(.results.daemon_cpu_system_seconds // "–") | \(.results.messages // 0) | \(.ok) |"' "$out"

if [ -s "$perf_out" ]; then
    echo
    echo "System calls per relayed message (one untimed run under perf stat each; setup and teardown included):"
    echo
    echo "| relay | server | messages | sendmsg | recvmsg | sendto | recvfrom | epoll_wait (+pwait) | all syscalls |"
    echo "|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' '{
        m = $3 > 0 ? $3 : 1
        printf "| %s B | %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n",
               $1, ($2 == "bare" ? "duet-bare-relay" : "duetd"), $3, $4 / m, $5 / m, $6 / m, $7 / m, ($8 + $9) / m, $10 / m
    }' "$perf_out"
fi
echo
echo "JSON lines: $out"
exit $failed
