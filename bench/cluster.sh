#!/usr/bin/env bash
# Two duetd nodes sharing rooms through Redis beside one (issue 13's "Speed"): relay and
# churn with each room's first member on node 1 and its second on node 2 (cross-node),
# with both on node 1 while node 2 idles (same node), and against the single in-memory
# daemon (no cluster_redis_url). CPU is counted over node 1 + node 2 + redis-server in
# both cluster setups (the daemon alone for the single one), and the table gives each
# process's share and the cross-node figures against the same-node ones. Builds nothing:
#   cmake -S . -B build -DDUET_BUILD_BENCH=ON && cmake --build build --target duetd duet-bench
#
#   bench/cluster.sh                 relay 250 B and 4 KB (loaded), relay 250 B one at a time, churn
#   bench/cluster.sh --quick         a smoke run of the whole path (about a minute)
#   bench/cluster.sh --runs 3 --out results.jsonl
#
# It starts its own redis-server (Debian's) on a free loopback port, with no persistence,
# in a temporary folder, and stops it at exit. Each run gets fresh nodes under a cluster
# name of its own, so nothing is left from the run before.
#
# Pinning (2 CPUs): every server process (both nodes, redis-server, or the single
# daemon) on CPU 0, the generator on CPU 1, as in run.sh. The servers' CPU is then what
# they spent, not time spent waiting for the generator; on one core a cross-node message
# also waits for the scheduler to switch between node 1, redis-server and node 2, which
# is part of what it adds to latency here.
#
# Options:
#   --duetd PATH          the daemon (default build/duetd)
#   --bench PATH          the generator (default build/bench/duet-bench)
#   --redis-server PATH   default: redis-server from PATH
#   --out FILE            JSON lines go here (default: cluster-<time>.jsonl next to the generator)
#   --runs K              run each scenario and setup K times; the table shows medians (default 1)
#   --only LIST           some of relay,latency,churn (default all three); latency is relay
#                         with one room and one message in flight, where p50 is the path's own
#   --setups LIST         some of cross,same,single (default all three)
#   --relay-rooms R       rooms relaying at once (default 50)
#   --window W            relay messages in flight per direction (default 8)
#   --relay-seconds S     per payload size (default 5)
#   --payloads LIST       relay data sizes in bytes (default 250,4096)
#   --cycles C            churn cycles (default 2000)
#   --threads T           duetd --threads (default 1)
#   --daemon-log-level L  duetd --log-level (default info)
#   --no-pin              do not use taskset
#   --quick               small sizes: a smoke test of the whole path
# Exit status: 0 when every run passed its checks, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

duetd=build/duetd
bench=build/bench/duet-bench
redis="redis-server"
out=
runs=1
only=relay,latency,churn
setups=cross,same,single
relay_rooms=50
window=8
relay_seconds=5
payloads=250,4096
cycles=2000
churn_concurrency=1
threads=1
log_level=info
pin=1

# shellcheck source=bench/lib.sh
. bench/lib.sh

while [ $# -gt 0 ]; do
    case "$1" in
        --duetd) duetd=$2; shift 2 ;;
        --bench) bench=$2; shift 2 ;;
        --redis-server) redis=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --setups) setups=$2; shift 2 ;;
        --relay-rooms) relay_rooms=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --relay-seconds) relay_seconds=$2; shift 2 ;;
        --payloads) payloads=$2; shift 2 ;;
        --cycles) cycles=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --daemon-log-level) log_level=$2; shift 2 ;;
        --no-pin) pin=0; shift ;;
        --quick) relay_rooms=10; relay_seconds=2; cycles=300; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
done

[ -x "$duetd" ] || die "no daemon at $duetd (build it, or pass --duetd)"
[ -x "$bench" ] || die "no generator at $bench (build target duet-bench, or pass --bench)"
command -v "$redis" >/dev/null || die "no $redis (apt-get install redis-server, or pass --redis-server)"
command -v curl >/dev/null || die "curl not found (it asks each node's /healthz)"
[ -n "$out" ] || out="$(dirname "$bench")/cluster-$(date +%Y%m%d-%H%M%S).jsonl"
: >"$out"

pin_cpus
raise_fd_limit 1000

logs=$(mktemp -d)
redis_pid='' redis_port=''
node_pids=() node_ports=()

stop_nodes() {
    local pid
    for pid in "${node_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${node_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    node_pids=() node_ports=()
}

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    stop_nodes
    stop_server
    if [ -n "$redis_pid" ]; then
        kill -TERM "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
    rm -rf "$logs"
}
trap cleanup EXIT

# redis-server on a loopback port nothing listens on, in a folder of its own, with no
# persistence. A port taken between the look and the bind makes redis-server exit: then
# another port is tried.
start_redis() {
    local candidate deadline
    for _ in 1 2 3 4 5 6 7 8; do
        candidate=$((20000 + RANDOM % 30000))
        ss -Htln "sport = :$candidate" 2>/dev/null | grep -q . && continue
        mkdir -p "$logs/redis"
        "${server_cpu[@]}" "$redis" --bind 127.0.0.1 --port "$candidate" --save '' --appendonly no \
            --dir "$logs/redis" --daemonize no --logfile "$logs/redis/redis.log" &
        redis_pid=$!
        deadline=$((SECONDS + 30))
        while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$redis_pid" 2>/dev/null; do
            if grep -q 'Ready to accept connections' "$logs/redis/redis.log" 2>/dev/null; then
                redis_port=$candidate
                return 0
            fi
            sleep 0.1
        done
        kill -TERM "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
        redis_pid=
    done
    cat "$logs/redis/redis.log" >&2 2>/dev/null || true
    die "redis-server did not start"
}

# Waits until http://127.0.0.1:$1/healthz says "status":"ok" (a node that has not
# reached Redis says "degraded").
wait_healthy() {
    local port=$1 deadline=$((SECONDS + 60)) body=
    while [ "$SECONDS" -lt "$deadline" ]; do
        body=$(curl -s --max-time 2 "http://127.0.0.1:$port/healthz" || true)
        [[ $body == *'"status":"ok"'* ]] && return 0
        sleep 0.1
    done
    die "node on port $port is not healthy: '$body' (log: $server_log)"
}

cluster_runs=0

# start_nodes: two fresh duetd nodes in a cluster of their own name, both healthy.
start_nodes() {
    cluster_runs=$((cluster_runs + 1))
    local name="bench$$-$cluster_runs" k
    for k in 1 2; do
        start_duetd "$duetd" "$threads" "$log_level" --admin-port 0 \
            --cluster-redis-url "redis://127.0.0.1:$redis_port/0" --cluster-name "$name"
        node_pids+=("$server_pid") node_ports+=("$port")
        # The nodes are stopped by stop_nodes, not stop_server.
        server_pid=
    done
    for k in 0 1; do wait_healthy "${node_ports[$k]}"; done
}

# run_setup SETUP ARGS...: one generator run on fresh servers.
#   cross:  first members on node 1, second on node 2; CPU of node 1 + node 2 + redis
#   same:   both members on node 1, node 2 idle; CPU of node 1 + node 2 + redis
#   single: one duetd without a cluster; CPU of the daemon
run_setup() {
    local setup=$1
    shift
    local args=() name=
    case "$setup" in
        cross|same)
            start_nodes
            args=(--port "${node_ports[0]}" --daemon-pid "${node_pids[0]}"
                --also-pid "${node_pids[1]}" --also-pid "$redis_pid")
            if [ "$setup" = cross ]; then
                args+=(--port-b "${node_ports[1]}")
                name="cross-node"
            else
                name="same node"
            fi
            ;;
        single)
            start_duetd "$duetd" "$threads" "$log_level"
            args=(--port "$port" --daemon-pid "$server_pid")
            name="single daemon"
            ;;
        *) die "no setup '$setup' (cross, same or single)" ;;
    esac
    echo "--- $name: duet-bench $* (load $(cut -d' ' -f1-3 /proc/loadavg))"
    if ! "${bench_cpu[@]}" "$bench" "${args[@]}" --daemon-threads "$threads" --json "$out" --label "$name" \
        "$@" >"$logs/bench.out" 2>&1; then
        failed=1
        tail -n 3 "$logs/bench.out"
    fi
    stop_nodes
    stop_server
}

start_redis
echo "cluster.sh: $(nproc --all) CPUs; $(uptime)"
# A warm-up, not recorded: one cross-node relay with one message in flight, so Redis has
# the nodes' Lua scripts cached before anything is measured. On a Redis without them, a
# node's first EVALSHAs are answered NOSCRIPT and resent as EVAL, and a message sent
# behind them can overtake them (a daemon bug, docs/benchmarks.md "Cluster"); with one
# message in flight per direction nothing can overtake.
if [[ ",$setups," == *,cross,* ]]; then
    keep_out=$out
    out=$logs/warm-up.jsonl
    run_setup cross --scenario relay --rooms 1 --window 1 --payload-bytes 250 --seconds 1
    out=$keep_out
    [ "$failed" -eq 0 ] || die "the warm-up run failed"
fi
echo "cluster.sh: redis-server $("$redis" --version | grep -Eo 'v=[0-9.]+') on port $redis_port (pid $redis_pid);" \
    "duetd --threads $threads$([ "$pin" -eq 1 ] && echo '; servers on CPU 0, generator on CPU 1')"
for round in $(seq "$runs"); do
    [ "$runs" -gt 1 ] && echo "=== round $round of $runs"
    if [[ ",$only," == *,relay,* ]]; then
        for bytes in ${payloads//,/ }; do
            bench_args relay "$bytes"
            for setup in ${setups//,/ }; do run_setup "$setup" "${bench_args[@]}"; done
        done
    fi
    if [[ ",$only," == *,latency,* ]]; then
        for setup in ${setups//,/ }; do
            run_setup "$setup" --scenario relay --rooms 1 --window 1 --payload-bytes 250 --seconds "$relay_seconds"
        done
    fi
    if [[ ",$only," == *,churn,* ]]; then
        bench_args churn
        for setup in ${setups//,/ }; do run_setup "$setup" "${bench_args[@]}"; done
    fi
done
echo "cluster.sh: done; $(uptime)"
echo
"$bench" --cluster-table "$out"
echo
echo "JSON lines: $out"
exit "$failed"
