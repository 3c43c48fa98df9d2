#!/usr/bin/env bash
# The /metrics page of a real duetd passes `promtool check metrics` (Debian's prometheus
# package): the exposition format, HELP and TYPE for every family, and Prometheus's naming
# lints (counters end in _total, base units). It is read from the admin listener
# (--admin-address), which also shows that the public port then answers /metrics with 404.
#   tests/metrics/promtool_test.sh --duetd PATH --public-dir DIR [--keep]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
duetd="" public_dir=""
# shellcheck source=../support/harness.sh
. "$here/../support/harness.sh"
harness_options "" "$@"
harness_begin promtool

if ! command -v promtool >/dev/null; then
    not_ok "promtool is installed (apt-get install prometheus; scripts/install-deps.sh --test does)"
    finish
fi
ok "promtool: $(promtool --version 2>&1 | head -n 1)"

"$duetd" --address 127.0.0.1 --port 0 --admin-address 127.0.0.1 --admin-port 0 --public-dir "$public_dir" \
    </dev/null >"$tmp/duetd.log" 2>&1 &
duetd_pid=$!
stop_at_exit "$duetd_pid"
show_at_failure "duetd log" "$tmp/duetd.log"
# The public listener is bound first, so it is logged first; the admin one second.
ports=()
for _ in $(seq 80); do  # up to 8 s
    mapfile -t ports < <(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$tmp/duetd.log" 2>/dev/null | sed 's/.*://')
    [ ${#ports[@]} -ge 2 ] && break
    kill -0 "$duetd_pid" 2>/dev/null || break
    sleep 0.1
done
if [ ${#ports[@]} -lt 2 ]; then
    not_ok "duetd logs two listeners (public and admin) within 8 s"
    finish
fi
public_port=${ports[0]} admin_port=${ports[1]}
ok "duetd listening on $public_port, admin on $admin_port"

# Some traffic first, so that the page holds more than zeros.
curl -sS -o /dev/null "http://127.0.0.1:$public_port/" && curl -sS -o /dev/null "http://127.0.0.1:$public_port/nope"

status=$(curl -sS -o "$tmp/metrics.txt" -w '%{http_code}' "http://127.0.0.1:$admin_port/metrics")
[ "$status" = 200 ] && ok "admin /metrics answers 200" || not_ok "admin /metrics answers 200 (got $status)"
show_at_failure "the /metrics page" "$tmp/metrics.txt"
for family in duet_build_info process_resident_memory_bytes process_virtual_memory_bytes process_cpu_seconds_total \
              process_open_fds process_max_fds process_start_time_seconds duet_accept_failures_total \
              duet_ws_handshake_failures_total; do
    grep -qE "^$family(\{| )" "$tmp/metrics.txt" && ok "the page has $family" || not_ok "the page has $family"
done

if promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.out" 2>&1; then
    ok "promtool check metrics: clean"
else
    not_ok "promtool check metrics: clean"
fi
[ -s "$tmp/promtool.out" ] && note <"$tmp/promtool.out"
# promtool exits 0 on lint warnings of some versions: any output is a complaint.
[ -s "$tmp/promtool.out" ] && not_ok "promtool printed nothing" || ok "promtool printed nothing"

status=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$public_port/metrics")
[ "$status" = 404 ] && ok "public /metrics answers 404 with an admin listener" \
                    || not_ok "public /metrics answers 404 with an admin listener (got $status)"
status=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$public_port/healthz")
[ "$status" = 200 ] && ok "public /healthz still answers 200" || not_ok "public /healthz still answers 200 (got $status)"

finish
