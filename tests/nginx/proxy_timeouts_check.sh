#!/usr/bin/env bash
# The proxy's timeouts in the shipped nginx configurations against duetd's
# keepalive settings in config/duetd.toml (docs/protocol.md section 13): nginx ends an upgraded connection
# when neither side sent anything for proxy_read_timeout (it re-arms its timers on every
# event of either connection). In an idle but healthy call the only traffic is duetd's
# ping every ping_interval and the browser's pong, so the /ws location's
# proxy_read_timeout must be at least twice ping_interval (a late ping must not end a
# call). duetd then decides when a silent client is gone (idle_timeout), with a close
# frame (1001): tests/integration/proxy_timing_test.cpp shows both live.
#
#   bash tests/nginx/proxy_timeouts_check.sh [NGINX_CONF [DUETD_TOML]]
#   bash tests/nginx/proxy_timeouts_check.sh --self-test
#
# Without arguments it checks every shipped configuration. The /ws location lives in
# config/snippets/duet-locations.conf, which both include: an `include snippets/NAME;`
# is read from the configuration's folder, or from its parent (where nginx finds it for
# /etc/nginx/conf.d/duet.conf).
# Prints one "ok"/"not ok" line per rule and "N passed, M failed". --self-test runs the
# check on doctored copies and passes only if each bad copy fails it.
set -u
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
# The shipped nginx configurations (in config/), each checked on its own.
shipped_confs=(nginx.conf nginx-tls.conf)

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

# with_snippets CONF: CONF with each `include snippets/NAME;` replaced by that file.
with_snippets() {
    local conf=$1 here line name
    here=$(cd "$(dirname "$conf")" && pwd)
    while IFS= read -r line; do
        name=$(sed -nE 's/^[[:space:]]*include[[:space:]]+(snippets\/[^;[:space:]]+);.*/\1/p' <<<"$line")
        if [ -z "$name" ]; then
            printf '%s\n' "$line"
        elif [ -f "$here/$name" ]; then
            cat "$here/$name"
        elif [ -f "$here/../$name" ]; then
            cat "$here/../$name"
        else
            echo "proxy_timeouts_check.sh: $conf includes $name, not found" >&2
        fi
    done <"$conf"
}

# ws_directive CONF NAME: the value of NAME inside `location /ws { ... }` (first one).
ws_directive() {
    with_snippets "$1" | awk -v name="$2" '
        /^[[:space:]]*location[[:space:]]+\/ws[[:space:]]*\{/ { inside = 1; next }
        inside && /^[[:space:]]*\}/ { exit }
        inside && $1 == name { sub(/;.*/, "", $2); print $2; exit }
    '
}

# toml_value FILE KEY: an uncommented `key = value` (value up to a comment).
toml_value() {
    sed -nE "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*([0-9.]+).*/\1/p" "$1" | head -n 1
}

check() {  # check NGINX_CONF DUETD_TOML: returns the number of failed rules
    local conf=$1 toml=$2 passed=0 failed=0
    local read ping
    read=$(ws_directive "$conf" proxy_read_timeout)
    ping=$(toml_value "$toml" ping_interval)
    read=${read:-60s}   # nginx's default when the directive is absent
    ping=${ping:-20}    # duetd's default when the file leaves it out
    local read_s
    read_s=$(seconds "$read")
    rule() {  # rule TEXT AWK-CONDITION
        if awk "BEGIN { exit !($2) }"; then
            passed=$((passed + 1)); echo "ok - $1"
        else
            failed=$((failed + 1)); echo "not ok - $1"
        fi
    }
    rule "$(basename "$conf"): proxy_read_timeout ($read) >= 2 x ping_interval (${ping} s): pings keep an idle call open" \
         "$read_s >= 2 * $ping"
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
        mkdir -p "$tmp/snippets"
        cp "$repo_root/config/snippets/duet-locations.conf" "$tmp/snippets/"
        cp "$repo_root/config/duetd.toml" "$tmp/duetd.toml"
        sed -i -E "$expr" "$tmp/$which"
        if check "$tmp/nginx.conf" "$tmp/duetd.toml" >/dev/null; then
            failed=$((failed + 1)); echo "not ok - the check misses: $what"
        else
            passed=$((passed + 1)); echo "ok - the check catches: $what"
        fi
    }
    for shipped in "${shipped_confs[@]}"; do
        if check "$repo_root/config/$shipped" "$repo_root/config/duetd.toml" >/dev/null; then
            passed=$((passed + 1)); echo "ok - the shipped $shipped passes"
        else
            failed=$((failed + 1)); echo "not ok - the shipped $shipped passes"
        fi
    done
    expect_failure "proxy_read_timeout 30s (below twice ping_interval)" \
        '0,/proxy_read_timeout 75s;/s//proxy_read_timeout 30s;/' snippets/duet-locations.conf
    expect_failure "ping_interval 40 (more than half of proxy_read_timeout)" \
        's/^ping_interval = 20/ping_interval = 40/' duetd.toml
    expect_failure "proxy_read_timeout in milliseconds, 30000ms" \
        '0,/proxy_read_timeout 75s;/s//proxy_read_timeout 30000ms;/' snippets/duet-locations.conf
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

if [ $# -gt 0 ]; then
    check "$1" "${2:-$repo_root/config/duetd.toml}"
    exit
fi
status=0
for shipped in "${shipped_confs[@]}"; do
    check "$repo_root/config/$shipped" "$repo_root/config/duetd.toml" || status=1
done
exit "$status"
