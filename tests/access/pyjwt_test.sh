#!/usr/bin/env bash
# docs/protocol.md rule 14 with another JWT library: tokens minted by PyJWT (Debian's
# python3-jwt, the three lines docs/protocol.md shows) are accepted by a real duetd, and
# PyJWT verifies what `duetd token` prints. The secrets come from a join_secrets_file.
#   tests/access/pyjwt_test.sh --duetd PATH --public-dir DIR [--keep]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
duetd="" public_dir=""
# shellcheck source=../support/harness.sh
. "$here/../support/harness.sh"
harness_options "" "$@"
harness_begin pyjwt

python=/usr/bin/python3
if ! "$python" -c 'import jwt, websockets' 2>/dev/null; then
    not_ok "python3-jwt and python3-websockets are installed (scripts/install-deps.sh --test)"
    finish
fi

secret=$(openssl rand -hex 32)
printf '# join secrets for the PyJWT test\nk1=%s\n' "$secret" >"$tmp/secrets"
chmod 600 "$tmp/secrets"
printf 'join_secrets_file = "%s"\nrequire_token = true\n' "$tmp/secrets" >"$tmp/duetd.toml"

token=$("$duetd" token --config "$tmp/duetd.toml" --room duetd-room --ttl 10m --kid k1 2>"$tmp/token.err")
[ -n "$token" ] && ok "duetd token prints a token" || not_ok "duetd token prints a token ($(cat "$tmp/token.err"))"

"$duetd" --config "$tmp/duetd.toml" --address 127.0.0.1 --port 0 --public-dir "$public_dir" \
    </dev/null >"$tmp/duetd.log" 2>&1 &
pid=$!
stop_at_exit "$pid"
show_at_failure "duetd log" "$tmp/duetd.log"
port=""
for _ in $(seq 80); do  # up to 8 s, polling the log for the bound port
    port=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$tmp/duetd.log" 2>/dev/null | head -n 1 | sed 's/.*://')
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    not_ok "duetd starts with the secrets file and logs its port"
    finish
fi
ok "duetd listening on $port with require_token and a secrets file"

"$python" "$here/pyjwt_join.py" "$port" "$secret" "$token" >"$tmp/pyjwt.out" 2>&1
while IFS= read -r line; do
    case "$line" in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "${line#not ok - }" ;;
        *) echo "# $line" ;;
    esac
done <"$tmp/pyjwt.out"
grep -q "^ok - PyJWT verifies" "$tmp/pyjwt.out" || not_ok "pyjwt_join.py ran to its end"
if grep -qF "$secret" "$tmp/duetd.log"; then not_ok "the daemon's log never shows the secret"; else ok "the daemon's log never shows the secret"; fi
finish
