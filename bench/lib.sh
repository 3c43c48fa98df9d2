# What bench/run.sh and bench/compare.sh share; sourced, not run. One fresh server per
# run (so each starts from the same RSS and no state), pinned apart from the generator,
# and the generator pointed at it with --daemon-pid so CPU and RSS come from the same
# /proc figures whichever server it is.
#
# The sourcing script sets: pin (1: use taskset), bench (the generator), out (the
# JSON-lines file), logs (a temporary folder it removes), label (may be empty), and may
# change duetd_limits. start_duetd, start_socketio and start_logged set server_pid,
# server_log and port; run_bench sets failed=1 when a run fails its checks.
# shellcheck shell=bash disable=SC2154,SC2034  # the sourcing script sets and reads the globals

die() { echo "${0##*/}: $*" >&2; exit 2; }

server_cpu=() bench_cpu=()
server_pid='' server_log='' port='' failed=0

# The server on CPU 0 and the generator on CPU 1: each has a core, and the server's CPU
# time is its own, not time it waited for the generator.
pin_cpus() {
    [ "$pin" -eq 1 ] || return 0
    command -v taskset >/dev/null || die "taskset not found (util-linux); or pass --no-pin"
    [ "$(nproc --all)" -ge 2 ] || die "pinning needs two CPUs; pass --no-pin"
    server_cpu=(taskset -c 0)
    bench_cpu=(taskset -c 1)
}

# Each connection is a descriptor in both processes: raise the soft limit to what the
# largest idle run ($1 connections) needs (root may raise the hard limit too).
raise_fd_limit() {
    local need=$(($1 + 1024))
    if [ "$(ulimit -n)" -lt "$need" ]; then
        ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
        [ "$(ulimit -n)" -ge "$need" ] || die "ulimit -n is $(ulimit -n); $1 connections need $need (raise the hard limit)"
    fi
}

# Waits until $server_pid listens. The port comes from the server's log ($1, the first
# match of the extended regex $2 ends with it) or, when the log does not say, from the
# kernel's list of listening sockets. The log must be this process's alone (start_logged
# makes a new one for each start): a log shared with an earlier run can still show that
# run's port, which nothing listens on any more. Polls for up to 60 s, as a machine
# under load may take that long to start a server.
wait_for_port() {
    local log=$1 pattern=$2 name=$3 deadline=$((SECONDS + 60))
    port=
    while [ "$SECONDS" -lt "$deadline" ]; do
        port=$(grep -Eo "$pattern" "$log" | head -1 | grep -Eo '[0-9]+$' || true)
        [ -n "$port" ] || port=$(ss -Htlnp 2>/dev/null | grep "pid=$server_pid," | awk '{print $4}' | sed 's/.*://' | head -1 || true)
        [ -n "$port" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    die "$name did not start (log: $log)"
}

# start_logged NAME PATTERN COMMAND...: starts COMMAND in the background with its output
# in a log file of its own, new for this start, and waits for its port (wait_for_port).
start_logged() {
    local name=$1 pattern=$2
    shift 2
    server_log=$(mktemp "$logs/${name//[^A-Za-z0-9_.-]/_}-XXXXXX.log")
    "$@" >"$server_log" 2>&1 &
    server_pid=$!
    wait_for_port "$server_log" "$pattern" "$name"
}

# duetd's limits, out of the way by default: the daemon's rate limit (50/s by default)
# would refuse a benchmark's traffic, and its connection and room caps are 10,000. A
# script that measures the daemon as deployed (bench/attack.sh) sets duetd_limits=().
duetd_limits=(--rate-limit-per-second 1e9 --rate-limit-burst 1e9
    --max-connections 1000000 --max-rooms 1000000 --max-http-connections 100000)

# The per-client limits (issue 11) would refuse a generator whose every connection comes
# from 127.0.0.1; added only for a binary that has them, so A/B runs against older
# binaries still start.
duetd_client_limits=(--max-connections-per-client 1000000 --max-http-connections-per-client 1000000
    --handshake-rate-per-client 1e9 --handshake-burst-per-client 1e9)

# start_duetd BINARY THREADS LOG_LEVEL [FLAG...]: the flags go after duetd_limits.
start_duetd() {
    local binary=$1 threads=$2 level=$3
    shift 3
    local extra=()
    # The help text into a variable, not a pipe into grep -q: under pipefail an early
    # grep exit would fail the pipeline with duetd's SIGPIPE.
    local help
    help=$("$binary" --help 2>/dev/null || true)
    if [ ${#duetd_limits[@]} -gt 0 ] && [[ $help == *--max-connections-per-client* ]]; then
        extra=("${duetd_client_limits[@]}")
    fi
    # The port is logged at info; below that, wait_for_port asks the kernel.
    start_logged duetd 'on port [0-9]+' "${server_cpu[@]}" "$binary" --port 0 --threads "$threads" \
        --log-level "$level" "${duetd_limits[@]}" "${extra[@]}" "$@"
}

# start_socketio FOLDER QUIET: node FOLDER/server.js (installed there with npm ci); its
# console.log goes to the log file like duetd's output, or nowhere when QUIET is 1.
start_socketio() {
    PORT=0 HOST=127.0.0.1 STATIC_DIR="$PWD/public" QUIET="$2" \
        start_logged socketio 'listening on [0-9.]+:[0-9]+' "${server_cpu[@]}" node "$1/server.js"
}

stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

# run_bench ARGS...: one generator run against the server started last.
run_bench() {
    echo "--- duet-bench $* (server pid $server_pid, port $port; load $(cut -d' ' -f1-3 /proc/loadavg))"
    if ! "${bench_cpu[@]}" "$bench" --port "$port" --daemon-pid "$server_pid" --json "$out" \
        ${label:+--label "$label"} "$@" >"$logs/bench.out" 2>&1; then
        failed=1
        tail -n 3 "$logs/bench.out"
    fi
}

# --source-addresses for N connections: about 28,000 ephemeral ports per source address
# towards one server port.
sources_for() {
    local count=$(($1 / 20000 + 1)) list=
    [ "$count" -gt 1 ] || return 0
    for i in $(seq 1 "$count"); do list+="${list:+,}127.0.0.$i"; done
    echo "--source-addresses $list"
}

# bench_args idle N | relay BYTES | churn: sets the array bench_args to the generator's
# arguments for one of run.sh's scenarios, from the sourcing script's relay_rooms,
# window, relay_seconds, cycles, churn_concurrency and large_message_first (0: none).
bench_args() {
    case "$1" in
        idle)
            bench_args=(--scenario idle --connections "$2")
            # shellcheck disable=SC2207  # sources_for prints words on purpose
            bench_args+=($(sources_for "$2"))
            [ "${large_message_first:-0}" -eq 0 ] || bench_args+=(--large-message-first "$large_message_first")
            ;;
        relay)
            bench_args=(--scenario relay --rooms "$relay_rooms" --window "$window" --payload-bytes "$2"
                --seconds "$relay_seconds") ;;
        churn) bench_args=(--scenario churn --cycles "$cycles" --concurrency "$churn_concurrency") ;;
        *) die "bench_args: no scenario '$1'" ;;
    esac
}
