#!/usr/bin/env bash
# Counts the close codes clients see when duetd closes their connection, directly and
# through nginx (issue #14): bench/close_codes.py against a real duetd, and against the
# same duetd behind a private nginx with the shipped config/nginx.conf.
#
#   bash bench/close_codes.sh --duetd PATH [--trials N] [--cases a,b,...] [--quick]
#        [--targets direct,nginx] [--public-dir DIR] [--python /usr/bin/python3]
#        [--nginx /usr/sbin/nginx] [--keep]
#
# For each case it starts a fresh duetd (port 0, with the flags the case needs, from
# `close_codes.py --plan`) and nginx in front of it (tests/nginx/nginx_front.sh), runs
# the case's trials directly and then through nginx, and stops both. The shutdown case
# ends its daemon, so it gets a new one (and a new nginx) per trial. Each case also
# prints what nginx's error log said. The end is a table with a column per target, one
# "ok"/"not ok" line per case and target (ok: every trial saw the expected code), and
# "N passed, M failed".
# --quick: 10 trials per case (about half a minute). Default: 100.
# Exit status: 0 when every case passed, 1 when one failed, 2 on a usage or set-up error.
# Needs: python3-websockets (Debian's, for /usr/bin/python3), nginx, curl.
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
client="$script_dir/close_codes.py"
front="$repo_root/tests/nginx/nginx_front.sh"

duetd=""
trials=100
cases=""
targets="direct,nginx"
public_dir="$repo_root/public"
python_bin="/usr/bin/python3"
nginx_bin="/usr/sbin/nginx"
keep=0

usage() {
    sed -n '6,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
# A set-up failure still ends with the line a test runner reads.
die() {
    echo "not ok - close_codes.sh: $*"
    echo "0 passed, 1 failed"
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --duetd) duetd=${2:-}; shift 2 ;;
        --trials) trials=${2:-}; shift 2 ;;
        --cases) cases=${2:-}; shift 2 ;;
        --quick) trials=10; shift ;;
        --targets) targets=${2:-}; shift 2 ;;
        --public-dir) public_dir=${2:-}; shift 2 ;;
        --python) python_bin=${2:-}; shift 2 ;;
        --nginx) nginx_bin=${2:-}; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) usage ;;
        *) echo "close_codes.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[ -n "$duetd" ] || usage
[[ "$trials" =~ ^[1-9][0-9]*$ ]] || die "--trials must be a positive number"
[ -x "$duetd" ] || die "no executable duetd at $duetd"
[ -d "$public_dir" ] || die "no public dir at $public_dir"
case ",$targets," in *,direct,*) want_direct=1 ;; *) want_direct=0 ;; esac
case ",$targets," in *,nginx,*) want_nginx=1 ;; *) want_nginx=0 ;; esac
[ $((want_direct + want_nginx)) -gt 0 ] || die "--targets: direct, nginx or both"
"$python_bin" -c 'import websockets' 2>/dev/null ||
    die "$python_bin cannot import websockets (apt-get install python3-websockets)"
if [ "$want_nginx" = 1 ]; then
    [ -x "$nginx_bin" ] || die "no nginx at $nginx_bin (apt-get install nginx-light)"
    command -v curl >/dev/null || die "curl not found"
fi
plan=$("$python_bin" "$client" --plan ${cases:+--cases "$cases"}) || die "no plan for --cases '$cases'"
[ -n "$plan" ] || die "no case to run"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-close-codes.XXXXXX")
results="$tmp/results.txt"
: >"$results"
duetd_pid="" duetd_port="" nginx_pid="" nginx_port="" nginx_dir="" starts=0

# stop_pid PID: TERM, then up to 5 s for it to go, then KILL.
stop_pid() {
    local pid=$1 deadline=$((SECONDS + 5))
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

stop_all() {
    stop_pid "$nginx_pid"
    stop_pid "$duetd_pid"
    nginx_pid="" duetd_pid=""
}

cleanup() {
    stop_all
    if [ "$keep" = 1 ]; then echo "# kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'die "interrupted"' INT TERM HUP

# Every client here is 127.0.0.1 (directly, or nginx): the per-client limits (issue 11)
# would refuse the trials' handshakes; lifted for a binary that has them.
client_limits=()
if [[ $("$duetd" --help 2>/dev/null || true) == *--max-connections-per-client* ]]; then
    client_limits=(--max-connections-per-client 100000 --handshake-burst-per-client 100000
        --handshake-rate-per-client 100000)
fi

# start_duetd FLAG...: a fresh duetd on a free port; sets duetd_pid and duetd_port from
# its log line "listening on 127.0.0.1:PORT" (port 0 lets the kernel pick, so no race).
start_duetd() {
    local log="$tmp/duetd-$((starts += 1)).log" deadline=$((SECONDS + 30))
    "$duetd" --address 127.0.0.1 --port 0 --public-dir "$public_dir" "${client_limits[@]}" "$@" </dev/null >"$log" 2>&1 &
    duetd_pid=$!
    duetd_port=""
    while [ "$SECONDS" -lt "$deadline" ]; do
        duetd_port=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$log" 2>/dev/null | head -n 1 | sed 's/.*://')
        [ -n "$duetd_port" ] && return 0
        kill -0 "$duetd_pid" 2>/dev/null || break
        sleep 0.05
    done
    cat "$log" >&2
    die "duetd did not log 'listening on 127.0.0.1:PORT' (flags: $*)"
}

free_port() {
    "$python_bin" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_nginx: nginx in front of the duetd started last, on a free port; the port may be
# taken between the probe and nginx's bind, so a failed start is retried on another.
start_nginx() {
    local attempt deadline
    for attempt in 1 2 3 4 5; do
        nginx_port=$(free_port)
        nginx_dir="$tmp/nginx-$((starts += 1))"
        bash "$front" --upstream "$duetd_port" --listen "$nginx_port" --dir "$nginx_dir" \
            --nginx "$nginx_bin" >"$nginx_dir.out" 2>&1 &
        nginx_pid=$!
        deadline=$((SECONDS + 15))
        while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$nginx_pid" 2>/dev/null; do
            if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$nginx_port/healthz")" = 200 ]; then
                return 0
            fi
            sleep 0.05
        done
        echo "# nginx did not come up on port $nginx_port (attempt $attempt):" >&2
        tail -n 5 "$nginx_dir.out" "$nginx_dir/error.log" 2>/dev/null | sed 's/^/#   /' >&2
        stop_pid "$nginx_pid"
        nginx_pid=""
    done
    die "nginx did not start in five attempts"
}

# nginx_log_summary: what nginx's error log said during the case, each message with its
# count (time stamps, connection numbers and addresses taken out).
nginx_log_summary() {
    [ -s "$nginx_dir/error.log" ] || return 0
    grep -E '\[(error|warn|crit|alert)\]' "$nginx_dir/error.log" |
        sed -E 's/^[0-9\/: ]+//; s/ [0-9]+#[0-9]+: (\*[0-9]+ )?/ /; s/, client: .*//' |
        sort | uniq -c | sort -rn | head -n 6 | sed 's/^ */# nginx error.log: /'
}

# run_client TARGET URL ARGS...: one close_codes.py run, its output shown and kept.
run_client() {
    local target=$1 url=$2
    shift 2
    "$python_bin" "$client" --target "$target" --url "$url" "$@" | tee -a "$results"
}

run_shared() {  # run_shared CASE TRIALS FLAG...: one daemon (and one nginx) for all trials
    local name=$1 n=$2
    shift 2
    start_duetd "$@"
    [ "$want_direct" = 0 ] || run_client direct "ws://127.0.0.1:$duetd_port/ws" --cases "$name" --trials "$n"
    if [ "$want_nginx" = 1 ]; then
        start_nginx
        run_client nginx "ws://127.0.0.1:$nginx_port/ws" --cases "$name" --trials "$n"
        nginx_log_summary
    fi
    stop_all
}

# run_own_daemon CASE TRIALS FLAG...: a daemon per trial (the case ends it); the client
# sends it SIGTERM, so the wait for its exit has a deadline and ends in stop_pid anyway.
run_own_daemon() {
    local name=$1 n=$2 target i url deadline line
    shift 2
    for target in direct nginx; do
        [ "$target" = direct ] && [ "$want_direct" = 0 ] && continue
        [ "$target" = nginx ] && [ "$want_nginx" = 0 ] && continue
        for i in $(seq "$n"); do
            start_duetd "$@"
            url="ws://127.0.0.1:$duetd_port/ws"
            if [ "$target" = nginx ]; then
                start_nginx
                url="ws://127.0.0.1:$nginx_port/ws"
            fi
            line=$("$python_bin" "$client" --target "$target" --url "$url" \
                --cases "$name" --trials 1 --daemon-pid "$duetd_pid" | tee -a "$results" | grep '^RESULT ')
            echo "$name via $target, trial $i of $n: $(sed -E 's/.*"codes": (\{[^}]*\}).*"ended_by_error": (\{[^}]*\}).*/\1, ended by error: \2/' <<<"$line")"
            deadline=$((SECONDS + 15))
            while kill -0 "$duetd_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
            [ "$target" = nginx ] && nginx_log_summary
            stop_all
        done
    done
}

echo "# close_codes.sh: $duetd, $trials trials per case, targets $targets, load $(cut -d' ' -f1-3 /proc/loadavg)"
# The plan on descriptor 3: what runs in the loop must not eat it from standard input.
while read -r name own flags <&3; do
    case_started=$SECONDS
    # shellcheck disable=SC2086  # the flags are words on purpose
    if [ "$own" = own-daemon ]; then run_own_daemon "$name" "$trials" $flags; else run_shared "$name" "$trials" $flags; fi
    echo "# $name: $((SECONDS - case_started)) s"
done 3<<<"$plan"

echo
echo "# summary ($duetd; load $(cut -d' ' -f1-3 /proc/loadavg))"
"$python_bin" "$client" --summary "$results" --targets "$targets" ${cases:+--cases "$cases"}
