#!/usr/bin/env bash
# The Debian package and the install tree, checked as a user would meet them.
#
#   bash tests/package/package_test.sh --build BUILD_DIR [--max-exposure 2.0] [--keep]
#
# BUILD_DIR is a configured and built tree (ctest runs this after the build):
#   - `cpack -G DEB` from BUILD_DIR's CPackConfig.cmake into a temporary folder (the build
#     folder itself is not written to) gives one duet_*.deb whose control file has
#     Section, Priority, Maintainer, Homepage, Description and shared-library Depends,
#     and which marks /etc/duet/duetd.toml as a conffile;
#   - lintian reports no error (its warnings are printed, prefixed with "# "), nor the
#     absence of the hardening flags (cmake/hardening.cmake);
#   - `dpkg-deb -x` into a temporary root holds the binary, the pages, duetd(8), the
#     docs, the conffile and the unit; ROOT/usr/bin/duetd --check-config accepts
#     ROOT/etc/duet/duetd.toml with --public-dir ROOT/usr/share/duet/public, and finds
#     that folder by itself without the flag;
#   - `systemd-analyze verify` accepts the unit (ExecStart pointed at the extracted
#     binary, man pages looked up in the extracted tree), and `systemd-analyze security`
#     rates it at --max-exposure or less (the figure is printed);
#   - `cmake --install BUILD_DIR --prefix TMP` writes nothing outside TMP, and TMP/bin/duetd
#     started with only --port 0 serves the call page at /.
# Each check prints "ok - ..." or "not ok - ..."; the last line is "N passed, M failed".
# Exit status: 0 when everything passed, 1 when a check failed, 2 on a usage error.
# duetd is always stopped by PID, and a watchdog bounds the run to 100 s.
#
# Needs: cmake/cpack, dpkg-dev (dpkg-shlibdeps), lintian, systemd (systemd-analyze; no
# running systemd needed), curl.
set -u

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=""
max_exposure="2.0"
keep=0

usage() {
    sed -n '4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=${2:-}; shift 2 ;;
        --max-exposure) max_exposure=${2:-}; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[ -n "$build" ] && [ -f "$build/CPackConfig.cmake" ] || usage
build=$(cd "$build" && pwd)

# shellcheck source=tests/support/harness.sh
. "$script_dir/../support/harness.sh"
# cpack, lintian and systemd-analyze take longer than the other tests' 55 s allow.
harness_begin package-test 100

check() {  # check "what" COMMAND...: ok when COMMAND succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}

for tool in cpack dpkg-deb dpkg-shlibdeps lintian systemd-analyze curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then not_ok "tool present: $tool"; finish; fi
done

# --- the package ------------------------------------------------------------------------------
# CPack first runs the build's `preinstall` target: a no-op on a built tree.
if ! (cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/cpack") >"$tmp/cpack.log" 2>&1; then
    not_ok "cpack -G DEB builds the package"
    tail -n 20 "$tmp/cpack.log" | note
    finish
fi
debs=("$tmp"/cpack/duet_*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
    not_ok "cpack -G DEB builds one duet_VERSION_ARCH.deb"
    finish
fi
deb=${debs[0]}
ok "cpack -G DEB builds $(basename "$deb")"

control=$(dpkg-deb -f "$deb")
fields_ok=1
for field in Package Version Architecture Section Priority Maintainer Homepage Depends Description; do
    if ! grep -q "^$field: ." <<<"$control"; then
        echo "control file lacks $field" | note
        fields_ok=0
    fi
done
grep -qE '^Depends:.*libc6' <<<"$control" || { echo "Depends has no libc6 (shlibdeps)" | note; fields_ok=0; }
check "the control file has Section, Priority, Maintainer, Homepage, Description and shlibdeps' Depends" \
    test "$fields_ok" = 1
check "/etc/duet/duetd.toml is a conffile" \
    bash -c 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./conffiles | grep -qx /etc/duet/duetd.toml' _ "$deb"

# lintian exits non-zero on errors; its tags are "E: ...", "W: ...", "I: ...", "N: ...".
lintian --display-info --tag-display-limit 0 "$deb" >"$tmp/lintian.log" 2>&1
lintian_status=$?
grep -E '^[WI]: ' "$tmp/lintian.log" | note
if [ "$lintian_status" -eq 0 ] && ! grep -q '^E: ' "$tmp/lintian.log"; then
    ok "lintian reports no error ($(grep -c '^W: ' "$tmp/lintian.log") warnings)"
else
    not_ok "lintian reports no error"
    grep -vE '^[WI]: ' "$tmp/lintian.log" | note
fi
# cmake/hardening.cmake: the binary is built as Debian builds packaged C++.
if ! grep -qE 'hardening-no-(fortify-functions|bindnow|relro)' "$tmp/lintian.log"; then
    ok "lintian finds the hardening flags (fortify, relro, bindnow) in the binary"
else
    not_ok "lintian finds the hardening flags (fortify, relro, bindnow) in the binary"
    grep -E 'hardening-no' "$tmp/lintian.log" | note
fi

# --- the extracted tree -------------------------------------------------------------------------
root="$tmp/root"
if ! dpkg-deb -x "$deb" "$root"; then not_ok "dpkg-deb -x extracts the package"; finish; fi
missing=()
for f in usr/bin/duetd usr/share/duet/public/index.html usr/share/duet/public/room.html \
         usr/share/man/man8/duetd.8.gz usr/share/doc/duet/README.md usr/share/doc/duet/LICENSE \
         usr/share/doc/duet/copyright usr/share/doc/duet/changelog.gz usr/share/doc/duet/docs/protocol.md \
         usr/share/doc/duet/config/duetd.toml usr/share/doc/duet/config/nginx-tls.conf \
         etc/duet/duetd.toml lib/systemd/system/duetd.service; do
    [ -f "$root/$f" ] || missing+=("$f")
done
if [ ${#missing[@]} -eq 0 ]; then
    ok "the package holds the binary, the pages, duetd(8), the docs, the conffile and the unit"
else
    not_ok "the package holds every expected file (missing: ${missing[*]})"
fi

out=$("$root/usr/bin/duetd" --config "$root/etc/duet/duetd.toml" --check-config \
      --public-dir "$root/usr/share/duet/public" 2>&1)
check "the extracted duetd accepts the packaged /etc/duet/duetd.toml" grep -q "settings are valid" <<<"$out"
out=$("$root/usr/bin/duetd" --config "$root/etc/duet/duetd.toml" --check-config 2>&1)
if grep -qF "public_dir = \"$root/usr/share/duet/public\"" <<<"$out" && grep -q "settings are valid" <<<"$out"; then
    ok "the extracted duetd finds ROOT/usr/share/duet/public with no --public-dir"
else
    not_ok "the extracted duetd finds ROOT/usr/share/duet/public with no --public-dir"
    note <<<"$out"
fi

# --- the systemd unit -----------------------------------------------------------------------------
# verify runs ExecStart's binary check and `man duetd.8` for Documentation=: point both
# at the extracted tree.
unit_dir="$tmp/unit"
mkdir -p "$unit_dir"
sed -e "s|/usr/bin/duetd|$root/usr/bin/duetd|" -e "s|/etc/duet/duetd.toml|$root/etc/duet/duetd.toml|" \
    "$root/lib/systemd/system/duetd.service" >"$unit_dir/duetd.service"
if MANPATH="$root/usr/share/man" systemd-analyze verify "$unit_dir/duetd.service" >"$tmp/verify.log" 2>&1 \
   && ! grep -q . "$tmp/verify.log"; then
    ok "systemd-analyze verify accepts the unit"
else
    not_ok "systemd-analyze verify accepts the unit"
    note <"$tmp/verify.log"
fi
systemd-analyze security --offline=true "$unit_dir/duetd.service" >"$tmp/security.log" 2>&1
exposure=$(grep -oE 'Overall exposure level for duetd.service: [0-9.]+' "$tmp/security.log" | grep -oE '[0-9.]+$')
if [ -n "$exposure" ] && awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
    ok "systemd-analyze security rates the unit $exposure (at most $max_exposure)"
else
    not_ok "systemd-analyze security rates the unit at most $max_exposure (got '${exposure:-nothing}')"
    grep -E '✗' "$tmp/security.log" | note
fi

# --- cmake --install --------------------------------------------------------------------------------
prefix="$tmp/prefix"
if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    not_ok "cmake --install --prefix TMP"
    tail -n 20 "$tmp/install.log" | note
    finish
fi
outside=$(grep -E '^-- (Installing|Up-to-date): ' "$tmp/install.log" | sed -E 's/^-- [A-Za-z-]+: //' | grep -vF "$prefix/")
if [ -z "$outside" ]; then
    ok "cmake --install --prefix TMP writes only under TMP"
else
    not_ok "cmake --install --prefix TMP writes only under TMP"
    note <<<"$outside"
fi

# No flag but --port 0: the page must come from TMP/share/duet/public, found by the binary.
(cd "$tmp" && exec "$prefix/bin/duetd" --port 0 </dev/null >"$tmp/duetd.log" 2>&1) &
duetd_pid=$!
stop_at_exit "$duetd_pid"
wait_for_listening "$duetd_pid" "$tmp/duetd.log" 15
port=$listening_port
if [ -z "$port" ] || [ "$port" = 0 ]; then
    not_ok "TMP/bin/duetd --port 0 logs 'listening on 127.0.0.1:PORT'"
    tail -n 20 "$tmp/duetd.log" | note
    finish
fi
page=$(curl -sS --max-time 5 "http://127.0.0.1:$port/" 2>&1)
if cmp -s <(printf '%s\n' "$page") <(cat "$prefix/share/duet/public/index.html") \
   || [ "$page" = "$(cat "$prefix/share/duet/public/index.html")" ]; then
    ok "TMP/bin/duetd with no flags serves TMP/share/duet/public/index.html at /"
else
    not_ok "TMP/bin/duetd with no flags serves TMP/share/duet/public/index.html at /"
    head -n 5 <<<"$page" | note
fi
check "TMP/bin/duetd logs that it serves TMP/share/duet/public" \
    grep -qF "public_dir=$prefix/share/duet/public" "$tmp/duetd.log"
kill -TERM "$duetd_pid"
wait "$duetd_pid"
status=$?
forget_pid "$duetd_pid"
check "TMP/bin/duetd exits 0 on SIGTERM" test "$status" -eq 0

finish
