#!/usr/bin/env bash
# Runs a private coturn with the shipped config/coturn.conf: the one way every test puts
# a TURN server next to duetd.
#
#   bash tests/turn/coturn_front.sh --listen IP --port PORT --secret S --dir DIR \
#        [--allow-peer IP]... [--turnserver /usr/bin/turnserver] [--check]
#
# It renders DIR/turnserver.conf from the sample with only these lines changed:
# listening-ip and relay-ip (IP), listening-port (PORT), static-auth-secret (S), log-file
# and pidfile (under DIR); and, for each --allow-peer, an allowed-peer-ip line: the
# sample denies every private and loopback range, and a test relays between its own
# private addresses, so it must name exactly those as exceptions. An exception on
# 127.0.0.0/8 also needs allow-loopback-peers (coturn refuses loopback peers before it
# reads its allow and deny lists), added only then. userdb points into DIR, so no
# system path is touched. Then it replaces itself with turnserver in the foreground, so
# the caller's child IS turnserver: stop it with SIGTERM. Its log is DIR/turnserver.log.
# --check renders and exits 0 (coturn has no config test mode; the caller's readiness
# probe is the check).
# coturn sets SO_REUSEPORT on its UDP listeners, so a port another coturn already holds
# does not fail: pick a port nothing listens on (see coturn_test.sh).
# Exit status 2: usage error or a sample whose shape changed (see render below).
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sample_conf="$script_dir/../../config/coturn.conf"

listen=""
port=""
secret=""
dir=""
turnserver_bin="/usr/bin/turnserver"
check=0
allow=()

usage() {
    sed -n '6,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --listen) listen=${2:-}; shift 2 ;;
        --port) port=${2:-}; shift 2 ;;
        --secret) secret=${2:-}; shift 2 ;;
        --dir) dir=${2:-}; shift 2 ;;
        --allow-peer) allow+=("${2:-}"); shift 2 ;;
        --turnserver) turnserver_bin=${2:-}; shift 2 ;;
        --check) check=1; shift ;;
        -h|--help) usage ;;
        *) echo "coturn_front.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[[ "$listen" =~ ^[0-9a-fA-F.:]+$ ]] && [[ "$port" =~ ^[0-9]+$ ]] && [ -n "$dir" ] || usage
# The secret goes into a sed replacement and a config line: keep it to plain characters.
[[ "$secret" =~ ^[A-Za-z0-9_.+/=-]+$ ]] || usage
mkdir -p "$dir" || exit 2
dir=$(cd "$dir" && pwd)

# Exactly one of each line to change is expected in the sample; anything else means the
# sample changed shape and this renderer must change with it.
for key in listening-ip relay-ip listening-port static-auth-secret log-file pidfile; do
    count=$(grep -cE "^$key=" "$sample_conf")
    if [ "$count" != 1 ]; then
        echo "coturn_front.sh: config/coturn.conf has $count line(s) '$key=...' (expected 1)" >&2
        exit 2
    fi
done
{
    sed -E \
        -e "s|^listening-ip=.*|listening-ip=$listen|" \
        -e "s|^relay-ip=.*|relay-ip=$listen|" \
        -e "s|^listening-port=.*|listening-port=$port|" \
        -e "s|^static-auth-secret=.*|static-auth-secret=$secret|" \
        -e "s|^log-file=.*|log-file=$dir/turnserver.log|" \
        -e "s|^pidfile=.*|pidfile=$dir/turnserver.pid|" \
        "$sample_conf"
    echo
    echo "# Added by tests/turn/coturn_front.sh for this test only."
    echo "userdb=$dir/turndb"
    loopback=0
    for ip in "${allow[@]}"; do
        echo "allowed-peer-ip=$ip"
        [[ "$ip" == 127.* ]] && loopback=1
    done
    if [ "$loopback" = 1 ]; then echo "allow-loopback-peers"; fi
} >"$dir/turnserver.conf" || exit 2

[ "$check" = 1 ] && exit 0
exec "$turnserver_bin" -c "$dir/turnserver.conf" </dev/null
