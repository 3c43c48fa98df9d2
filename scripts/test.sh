#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this): installs what is
# missing, then builds and tests four times:
#   main   warnings as errors; unit, integration, smoke, real-browser, nginx, turn (coturn),
#          package (the .deb, lintian, the systemd unit, cmake --install) and bench tests
#   asan   AddressSanitizer + UndefinedBehaviorSanitizer; unit, integration, smoke
#   tsan   ThreadSanitizer; integration, smoke (the daemon's loop thread beside the tests'
#          client threads, and the calls that cross between them: stop(), gauges()). Not
#          the unit tests: they run on one thread, where TSan has nothing to find.
#   fuzz   the libFuzzer targets of fuzz/ (clang), 30 s each: scripts/fuzz.sh all 30
# Name suites to run only those:  scripts/test.sh main
# The last line is "N passed, M failed" over every test of every suite run.
set -uo pipefail
cd "$(dirname "$0")/.."

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(main asan tsan fuzz)

scripts/install-deps.sh --test || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc)
total_passed=0
total_failed=0
status=0
logs=$(mktemp -d)

# run_suite NAME DIR LABELS [CMAKE_ARG...]; $targets, when set, limits the build.
run_suite() {
    local name=$1 dir=$2 labels=$3
    shift 3
    local build_targets=()
    [ -n "${targets:-}" ] && build_targets=(--target $targets)
    echo "=== suite $name: configure and build in $dir"
    if ! cmake -S . -B "$dir" -DDUET_BUILD_TESTS=ON -DDUET_WARNINGS_AS_ERRORS=ON "$@" >"$logs/$name.cmake" 2>&1; then
        cat "$logs/$name.cmake"
        echo "=== suite $name: configure FAILED"
        total_failed=$((total_failed + 1)); status=1; return
    fi
    if ! cmake --build "$dir" -j "$jobs" "${build_targets[@]}" >"$logs/$name.build" 2>&1; then
        grep -E "error|Error" -A5 "$logs/$name.build" | head -100
        echo "=== suite $name: build FAILED"
        total_failed=$((total_failed + 1)); status=1; return
    fi
    echo "=== suite $name: ctest -L '$labels'"
    ctest --test-dir "$dir" -L "$labels" -j "$jobs" --output-on-failure --timeout 300 2>&1 | tee "$logs/$name.ctest"
    local summary passed failed
    summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$logs/$name.ctest" | tail -1)
    if [ -z "$summary" ]; then
        echo "=== suite $name: ctest printed no summary"
        total_failed=$((total_failed + 1)); status=1; return
    fi
    failed=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
    local total
    total=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$summary")
    passed=$((total - failed))
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    [ "$failed" -eq 0 ] || status=1
    echo "=== suite $name: $passed passed, $failed failed"
}

# The fuzz targets count one test each, from fuzz.sh's closing "N passed, M failed".
run_fuzz_suite() {
    echo "=== suite fuzz: scripts/fuzz.sh all 30"
    bash scripts/fuzz.sh all 30 2>&1 | tee "$logs/fuzz.log"
    local summary passed failed
    summary=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$logs/fuzz.log" | tail -1)
    if [ -z "$summary" ]; then
        echo "=== suite fuzz: fuzz.sh printed no summary"
        total_failed=$((total_failed + 1)); status=1; return
    fi
    passed=${summary%% passed*}
    failed=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$summary")
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    [ "$failed" -eq 0 ] || status=1
    echo "=== suite fuzz: $passed passed, $failed failed"
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

# Sanitizer builds: -O1 and line tables only, which compile much faster than -O2 -g and
# still give sanitizers readable stacks; and unity builds (a few sources per compiler
# run), which instantiate Asio's, Beast's and GoogleTest's templates once per batch
# instead of once per file. The main build stays one file per compile, so a source that
# forgets an #include still fails there.
sanitizer_build=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DDUET_BUILD_BENCH=OFF
                 -DCMAKE_UNITY_BUILD=ON)

for suite in "${suites[@]}"; do
    case "$suite" in
        main) run_suite main build-test "unit|integration|smoke|browser|nginx|turn|package|bench|cluster" -DDUET_SYSTEM_TESTS=ON ;;
        asan) run_suite asan build-asan "unit|integration|smoke" "-DDUET_SANITIZERS=address;undefined" "${sanitizer_build[@]}" ;;
        tsan) targets="duetd duet_integration_tests duet_protocol_tests" \
                  run_suite tsan build-tsan "integration|smoke" -DDUET_SANITIZERS=thread "${sanitizer_build[@]}" ;;
        fuzz) run_fuzz_suite ;;
        *) echo "unknown suite '$suite' (main, asan, tsan, fuzz)"; status=2 ;;
    esac
done

rm -rf "$logs"
echo "${total_passed} passed, ${total_failed} failed"
exit $status
