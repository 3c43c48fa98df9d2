#!/usr/bin/env bash
# Installs what building duet needs, from Debian's packages; with --test also what the
# whole test suite needs (redis-server for the Redis client's tests, chromium, nginx,
# openssl for the TLS test's certificate, coturn, python3-websockets for
# bench/close_codes.py and tests/access, python3-jwt (PyJWT) for
# tests/access/pyjwt_test.sh, clang for the fuzz targets, prometheus for its promtool (no
# smaller Debian package ships it), lintian and systemd (systemd-analyze, which needs no
# running systemd) for the package test, and playwright-core from npm).
# libhiredis-dev (src/redis), help2man (duetd(8)) and dpkg-dev (cpack's shlibdeps) are
# build packages.
# Installs only what is missing, so a second run takes a second. Needs root or sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

build_packages=(cmake g++ make pkg-config libboost1.81-dev nlohmann-json3-dev libspdlog-dev
                libcli11-dev libssl-dev libhiredis-dev libgtest-dev help2man dpkg-dev)
test_packages=(chromium nginx-light openssl coturn curl iproute2 nodejs npm clang libclang-rt-14-dev
               python3-websockets python3-jwt prometheus lintian systemd redis-server)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
packages=("${build_packages[@]}")
[ $want_test -eq 1 ] && packages+=("${test_packages[@]}")
for p in "${packages[@]}"; do
    # node and npm may come from elsewhere than Debian's packages: a working command is enough.
    case "$p" in
        nodejs) command -v node >/dev/null && continue ;;
        npm) command -v npm >/dev/null && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ $want_test -eq 1 ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
    echo "install-deps: npm ci in tests/browser (playwright-core; it uses Debian's chromium)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
