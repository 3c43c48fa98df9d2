#!/usr/bin/env bash
# The proxy's timeouts in config/nginx.conf against duetd's keepalive settings in
# config/duetd.toml (docs/protocol.md "Behind a reverse proxy"):
#   - the /ws location's proxy_read_timeout must be longer than idle_timeout, so a silent
#     client is dropped by duetd (close code 1001 "idle timeout") before nginx cuts the
#     connection without a close frame (the client sees 1006);
#   - it is then longer than ping_interval too, so an idle but healthy call, whose only
#     traffic is duetd's pings and the browser's pongs, is never cut;
#   - proxy_send_timeout must be longer than ping_interval: nginx also times out its
#     writes to duetd, which a healthy call only makes for pongs.
#
#   bash tests/nginx/proxy_timeouts_check.sh [NGINX_CONF [DUETD_TOML]]
#   bash tests/nginx/proxy_timeouts_check.sh --self-test
#
# Prints one "ok"/"not ok" line per rule and "N passed, M failed". --self-test runs the
# check on doctored copies and passes only if each bad copy fails it.
set -u
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)

# seconds VALUE: an nginx time ("75s", "75", "1m", "500ms") in seconds, as a decimal.
seconds() {
    local v=$1
    case "$v" in
        *ms) awk -v n="${v%ms}" 'BEGIN { print n / 1000 }' ;;
        *s) echo "${v%s}" ;;
        *m) awk -v n="${v%m}" 'BEGIN { print n * 60 }' ;;
        *h) awk -v n="${v%h}" 'BEGIN { print n * 3600 }' ;;
        *) echo "$v" ;;
    esac
}

# ws_directive CONF NAME: the value of NAME inside `location /ws { ... }` (first one).
ws_directive() {
    awk -v name="$2" '
        /^[[:space:]]*location[[:space:]]+\/ws[[:space:]]*\{/ { inside = 1; next }
        inside && /^[[:space:]]*\}/ { exit }
        inside && $1 == name { sub(/;.*/, "", $2); print $2; exit }
    ' "$1"
}

# toml_value FILE KEY: an uncommented `key = value` (value up to a comment).
toml_value() {
    sed -nE "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*([0-9.]+).*/\1/p" "$1" | head -n 1
}

check() {  # check NGINX_CONF DUETD_TOML: returns the number of failed rules
    local conf=$1 toml=$2 passed=0 failed=0
    local read send ping idle
    read=$(ws_directive "$conf" proxy_read_timeout)
    send=$(ws_directive "$conf" proxy_send_timeout)
    ping=$(toml_value "$toml" ping_interval)
    idle=$(toml_value "$toml" idle_timeout)
    read=${read:-60s}   # nginx's defaults when a directive is absent
    send=${send:-60s}
    ping=${ping:-20}    # duetd's defaults when the file leaves them out
    idle=${idle:-60}
    local read_s send_s
    read_s=$(seconds "$read")
    send_s=$(seconds "$send")
    rule() {  # rule TEXT AWK-CONDITION
        if awk "BEGIN { exit !($2) }"; then
            passed=$((passed + 1)); echo "ok - $1"
        else
            failed=$((failed + 1)); echo "not ok - $1"
        fi
    }
    rule "proxy_read_timeout ($read) > idle_timeout (${idle} s): duetd drops a silent client first, with 1001" \
         "$read_s > $idle"
    rule "proxy_read_timeout ($read) > ping_interval (${ping} s): pings keep an idle call open" "$read_s > $ping"
    rule "proxy_send_timeout ($send) > ping_interval (${ping} s)" "$send_s > $ping"
    echo "$passed passed, $failed failed"
    return "$failed"
}

if [ "${1:-}" = --self-test ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    passed=0; failed=0
    expect_failure() {  # expect_failure WHAT SED-EXPRESSION FILE
        local what=$1 expr=$2 which=$3
        cp "$repo_root/config/nginx.conf" "$tmp/nginx.conf"
        cp "$repo_root/config/duetd.toml" "$tmp/duetd.toml"
        sed -i -E "$expr" "$tmp/$which"
        if check "$tmp/nginx.conf" "$tmp/duetd.toml" >/dev/null; then
            failed=$((failed + 1)); echo "not ok - the check misses: $what"
        else
            passed=$((passed + 1)); echo "ok - the check catches: $what"
        fi
    }
    if check "$repo_root/config/nginx.conf" "$repo_root/config/duetd.toml" >/dev/null; then
        passed=$((passed + 1)); echo "ok - the shipped files pass"
    else
        failed=$((failed + 1)); echo "not ok - the shipped files pass"
    fi
    expect_failure "proxy_read_timeout 50s (below idle_timeout)" \
        '0,/proxy_read_timeout 75s;/s//proxy_read_timeout 50s;/' nginx.conf
    expect_failure "idle_timeout 90 (above proxy_read_timeout)" 's/^idle_timeout = 60/idle_timeout = 90/' duetd.toml
    expect_failure "proxy_send_timeout 10s (below ping_interval)" \
        '0,/proxy_send_timeout 75s;/s//proxy_send_timeout 10s;/' nginx.conf
    expect_failure "proxy_read_timeout in milliseconds, 30000ms" \
        '0,/proxy_read_timeout 75s;/s//proxy_read_timeout 30000ms;/' nginx.conf
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

check "${1:-$repo_root/config/nginx.conf}" "${2:-$repo_root/config/duetd.toml}"
[ $? -eq 0 ]
