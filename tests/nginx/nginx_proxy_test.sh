#!/usr/bin/env bash
# End-to-end test of config/nginx.conf: a real duetd behind a real nginx.
#
#   bash tests/nginx/nginx_proxy_test.sh --duetd build/duetd --public-dir public \
#        [--nginx /usr/sbin/nginx] [--node node] [--keep]
#
# It starts duetd on 127.0.0.1 with port 0 and reads the bound port from its log, puts
# nginx in front of it on a free loopback port with tests/nginx/nginx_front.sh (the
# shipped config/nginx.conf, its upstream and listen lines changed; no root, no system
# paths), and then checks through nginx: the index page, /healthz, and a WebSocket exchange
# (join, otherjoin, relay with data intact in both directions, full, ping/pong).
# Each check prints "ok - ..." or "not ok - ..."; the last line is "N passed, M failed".
# Exit status: 0 when everything passed, 1 when a check failed, 2 on a usage error.
# nginx and duetd are always stopped, and the whole run is bounded well under 60 s.
#
# Needs: nginx (Debian package nginx-light or nginx), Node.js >= 20 (its WebSocket
# client, behind --experimental-websocket on Node 20), curl.
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
sample_conf="$repo_root/config/nginx.conf"
nginx_front="$script_dir/nginx_front.sh"

duetd=""
public_dir=""
nginx_bin="/usr/sbin/nginx"
node_bin="node"
keep=0

usage() {
    sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}


# shellcheck source=tests/support/harness.sh
. "$script_dir/../support/harness.sh"
harness_options "--nginx=nginx_bin --node=node_bin" "$@"
harness_begin nginx-test
show_at_failure "nginx_front.sh stderr" "$tmp/nginx.stderr"
show_at_failure "nginx error.log" "$tmp/nginx/error.log"

# --- prerequisites -----------------------------------------------------------------
for f in "$duetd" "$nginx_bin"; do
    if [ ! -x "$f" ]; then not_ok "executable present: $f"; finish; fi
done
if [ ! -d "$public_dir" ]; then not_ok "public dir present: $public_dir"; finish; fi
if [ ! -f "$sample_conf" ]; then not_ok "sample config present: $sample_conf"; finish; fi
for tool in curl "$node_bin"; do
    if ! command -v "$tool" >/dev/null 2>&1; then not_ok "tool present: $tool"; finish; fi
done
node_websocket_flags "$node_bin"
public_dir=$(cd "$public_dir" && pwd)

start_duetd "$duetd" "$public_dir"

# --- nginx in front of it, through the one renderer (tests/nginx/nginx_front.sh) ------------
if bash "$nginx_front" --upstream "$duetd_port" --listen 1 --dir "$tmp/nginx" --nginx "$nginx_bin" \
        --check >"$tmp/nginx-t.log" 2>&1; then
    ok "nginx -t accepts the rendered config/nginx.conf"
else
    not_ok "nginx -t accepts the rendered config/nginx.conf"
    note <"$tmp/nginx-t.log"
    finish
fi

# Start nginx on a free loopback port (retry if another process grabs the port).
# nginx_front.sh replaces itself with nginx, so $nginx_pid is nginx's own pid.
nginx_port=""
for attempt in 1 2 3; do
    port=$(free_port "$node_bin")
    bash "$nginx_front" --upstream "$duetd_port" --listen "$port" --dir "$tmp/nginx" --nginx "$nginx_bin" \
        --access-log </dev/null >"$tmp/nginx.stderr" 2>&1 &
    nginx_pid=$!
    stop_at_exit "$nginx_pid"
    for _ in $(seq 50); do  # up to 5 s
        if ! kill -0 "$nginx_pid" 2>/dev/null; then break; fi
        if curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/healthz" 2>/dev/null; then
            nginx_port=$port
            break
        fi
        sleep 0.1
    done
    [ -n "$nginx_port" ] && break
    stop_pid "$nginx_pid"
    nginx_pid=""
    echo "nginx did not come up on port $port (attempt $attempt)" | note
done
if [ -z "$nginx_port" ]; then
    not_ok "nginx serves on a loopback port"
    finish
fi
ok "nginx listening on 127.0.0.1:$nginx_port, proxying to duetd"
base="http://127.0.0.1:$nginx_port"

# --- HTTP through nginx ------------------------------------------------------------------
out=$(curl -sS -m 5 -o "$tmp/index.body" -w '%{http_code} %{content_type}' "$base/" 2>&1)
code=${out%% *}
ctype=${out#* }
if [ "$code" = 200 ] && [[ "$ctype" == text/html* ]]; then
    ok "GET / through nginx: 200 $ctype"
else
    not_ok "GET / through nginx: want 200 text/html, got '$out'"
fi

out=$(curl -sS -m 5 -o "$tmp/healthz.body" -w '%{http_code}' "$base/healthz" 2>&1)
if [ "$out" = 200 ] && grep -qE '"status"[[:space:]]*:[[:space:]]*"ok"' "$tmp/healthz.body"; then
    ok "GET /healthz through nginx: 200 $(head -c 200 "$tmp/healthz.body")"
else
    not_ok "GET /healthz through nginx: want 200 with \"status\":\"ok\", got $out $(head -c 200 "$tmp/healthz.body" 2>/dev/null)"
fi

# --- WebSocket through nginx ----------------------------------------------------------------
run_ws_exchange "$node_bin" "ws://127.0.0.1:$nginx_port/ws?via=nginx-test"

# The WebSocket really went through nginx: its access log records the upgrade (101).
# nginx writes the line when the tunnel closes, so allow it a moment.
seen=""
for _ in $(seq 30); do
    if grep -qE '"GET /ws[^"]*" 101 ' "$tmp/nginx/access.log" 2>/dev/null; then seen=1; break; fi
    sleep 0.1
done
if [ -n "$seen" ]; then
    ok "nginx access log shows the /ws upgrade (101)"
else
    not_ok "nginx access log shows the /ws upgrade (101)"
fi

finish
