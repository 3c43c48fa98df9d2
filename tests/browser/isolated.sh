#!/usr/bin/env bash
# Runs the browser suite inside a network namespace of its own, so that no test packet
# can reach any host but this one. Chromium does not offer loopback ICE candidates, so
# the namespace gets a veth pair with two addresses (10.77.0.1, 10.77.0.2) that exist
# only inside it: the media of the test calls flows there, duetd listens on the
# namespace's own 127.0.0.1, and nothing is routed out (the namespace has no route out).
# Without root (or without unshare/ip), the suite runs as it is, and says so.
#   bash tests/browser/isolated.sh --duetd build/duetd --public-dir public
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
    exec unshare --net bash -c '
        set -e
        ip link set lo up
        ip link add duet-a type veth peer name duet-b
        ip addr add 10.77.0.1/24 dev duet-a
        ip addr add 10.77.0.2/24 dev duet-b
        ip link set duet-a up
        ip link set duet-b up
        exec node "$0" "$@"' "$here/run.mjs" "$@"
fi
echo "# not root: running without a private network namespace (media uses this host's own addresses)"
exec node "$here/run.mjs" "$@"
