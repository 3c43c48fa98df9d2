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
#   bench/floor.sh --configs churn --runs 5
#
# Options:
#   --duetd PATH      the daemon (default build/duetd)
#   --bare PATH       the bare relay (default build/bench/duet-bare-relay)
#   --bench PATH      the generator (default build/bench/duet-bench)
#   --runs K          runs per server and configuration (default 3)
#   --configs LIST    relay configurations ROOMSxWINDOWxPAYLOAD_BYTES, and `churn`
#                     (default 50x8x250,50x8x4096,1x1x250,churn; 1x1 is the unloaded case)
#   --cycles C        churn cycles per run (default 3000)
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
configs=50x8x250,50x8x4096,1x1x250,churn
cycles=3000
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
        --cycles) cycles=$2; shift 2 ;;
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
    [[ "$c" =~ ^[0-9]+x[0-9]+x[0-9]+$ || "$c" = churn ]] || die "--configs: '$c' is neither ROOMSxWINDOWxBYTES nor churn"
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
        start_logged duet-bare-relay 'listening on [^ ]*:[0-9]+' "${server_cpu[@]}" "$bare" --port 0
    fi
}

failed=0
# The generator's arguments for a configuration: ROOMSxWINDOWxBYTES or churn.
scenario_args() {
    if [ "$1" = churn ]; then
        echo "--scenario churn --cycles $cycles"
    else
        local rooms window bytes
        IFS=x read -r rooms window bytes <<<"$1"
        echo "--scenario relay --rooms $rooms --window $window --payload-bytes $bytes --seconds $seconds"
    fi
}

# One timed run, appended to $out: run KIND CONFIG
run() {
    local kind=$1 config=$2 lines
    lines=$(wc -l <"$out")
    start_server "$kind"
    # shellcheck disable=SC2046  # scenario_args is split into words on purpose
    if ! "${bench_cpu[@]}" "$bench" --port "$port" --daemon-pid "$server_pid" --daemon-threads 1 \
        --json "$out" --label "$kind" $(scenario_args "$config") >"$logs/bench.out" 2>&1; then
        failed=1
        echo "floor.sh: $kind $config FAILED:" >&2
        tail -n 3 "$logs/bench.out" >&2
    fi
    stop_server
    if [ "$(wc -l <"$out")" -eq "$lines" ]; then
        echo "  $kind $config: no result line" >&2
        failed=1
        return
    fi
    tail -n 1 "$out" | jq -r '
        "  \(.label) \(if .scenario == "churn" then "churn" else "\(.parameters.rooms)x\(.parameters.window)x\(.parameters.payload_bytes)" end): " +
        (if .ok | not then "failed: \(.failure // "?")"
         elif .scenario == "churn" then "\(.results.cycles_per_second | floor) cycles/s, " +
            "\(.results.daemon_cpu_ms_per_cycle * 1000 | round / 1000) ms/cycle " +
            "(user \(.results.daemon_cpu_user_seconds) + sys \(.results.daemon_cpu_system_seconds) s " +
            "for \(.results.cycles) cycles)"
         else "\(.results.messages_per_second | floor) msg/s, " +
            "\(.results.daemon_cpu_seconds_per_100k * 1000 | round / 1000) s/100k " +
            "(user \(.results.daemon_cpu_user_seconds) + sys \(.results.daemon_cpu_system_seconds) s " +
            "for \(.results.messages) msgs)" end)'
}

events=syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvmsg,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom
events+=,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,raw_syscalls:sys_enter
# One untimed run under perf stat: syscall_run KIND CONFIG
syscall_run() {
    local kind=$1 config=$2 json=$logs/perf.jsonl perf_pid ctl=$logs/perf.ctl ack=$logs/perf.ack ctl_fd ack_fd reply=
    : >"$json"
    start_server "$kind"
    # perf attaches with its events off and says `ack` once `enable` has turned them on,
    # so the generator starts only when every system call is counted. The FIFOs are
    # opened read-write here, so neither side's open() waits for the other.
    rm -f "$ctl" "$ack"
    mkfifo "$ctl" "$ack"
    exec {ctl_fd}<>"$ctl" {ack_fd}<>"$ack"
    perf stat -x, -e "$events" -p "$server_pid" -o "$logs/perf.csv" -D -1 --control "fifo:$ctl,$ack" &
    perf_pid=$!
    echo enable >&"$ctl_fd"
    read -r -t 60 -u "$ack_fd" reply || true
    exec {ctl_fd}>&- {ack_fd}<&-
    [ "$reply" = ack ] || die "perf stat did not start counting (is perf allowed to trace pid $server_pid?)"
    # shellcheck disable=SC2046  # scenario_args is split into words on purpose
    "${bench_cpu[@]}" "$bench" --port "$port" --daemon-pid "$server_pid" --daemon-threads 1 \
        --json "$json" --label "$kind" $(scenario_args "$config") >"$logs/bench.out" 2>&1 || true
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    stop_server
    local units  # relayed messages, or churn cycles
    units=$(jq -r '.results.messages // .results.cycles // 0' "$json")
    # perf -x, lines: count,unit,event,...
    printf '%s\t%s\t%s' "$config" "$kind" "$units" >>"$perf_out"
    for e in ${events//,/ }; do
        printf '\t%s' "$(awk -F, -v e="$e" '$3 == e {print $1}' "$logs/perf.csv" | head -1)" >>"$perf_out"
    done
    printf '\n' >>"$perf_out"
}

echo "floor.sh: $(nproc --all) CPUs; $(uptime)"
echo "floor.sh: duetd=$duetd bare=$bare bench=$bench; $runs runs each, $seconds s per run$([ $pin -eq 1 ] && echo ', server on CPU 0, generator on CPU 1')"
for c in ${configs//,/ }; do
    if [ -n "$lock" ]; then
        exec {lock_fd}>"$lock"
        flock "$lock_fd"
    fi
    echo "--- $c: $(scenario_args "$c") (load $(cut -d' ' -f1-3 /proc/loadavg))"
    for _ in $(seq "$runs"); do
        run duetd "$c"
        run bare "$c"
    done
    if [ "$syscalls" -eq 1 ]; then
        syscall_run duetd "$c"
        syscall_run bare "$c"
    fi
    if [ -n "$lock" ]; then
        exec {lock_fd}>&-
    fi
done
echo "floor.sh: done; $(uptime)"
echo

# Medians per configuration and server, then duetd / bare. A relay's unit is 100k
# messages (CPU in seconds, rate in msg/s), churn's one cycle (CPU in ms, cycles/s).
jq -s -r '
    def median: sort | if length == 0 then null
        elif length % 2 == 1 then .[length / 2 | floor]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def fixed(k): if . == null then "-" else (. * k | round / k | tostring) end;
    def ratio(a; b): if a == null or b == null or b == 0 then "-" else ((a / b) | fixed(100)) + "x" end;
    def churn: .scenario == "churn";
    def per_unit(seconds): if churn then seconds * 1000 / .results.cycles else seconds * 100000 / .results.messages end;
    def stats(k): [ .[] | select(.label == k) ] as $runs | [ $runs[] | select(.ok) ] as $ok
        | { name: (if k == "bare" then "duet-bare-relay" else k end),
            runs: ($runs | length), passed: ($ok | length),
            cpu: ([ $ok[] | .results.daemon_cpu_seconds_per_100k // .results.daemon_cpu_ms_per_cycle ] | median),
            user: ([ $ok[] | per_unit(.results.daemon_cpu_user_seconds) ] | median),
            sys: ([ $ok[] | per_unit(.results.daemon_cpu_system_seconds) ] | median),
            rate: ([ $ok[] | .results.messages_per_second // .results.cycles_per_second ] | median),
            p50: ([ $ok[] | .results.latency.p50_ms // .results.cycle.p50_ms ] | median) };
    def what: if churn then "churn, \(.parameters.cycles // "?") cycles, 1 at once"
        else "relay, \(.parameters.rooms) rooms, window \(.parameters.window), \(.parameters.payload_bytes) B" end;
    def units: if churn then "cycles/s | **\(.) ms per cycle**" else "msg/s | **\(.) s per 100k msgs**" end;
    def row(w; unit; s; extra): "| \(w) | \(s.name) | \(s.passed)/\(s.runs) | \(s.rate | fixed(1)) \(unit | split(" | ")[0]) | "
        + "**\(s.cpu | fixed(1000))** \(if unit | startswith("cycles") then "ms/cycle" else "s/100k" end) (\(s.user | fixed(1000)) + \(s.sys | fixed(1000))) | "
        + "\(s.p50 | fixed(1000)) ms | \(extra) |";
    "| configuration | server | runs passed | rate | daemon CPU (user + sys) | p50 latency or cycle time | duetd / bare: CPU, rate |",
    "|---|---|---|---|---|---|---|",
    ( group_by([.scenario, .parameters.rooms, .parameters.window, .parameters.payload_bytes])[]
      | (.[0] | what) as $w | (.[0] | if churn then "cycles/s" else "msg/s" end) as $u
      | stats("duetd") as $d | stats("bare") as $b
      | row($w; $u; $d; "\(ratio($d.cpu; $b.cpu)), \(ratio($d.rate; $b.rate))"), row($w; $u; $b; "") )
' "$out"

echo
echo "Every run (in the order run):"
echo
echo "| # | configuration | server | rate | daemon CPU | user s | sys s | messages or cycles | ok |"
echo "|---|---|---|---|---|---|---|---|---|"
jq -s -r 'to_entries[] | .key as $i | .value
    | (.scenario == "churn") as $churn
    | "| \($i + 1) | \(if $churn then "churn" else "\(.parameters.rooms)x\(.parameters.window)x\(.parameters.payload_bytes) B" end) | \(.label) | " +
      "\(.results.messages_per_second // .results.cycles_per_second // 0 | round)\(if $churn then " cycles/s" else " msg/s" end) | " +
      "\(.results.daemon_cpu_seconds_per_100k // .results.daemon_cpu_ms_per_cycle // 0 | . * 1000 | round / 1000)\(if $churn then " ms/cycle" else " s/100k" end) | " +
      "\(.results.daemon_cpu_user_seconds // "–") | \(.results.daemon_cpu_system_seconds // "–") | \(.results.messages // .results.cycles // 0) | \(.ok) |"' "$out"

if [ -s "$perf_out" ]; then
    echo
    echo "System calls per relayed message or churn cycle (one untimed run under perf stat each; setup and teardown included):"
    echo
    echo "| configuration | server | messages or cycles | sendmsg | recvmsg | sendto | recvfrom | epoll_wait (+pwait) | all syscalls |"
    echo "|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' '{
        m = $3 > 0 ? $3 : 1
        printf "| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n",
               $1, ($2 == "bare" ? "duet-bare-relay" : "duetd"), $3, $4 / m, $5 / m, $6 / m, $7 / m, ($8 + $9) / m, $10 / m
    }' "$perf_out"
fi
echo
echo "JSON lines: $out"
exit $failed
