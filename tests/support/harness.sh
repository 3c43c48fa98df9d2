# shellcheck shell=bash
# What the end-to-end shell tests share (tests/nginx/nginx_proxy_test.sh and
# nginx_tls_test.sh, tests/turn/coturn_test.sh, tests/metrics/promtool_test.sh,
# tests/package/package_test.sh): the "ok"/"not ok" counters, a private temp folder, a
# watchdog that bounds the run, duetd started on port 0, and stopping every process by
# its PID.
#
# After `harness_begin NAME [SECONDS]`: $tmp is the temp folder; each check calls ok or
# not_ok; `stop_at_exit PID` has a process stopped when the script ends; `show_at_failure
# LABEL FILE` has FILE's tail printed if a check failed; finish prints "N passed, M failed"
# and exits (0 only when nothing failed). --keep (keep=1) leaves $tmp in place.

passed=0
failed=0
keep=${keep:-0}
ok()     { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
note()   { sed 's/^/# /' >&2; }

# harness_options "EXTRA" "$@": the options every such test takes, --duetd PATH,
# --public-dir DIR (both required) and --keep, into $duetd, $public_dir and $keep; EXTRA
# names the test's own, each OPTION=VARIABLE ("--nginx=nginx_bin --node=node_bin").
# Anything else, or a missing required one, calls the test's `usage` (or says so and
# exits 2 when the test has none).
harness_options() {
    local extra=$1 pair variable
    shift
    duetd=${duetd:-} public_dir=${public_dir:-}
    while [ $# -gt 0 ]; do
        case "$1" in
            --duetd) duetd=${2:-}; shift 2 ;;
            --public-dir) public_dir=${2:-}; shift 2 ;;
            --keep) keep=1; shift ;;
            *)
                variable=""
                for pair in $extra; do
                    [ "${pair%%=*}" = "$1" ] && variable=${pair#*=}
                done
                if [ -z "$variable" ]; then
                    echo "unknown argument: $1" >&2
                    harness_usage
                fi
                printf -v "$variable" '%s' "${2:-}"
                shift 2 ;;
        esac
    done
    [ -n "$duetd" ] && [ -n "$public_dir" ] || harness_usage
}

harness_usage() {
    if declare -F usage >/dev/null; then
        usage
    fi
    echo "usage: $0 --duetd PATH --public-dir DIR [--keep]" >&2
    exit 2
}

harness_pids=()
harness_logs=()
watchdog_pid=""
stop_at_exit() { harness_pids+=("$1"); }
show_at_failure() { harness_logs+=("$1" "$2"); }

# forget_pid PID: not stopped at exit any more. For a process already waited for: by the
# exit its PID may be another process's.
forget_pid() {
    local kept=() p
    for p in "${harness_pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    harness_pids=("${kept[@]}")
}

# stop_pid PID: TERM, up to 3 s grace, then KILL; and forget it.
stop_pid() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    forget_pid "$pid"
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

harness_cleanup() {
    local i pids=("${harness_pids[@]}")
    # Last started, first stopped: nginx before the duetd behind it.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}"; done
    if [ -n "$watchdog_pid" ]; then
        kill "$watchdog_pid" 2>/dev/null
        wait "$watchdog_pid" 2>/dev/null
    fi
    if [ "$keep" = 1 ]; then
        echo "# kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}

show_logs() {
    local i
    for ((i = 0; i < ${#harness_logs[@]}; i += 2)); do
        [ -s "${harness_logs[i + 1]}" ] || continue
        echo "${harness_logs[i]} (last 30 lines):" | note
        tail -n 30 "${harness_logs[i + 1]}" | note
    done
}

finish() {
    [ "$failed" -eq 0 ] || show_logs
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && exit 0
    exit 1
}

# harness_begin NAME [SECONDS]: $tmp, the exit trap and a watchdog that ends the run
# after SECONDS (55 by default: under the minute ctest allows most of these tests).
harness_begin() {
    watchdog_seconds=${2:-55}
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-$1.XXXXXX")
    # nginx workers may run as an unprivileged user when started as root; let them
    # traverse the prefix (logs and temp files are opened by the master or created here).
    chmod 755 "$tmp"
    trap harness_cleanup EXIT
    trap 'not_ok "test interrupted (signal or $watchdog_seconds s watchdog)"; finish' INT TERM HUP
    # Hard bound on the whole run, even if something hangs. The sleep holds no inherited
    # descriptor, so a caller reading our output never waits for it.
    (
        trap 'kill "$sleep_pid" 2>/dev/null; exit 0' TERM
        sleep "$watchdog_seconds" </dev/null >/dev/null 2>&1 &
        sleep_pid=$!
        wait "$sleep_pid" && kill -TERM $$
    ) </dev/null >/dev/null 2>&1 &
    watchdog_pid=$!
}

# node_websocket_flags NODE: sets node_flags to what NODE needs for its WebSocket client
# (--experimental-websocket on Node 20), or fails the run.
node_websocket_flags() {
    node_flags=()
    [ "$("$1" -e 'process.stdout.write(typeof WebSocket)' 2>/dev/null)" = function ] && return
    node_flags=(--experimental-websocket)
    [ "$("$1" "${node_flags[@]}" -e 'process.stdout.write(typeof WebSocket)' 2>/dev/null)" = function ] && return
    not_ok "node has a WebSocket client (Node >= 20 needed)"
    finish
}

# wait_for_listening PID LOG SECONDS: sets listening_port from LOG's first line
# "listening on 127.0.0.1:PORT", waiting up to SECONDS for PID to write it; fails (with
# listening_port empty) if PID exits or the time runs out first.
wait_for_listening() {
    local pid=$1 log=$2 deadline=$((SECONDS + $3))
    listening_port=""
    while :; do
        listening_port=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$log" 2>/dev/null \
                         | head -n 1 | sed 's/.*://')
        [ -n "$listening_port" ] && return 0
        kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# start_duetd DUETD PUBLIC_DIR [FLAG...]: duetd on 127.0.0.1, port 0, with the FLAGs a
# test needs (coturn_test.sh: its TURN secret and URL); sets duetd_port from its log
# line "listening on 127.0.0.1:PORT", or fails the run.
start_duetd() {
    "$1" --address 127.0.0.1 --port 0 --public-dir "$2" "${@:3}" </dev/null >"$tmp/duetd.log" 2>&1 &
    local pid=$!
    stop_at_exit "$pid"
    show_at_failure "duetd log" "$tmp/duetd.log"
    wait_for_listening "$pid" "$tmp/duetd.log" 8
    duetd_port=$listening_port
    if [ -z "$duetd_port" ]; then
        if kill -0 "$pid" 2>/dev/null; then
            not_ok "duetd logs 'listening on 127.0.0.1:PORT' within 8 s"
        else
            wait "$pid"
            not_ok "duetd starts (it exited with status $? before listening)"
        fi
        finish
    fi
    if [ "$duetd_port" -eq 0 ]; then
        not_ok "duetd logs its bound port (it logged port 0, the requested one)"
        finish
    fi
    ok "duetd listening on 127.0.0.1:$duetd_port"
}

# free_port NODE: a loopback port that was free a moment ago (nginx may lose it to
# another process before it binds: callers retry).
free_port() {
    "$1" -e 'const s=require("net").createServer();
        s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# run_ws_exchange NODE URL [ENV...]: tests/nginx/ws_exchange.mjs against URL, its lines
# counted as checks (ENV, e.g. NODE_EXTRA_CA_CERTS=FILE, is set for node only).
run_ws_exchange() {
    local node_bin=$1 url=$2 out rc good bad
    shift 2
    out=$(env "$@" timeout 25 "$node_bin" "${node_flags[@]}" "$tests_dir/nginx/ws_exchange.mjs" "$url" \
          2>"$tmp/ws.stderr")
    rc=$?
    [ -n "$out" ] && echo "$out"
    good=$(printf '%s\n' "$out" | grep -c '^ok - ')
    bad=$(printf '%s\n' "$out" | grep -c '^not ok - ')
    passed=$((passed + good))
    failed=$((failed + bad))
    if [ "$rc" -ne 0 ]; then
        not_ok "WebSocket client finished (exit status $rc$([ "$rc" = 124 ] && echo ', timed out'))"
        note <"$tmp/ws.stderr"
    elif [ "$good" -eq 0 ]; then
        not_ok "WebSocket client ran its checks"
        note <"$tmp/ws.stderr"
    fi
}

tests_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
