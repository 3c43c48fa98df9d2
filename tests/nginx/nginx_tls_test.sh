#!/usr/bin/env bash
# End-to-end test of config/nginx-tls.conf, the production configuration: a real duetd
# behind a real nginx speaking TLS with a certificate made for the run.
#
#   bash tests/nginx/nginx_tls_test.sh --duetd build/duetd --public-dir public \
#        [--nginx /usr/sbin/nginx] [--node node] [--keep]
#
# It makes a self-signed certificate for 127.0.0.1 with openssl, starts duetd on
# 127.0.0.1 with port 0 (the bound port read from its log), puts nginx in front of it with
# tests/nginx/nginx_front.sh (the shipped file; only its upstream, its two listen ports and
# its certificate paths changed) on free loopback ports, and checks:
#   - https: GET / and /healthz, with the certificate verified;
#   - the plain-HTTP port: 301 to the same URL on https, except certbot's ACME path;
#   - wss: join, relay in both directions, ping, full (tests/nginx/ws_exchange.mjs, which
#     trusts the certificate through NODE_EXTRA_CA_CERTS: verified, not skipped);
#   - /metrics: 200 from 127.0.0.1, 403 from 127.0.0.2 (Linux routes all of 127/8 to lo,
#     so a client bound to 127.0.0.2 is another address to nginx);
#   - limit_req: a burst of /ws requests from one fresh address gets 429 past the
#     configured burst, while pages from that address still load.
# Each check prints "ok - ..." or "not ok - ..."; the last line is "N passed, M failed".
# Exit status: 0 when everything passed, 1 when a check failed, 2 on a usage error.
# nginx and duetd are always stopped by PID, and the whole run is bounded well under 60 s.
#
# Needs: nginx (nginx-light is enough), openssl, curl, Node.js >= 20.
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
tls_conf="$repo_root/config/nginx-tls.conf"
nginx_front="$script_dir/nginx_front.sh"
# What the shipped file sets for WebSocket handshakes per address (limit_req
# zone=duet_ws_handshakes burst=10): with nodelay, 1 + burst pass at once.
ws_handshake_burst=10

duetd=""
public_dir=""
nginx_bin="/usr/sbin/nginx"
node_bin="node"
keep=0

usage() {
    sed -n '5,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}


# shellcheck source=tests/support/harness.sh
. "$script_dir/../support/harness.sh"
harness_options "--nginx=nginx_bin --node=node_bin" "$@"
harness_begin nginx-tls-test
show_at_failure "nginx_front.sh stderr" "$tmp/nginx.stderr"
show_at_failure "nginx error.log" "$tmp/nginx/error.log"

# --- prerequisites -----------------------------------------------------------------
for f in "$duetd" "$nginx_bin"; do
    if [ ! -x "$f" ]; then not_ok "executable present: $f"; finish; fi
done
if [ ! -d "$public_dir" ]; then not_ok "public dir present: $public_dir"; finish; fi
if [ ! -f "$tls_conf" ]; then not_ok "TLS config present: $tls_conf"; finish; fi
for tool in curl openssl "$node_bin"; do
    if ! command -v "$tool" >/dev/null 2>&1; then not_ok "tool present: $tool"; finish; fi
done
node_websocket_flags "$node_bin"
public_dir=$(cd "$public_dir" && pwd)

# --- a certificate for 127.0.0.1, made for this run ------------------------------------
cert="$tmp/cert.pem"
key="$tmp/key.pem"
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=duet-test -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' \
        -keyout "$key" -out "$cert" >"$tmp/openssl.log" 2>&1; then
    ok "openssl made a self-signed certificate for 127.0.0.1"
else
    not_ok "openssl made a self-signed certificate for 127.0.0.1"
    note <"$tmp/openssl.log"
    finish
fi

start_duetd "$duetd" "$public_dir"

# --- nginx in front of it, through the one renderer (tests/nginx/nginx_front.sh) -------
# front_args HTTP-PORT HTTPS-PORT: nginx_front.sh's arguments in $front_args. (An array,
# not a function that runs it: started in the background, a function would be a subshell
# whose PID is not nginx's.)
front_args() {
    front_args=(--conf "$tls_conf" --upstream "$duetd_port" --listen "$1" --tls-listen "$2"
                --cert "$cert" --key "$key" --dir "$tmp/nginx" --nginx "$nginx_bin")
}
front_args 1 2
if bash "$nginx_front" "${front_args[@]}" --check >"$tmp/nginx-t.log" 2>&1; then
    ok "nginx -t accepts the rendered config/nginx-tls.conf"
else
    not_ok "nginx -t accepts the rendered config/nginx-tls.conf"
    note <"$tmp/nginx-t.log"
    finish
fi

# Start nginx on two free loopback ports (retry if another process grabs one first).
# nginx_front.sh replaces itself with nginx, so $nginx_pid is nginx's own pid. nginx binds
# every listen socket before it serves any, so an https answer means both are up.
http_port=""
https_port=""
for attempt in 1 2 3; do
    port80=$(free_port "$node_bin")
    port443=$(free_port "$node_bin")
    [ "$port80" != "$port443" ] || continue
    front_args "$port80" "$port443"
    bash "$nginx_front" "${front_args[@]}" --access-log </dev/null >"$tmp/nginx.stderr" 2>&1 &
    nginx_pid=$!
    stop_at_exit "$nginx_pid"
    for _ in $(seq 100); do  # up to 10 s
        if ! kill -0 "$nginx_pid" 2>/dev/null; then break; fi
        if curl -s -o /dev/null -m 1 --cacert "$cert" "https://127.0.0.1:$port443/healthz" 2>/dev/null; then
            http_port=$port80
            https_port=$port443
            break
        fi
        sleep 0.1
    done
    [ -n "$https_port" ] && break
    stop_pid "$nginx_pid"
    echo "nginx did not come up on ports $port80 and $port443 (attempt $attempt)" | note
done
if [ -z "$https_port" ]; then
    not_ok "nginx serves https on a loopback port"
    finish
fi
ok "nginx listening on 127.0.0.1:$http_port (http) and 127.0.0.1:$https_port (https)"
base="https://127.0.0.1:$https_port"
# Every https request verifies the certificate against the one made above.
https_get() { curl -sS -m 5 --cacert "$cert" "$@"; }

# --- https ----------------------------------------------------------------------------
out=$(https_get -o "$tmp/index.body" -w '%{http_code} %{content_type}' "$base/" 2>&1)
code=${out%% *}
ctype=${out#* }
if [ "$code" = 200 ] && [[ "$ctype" == text/html* ]]; then
    ok "GET / over https (certificate verified): 200 $ctype"
else
    not_ok "GET / over https: want 200 text/html, got '$out'"
fi

out=$(https_get -o "$tmp/healthz.body" -w '%{http_code}' "$base/healthz" 2>&1)
if [ "$out" = 200 ] && grep -qE '"status"[[:space:]]*:[[:space:]]*"ok"' "$tmp/healthz.body"; then
    ok "GET /healthz over https: 200 $(head -c 200 "$tmp/healthz.body")"
else
    not_ok "GET /healthz over https: want 200 with \"status\":\"ok\", got $out $(head -c 200 "$tmp/healthz.body" 2>/dev/null)"
fi

# --- the plain-HTTP port only redirects -------------------------------------------------
# $host has no port, so the redirect names https's default port, as it does in production.
out=$(curl -sS -m 5 -o /dev/null -H 'Host: duet.example.org' -w '%{http_code} %{redirect_url}' \
      "http://127.0.0.1:$http_port/room.html?room=abc" 2>&1)
want="301 https://duet.example.org/room.html?room=abc"
if [ "$out" = "$want" ]; then
    ok "http GET /room.html?room=abc: $want"
else
    not_ok "http GET /room.html?room=abc: want '$want', got '$out'"
fi
out=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' \
      "http://127.0.0.1:$http_port/.well-known/acme-challenge/duet-test-token" 2>&1)
if [ "$out" = 404 ]; then
    ok "http /.well-known/acme-challenge/ is served from the webroot, not redirected (404 for a missing token)"
else
    not_ok "http /.well-known/acme-challenge/: want 404 from the webroot, got '$out'"
fi

# --- wss through nginx, the certificate verified --------------------------------------
run_ws_exchange "$node_bin" "wss://127.0.0.1:$https_port/ws?via=nginx-tls-test" \
    NODE_EXTRA_CA_CERTS="$cert"
# nginx writes the access log line when the tunnel closes, so allow it a moment.
seen=""
for _ in $(seq 30); do
    if grep -qE '"GET /ws[^"]*" 101 ' "$tmp/nginx/access.log" 2>/dev/null; then seen=1; break; fi
    sleep 0.1
done
if [ -n "$seen" ]; then
    ok "nginx access log shows the wss upgrade (101)"
else
    not_ok "nginx access log shows the wss upgrade (101)"
fi

# --- /metrics: this host only ------------------------------------------------------------
out=$(https_get -o "$tmp/metrics.body" -w '%{http_code}' --interface 127.0.0.1 "$base/metrics" 2>&1)
if [ "$out" = 200 ] && grep -q '^duet' "$tmp/metrics.body"; then
    ok "GET /metrics from 127.0.0.1: 200 with duet metrics"
else
    not_ok "GET /metrics from 127.0.0.1: want 200 with duet metrics, got $out $(head -c 200 "$tmp/metrics.body" 2>/dev/null)"
fi
out=$(https_get -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$base/metrics" 2>&1)
if [ "$out" = 403 ]; then
    ok "GET /metrics from 127.0.0.2 (outside): 403"
else
    not_ok "GET /metrics from 127.0.0.2 (outside): want 403, got '$out'"
fi

# --- limit_req on WebSocket handshakes --------------------------------------------------
# From an address nothing above used, so its bucket starts full: twice the burst of /ws
# requests in one curl (one connection, so fast) must see 429 past 1 + burst. They need
# not be upgrades: the zone counts every /ws request. A refill (1 per s) during the
# burst can let one or two more through, hence "some", not an exact count.
urls=()  # curl's -o applies to one URL: one per URL
for _ in $(seq $((2 * ws_handshake_burst + 2))); do urls+=(-o /dev/null "$base/ws"); done
codes=$(https_get --interface 127.0.0.3 -w '%{http_code} ' "${urls[@]}" 2>&1)
first=$(tr ' ' '\n' <<<"$codes" | head -n $((ws_handshake_burst + 1)) | tr '\n' ' ')
if [[ " $first" != *" 429 "* ]] && [[ " $codes" == *" 429 "* ]]; then
    ok "limit_req: $((2 * ws_handshake_burst + 2)) quick /ws requests from one address: the first $((ws_handshake_burst + 1)) pass, later ones get 429 ($codes)"
else
    not_ok "limit_req: want no 429 among the first $((ws_handshake_burst + 1)) /ws requests and some after, got: $codes"
fi
out=$(https_get -o /dev/null -w '%{http_code}' --interface 127.0.0.3 "$base/" 2>&1)
if [ "$out" = 200 ]; then
    ok "limit_req: that address still loads pages (200): only its handshakes were limited"
else
    not_ok "limit_req: that address still loads pages: want 200, got '$out'"
fi

finish
