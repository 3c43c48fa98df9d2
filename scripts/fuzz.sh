#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (-fsanitize=fuzzer,address,undefined)
# into build-fuzz/ and runs each for SECONDS on a copy of its seed corpus:
#   scripts/fuzz.sh TARGET SECONDS     TARGET: fuzz_frame_parser, fuzz_static_path,
#                                      fuzz_http_request, fuzz_config, or all
# Installs what is missing first (the build packages, clang, libclang-rt-14-dev). Targets
# run two at a time on a 2-core machine (DUET_FUZZ_JOBS to change it). A crash, leak,
# sanitizer report, timeout or differential disagreement fails the target; its input is
# kept in build-fuzz/artifacts/TARGET/ with a minimized copy. The repository's corpus is
# never written to. The last line is "N passed, M failed" over the targets.
set -uo pipefail
cd "$(dirname "$0")/.."

all_targets=(fuzz_frame_parser fuzz_static_path fuzz_http_request fuzz_config)
# Frames may be 64 KiB, but short inputs mutate much faster and reach the same code.
declare -A max_len=([fuzz_frame_parser]=4096 [fuzz_static_path]=1024 [fuzz_http_request]=8192 [fuzz_config]=4096)

usage() {
    echo "usage: scripts/fuzz.sh TARGET SECONDS   (TARGET: ${all_targets[*]} or all)" >&2
    exit 2
}
[ $# -eq 2 ] || usage
[[ "$2" =~ ^[1-9][0-9]*$ ]] || usage
seconds=$2
if [ "$1" = all ]; then
    targets=("${all_targets[@]}")
elif [ -n "${max_len[$1]:-}" ]; then
    targets=("$1")
else
    usage
fi

work=$(mktemp -d -t duet-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

give_up() {
    echo "fuzz: $1"
    echo "0 passed, ${#targets[@]} failed"
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

scripts/install-deps.sh || give_up "install-deps failed"
missing=()
for p in clang libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "fuzz: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        give_up "apt-get install ${missing[*]} failed"
fi

build=build-fuzz
started=$(date +%s)
echo "fuzz: building ${targets[*]} in $build/"
if ! cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER=clang++ >"$work/cmake.log" 2>&1; then
    cat "$work/cmake.log"
    give_up "configure failed"
fi
if ! cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" >"$build/build.log" 2>&1; then
    grep -E "error" -A5 "$build/build.log" | head -60
    give_up "build failed (log: $build/build.log)"
fi
echo "fuzz: built in $(($(date +%s) - started)) s"

# Leaks and every sanitizer report are failures; the sanitizer options of the caller
# (scripts/test.sh exports its own) do not apply here.
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_target() {
    local t=$1 dir=$work/$1
    mkdir -p "$dir/corpus" "$dir/tmp" "$build/artifacts/$t"
    rm -f "$build/artifacts/$t"/*
    cp -r "fuzz/corpus/$t/." "$dir/corpus/"
    local dict=()
    [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
    # TMPDIR: the targets' temporary folders, removed with $work even after a crash.
    TMPDIR=$dir/tmp "$build/$t" "$dir/corpus" "${dict[@]}" \
        -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$build/artifacts/$t/" -print_final_stats=1 >"$dir/log" 2>&1
    echo $? >"$dir/rc"
}

# Two at a time: each gets its SECONDS on a core of its own.
jobs=${DUET_FUZZ_JOBS:-2}
started=$(date +%s)
running=0
for t in "${targets[@]}"; do
    echo "fuzz: running $t for ${seconds} s (max_len ${max_len[$t]})"
    run_target "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

passed=0
failed=0
report='ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|DISAGREEMENT|^=== '
for t in "${targets[@]}"; do
    dir=$work/$t
    rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$dir/log" | tail -1)
    cov=$(grep -oE 'DONE +cov: [0-9]+' "$dir/log" | grep -oE '[0-9]+$' | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ] && ! grep -qE "$report" "$dir/log"; then
        echo "fuzz: $t: PASS ($runs runs, ${cov:-?} edges)"
        passed=$((passed + 1))
        continue
    fi
    failed=$((failed + 1))
    echo "fuzz: $t: FAIL (exit $rc)"
    # The report without the progress lines.
    grep -vE '^#[0-9]+' "$dir/log" | grep -E -A40 "$report" | head -60
    for crash in "$build/artifacts/$t"/{crash,leak,timeout,oom,slow-unit}-*; do
        [ -f "$crash" ] || continue
        echo "fuzz: $t: input kept in $crash; reproduce with: $build/$t $crash"
        # A short minimization makes the report readable.
        if TMPDIR=$dir/tmp "$build/$t" "$crash" -minimize_crash=1 -max_total_time=10 -runs=100000 \
                -exact_artifact_path="$crash.min" >"$dir/minimize.log" 2>&1 || [ -f "$crash.min" ]; then
            [ -f "$crash.min" ] && echo "fuzz: $t: minimized ($(wc -c <"$crash.min") bytes): $(od -An -c "$crash.min" | tr -s ' ' | tr -d '\n' | head -c 600)"
        fi
    done
done
echo "fuzz: ran in $(($(date +%s) - started)) s"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
