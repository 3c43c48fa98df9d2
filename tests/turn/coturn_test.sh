#!/usr/bin/env bash
# End-to-end test of duetd's TURN credentials against a real coturn running
# config/coturn.conf.
#
#   bash tests/turn/coturn_test.sh --duetd build/duetd --public-dir public \
#        [--turnserver /usr/bin/turnserver] [--node node] [--keep]
#
# It starts coturn on 127.0.0.1 (tests/turn/coturn_front.sh: the shipped sample, with a
# test secret and an exception for 127.0.0.1 only), and duetd on port 0 with the same
# secret and that coturn in turn_urls. A WebSocket client joins a room and takes the
# TURN username and credential from `joined`. Then, with Debian's turnutils_uclient:
#   - duetd's credential gets two allocations, and 3 messages relayed between them come back;
#   - refused: a wrong password, an expired username (HMAC'd with the right secret), a
#     credential made with another secret;
#   - refused with 403: a valid credential relaying to 10.1.2.3 or 127.0.0.2, which the
#     sample's denied-peer-ip lines forbid (what keeps coturn from being an open relay
#     into the operator's network).
# Each check prints "ok - ..." or "not ok - ..."; the last line is "N passed, M failed".
# Exit status: 0 when everything passed, 1 when a check failed, 2 on a usage error.
# coturn and duetd are always stopped (by PID), and the run is bounded well under 60 s
# (about 10 s on an idle machine).
#
# Needs: coturn (Debian package coturn: turnserver, turnutils_uclient,
# turnutils_stunclient), Node.js >= 20 (its WebSocket client), openssl, iproute2 (ss).
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
coturn_front="$script_dir/coturn_front.sh"

duetd=""
public_dir=""
turnserver_bin="/usr/bin/turnserver"
node_bin="node"
keep=0
secret="duet-coturn-test-$RANDOM$RANDOM"

usage() {
    sed -n '5,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

tool_dir=$(dirname "$turnserver_bin")
uclient="$tool_dir/turnutils_uclient"
stunclient="$tool_dir/turnutils_stunclient"

# shellcheck source=tests/support/harness.sh
. "$script_dir/../support/harness.sh"
harness_options "--turnserver=turnserver_bin --node=node_bin" "$@"
harness_begin coturn-test
show_at_failure "coturn_front.sh stderr" "$tmp/coturn.stderr"
show_at_failure "coturn log" "$tmp/coturn/turnserver.log"

# --- prerequisites -----------------------------------------------------------------------
for f in "$duetd" "$turnserver_bin" "$uclient" "$stunclient"; do
    if [ ! -x "$f" ]; then not_ok "executable present: $f (Debian package coturn)"; finish; fi
done
if [ ! -d "$public_dir" ]; then not_ok "public dir present: $public_dir"; finish; fi
for tool in openssl ss "$node_bin"; do
    if ! command -v "$tool" >/dev/null 2>&1; then not_ok "tool present: $tool"; finish; fi
done
node_websocket_flags "$node_bin"

# --- coturn on loopback -----------------------------------------------------------------------
# coturn cannot take port 0, and with SO_REUSEPORT a taken UDP port does not even fail;
# so pick one that nothing listens on (UDP or TCP), below the kernel's ephemeral range,
# and retry with another if coturn does not answer there. (The harness's free_port is a
# TCP port from the ephemeral range: right for nginx, not for coturn.)
unused_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 10000))
        ss -Hlnu "sport = :$p" | grep -q . && continue
        ss -Hlnt "sport = :$p" | grep -q . && continue
        echo "$p"
        return 0
    done
    return 1
}

stun_answers() {  # stun_answers PORT: a STUN binding request to 127.0.0.1:PORT is answered
    timeout 2 "$stunclient" -p "$1" 127.0.0.1 2>&1 | grep -q 'UDP reflexive addr'
}

turn_port=""
for attempt in 1 2 3; do
    port=$(unused_port) || break
    bash "$coturn_front" --listen 127.0.0.1 --port "$port" --secret "$secret" --dir "$tmp/coturn" \
        --allow-peer 127.0.0.1 --turnserver "$turnserver_bin" >"$tmp/coturn.stderr" 2>&1 &
    coturn_pid=$!
    stop_at_exit "$coturn_pid"
    deadline=$((SECONDS + 10))
    while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$coturn_pid" 2>/dev/null; do
        if stun_answers "$port"; then turn_port=$port; break; fi
        sleep 0.2
    done
    [ -n "$turn_port" ] && break
    stop_pid "$coturn_pid"
    coturn_pid=""
    echo "coturn did not answer on port $port (attempt $attempt)" | note
done
if [ -z "$turn_port" ]; then
    not_ok "coturn (config/coturn.conf) answers STUN on 127.0.0.1"
    finish
fi
ok "coturn with config/coturn.conf answers STUN on 127.0.0.1:$turn_port"

# --- duetd with the same secret ------------------------------------------------------------------
turn_url="turn:127.0.0.1:$turn_port?transport=udp"
start_duetd "$duetd" "$public_dir" --turn-secret "$secret" --turn-urls "$turn_url"

# --- a credential from `joined` ----------------------------------------------------------------------
# Prints "id username credential urls" of the TURN entry of a joined, or an error.
cat >"$tmp/join.mjs" <<'EOF'
const [url, room] = process.argv.slice(2);
const fail = (why) => { console.error(why); process.exit(1); };
setTimeout(() => fail("no joined within 5 s"), 5000).unref();
const ws = new WebSocket(url);
ws.onerror = () => fail(`cannot connect to ${url}`);
ws.onopen = () => ws.send(JSON.stringify({ type: "join", room }));
ws.onmessage = (event) => {
  const m = JSON.parse(event.data);
  if (m.type !== "joined") fail(`wanted joined, got ${event.data.slice(0, 300)}`);
  const turn = (m.iceServers ?? []).find((s) => [s.urls].flat().some((u) => u.startsWith("turn:")));
  if (!turn) fail(`no TURN server in ${JSON.stringify(m.iceServers)}`);
  console.log(m.id, turn.username, turn.credential, [turn.urls].flat().join(","));
  ws.close(1000);
  process.exit(0);
};
EOF
if ! joined=$("$node_bin" "${node_flags[@]}" "$tmp/join.mjs" "ws://127.0.0.1:$duetd_port/ws" "turn-test" 2>"$tmp/join.err"); then
    not_ok "joined carries a TURN credential: $(head -c 300 "$tmp/join.err")"
    finish
fi
read -r peer_id username credential urls <<<"$joined"
expiry=${username%%:*}
now=$(date +%s)
if [ "$username" = "$expiry:$peer_id" ] && [[ "$expiry" =~ ^[0-9]+$ ]] \
   && [ "$expiry" -ge $((now + 86400 - 30)) ] && [ "$expiry" -le $((now + 86400 + 5)) ] \
   && [ "$urls" = "$turn_url" ] && [ -n "$credential" ]; then
    ok "joined carries username '<now + 86400>:<peer id>' ($username) and a credential for $urls"
else
    not_ok "joined's TURN entry: username '$username' for peer '$peer_id' (now $now), urls '$urls'"
fi

# --- turnutils_uclient against coturn ---------------------------------------------------------------
hmac() {  # hmac SECRET USERNAME: the TURN REST API password
    printf %s "$2" | openssl dgst -sha1 -hmac "$1" -binary | base64
}

run_uclient() {  # run_uclient NAME USERNAME PASSWORD [peer flags...]: output in $tmp/NAME.out
    local name=$1 user=$2 pass=$3
    shift 3
    # -c: no RTCP allocation (its reserved-port pairing fails now and then with 404 and has
    # nothing to do with credentials); -n 3: three messages per client; -v: it prints
    # "Received relay addr" for each allocation.
    timeout 20 "$uclient" -v -c -n 3 -p "$turn_port" -u "$user" -w "$pass" "$@" 127.0.0.1 \
        </dev/null >"$tmp/$name.out" 2>&1
    echo $? >"$tmp/$name.rc"
}

uclient_tail() { grep -vE 'allocate (sent|response received)' "$tmp/$1.out" | tail -n 6 | note; }

# -y: two clients, each with an allocation, sending to each other's relayed address.
run_uclient allowed "$username" "$credential" -y
relays=$(grep -cE 'Received relay addr: 127\.0\.0\.1:[0-9]+' "$tmp/allowed.out")
totals=$(grep -oE 'tot_send_msgs=[0-9]+, tot_recv_msgs=[0-9]+$' "$tmp/allowed.out" | tail -n 1)
sent=$(sed -E 's/tot_send_msgs=([0-9]+).*/\1/' <<<"$totals")
received=$(sed -E 's/.*tot_recv_msgs=([0-9]+)/\1/' <<<"$totals")
if [ "$(cat "$tmp/allowed.rc")" = 0 ] && [ "$relays" -ge 2 ] && [ -n "$sent" ] && [ "$sent" -gt 0 ] \
   && [ "$received" = "$sent" ]; then
    ok "duetd's credential gets allocations ($relays relayed addresses) and $received of $sent messages come back through them"
else
    not_ok "duetd's credential: exit $(cat "$tmp/allowed.rc"), $relays relayed addresses, '$totals'"
    uclient_tail allowed
fi

expect_refused() {  # expect_refused WHAT NAME USERNAME PASSWORD
    local what=$1 name=$2
    run_uclient "$name" "$3" "$4" -y
    if [ "$(cat "$tmp/$name.rc")" != 0 ] && grep -q 'Cannot complete Allocation' "$tmp/$name.out" \
       && ! grep -q 'Received relay addr' "$tmp/$name.out"; then
        ok "refused: $what"
    else
        not_ok "refused: $what (exit $(cat "$tmp/$name.rc"))"
        uclient_tail "$name"
    fi
}

wrong=$(hmac "$secret" "$username-x")
expect_refused "duetd's username with a wrong password" wrong_password "$username" "$wrong"
expired_user="$((now - 60)):$peer_id"
expect_refused "an expired username ($expired_user) HMAC'd with the right secret" expired \
    "$expired_user" "$(hmac "$secret" "$expired_user")"
expect_refused "duetd's username with a credential made from another secret" other_secret \
    "$username" "$(hmac "other-$secret" "$username")"

expect_forbidden_peer() {  # expect_forbidden_peer PEER_IP
    local peer=$1 name="peer_$1"
    run_uclient "$name" "$username" "$credential" -e "$peer"
    if [ "$(cat "$tmp/$name.rc")" != 0 ] && grep -q 'Received relay addr' "$tmp/$name.out" \
       && grep -q '403 (Forbidden IP)' "$tmp/$name.out"; then
        ok "a valid credential may not relay to $peer: 403 (Forbidden IP), from the sample's denied-peer-ip"
    else
        not_ok "relaying to $peer is forbidden (exit $(cat "$tmp/$name.rc"))"
        uclient_tail "$name"
    fi
}
expect_forbidden_peer 10.1.2.3
expect_forbidden_peer 127.0.0.2

finish
