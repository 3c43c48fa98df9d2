#!/usr/bin/env bash
# Quick start: installs what is missing, builds duetd, and runs it on the shipped
# config (config/duetd.toml): the call page is then at http://127.0.0.1:9980/.
# Extra arguments go to duetd, e.g.  scripts/run.sh --port 8080 --log-level debug
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDUET_BUILD_TESTS=OFF >/dev/null
cmake --build build --target duetd -j "$(nproc)"
echo "duetd: open http://127.0.0.1:9980/ in two browser tabs (Ctrl-C stops it)"
exec build/duetd --config config/duetd.toml "$@"
