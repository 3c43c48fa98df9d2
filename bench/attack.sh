#!/usr/bin/env bash
# The attack of issue #9 against duetd as deployed: duet-bench's attack scenario in its
# variants, each run on a fresh duetd with the daemon's DEFAULT limits (rate limit 50/s,
# burst 200; no flags but --port 0 --threads 1), pinned to CPU 0, the generator on CPU 1.
# The variants alternate within each round so that all see the same machine noise.
# Prints a markdown table of medians: the bystander pair's relay round trip (p50, p99)
# with and without the attack, the attack frames sent, and the daemon's CPU. All traffic
# goes to 127.0.0.1; each run is bounded by --seconds and by the generator's frame cap.
# Builds nothing: cmake --build build --target duetd duet-bench
#
#   bench/attack.sh                          baseline, plain, escaped; 3 rounds of 10 s
#   bench/attack.sh --duetd /work/wt-base/build/duetd --runs 5
#   bench/attack.sh --variants baseline,escaped,escaped-top
#
# Variants (--variants, comma-separated):
#   baseline      no attackers: the bystander alone (--attackers 0)
#   plain         frames of "a":1 members in `data` (--plain-keys)
#   escaped       frames of "\/":1 members in `data`
#   plain-top, escaped-top
#                 the same members at the frame's top level, after type, room and data
#                 (--key-place top), where duetd looks members up
#
# Options:
#   --duetd PATH          the daemon (default build/duetd)
#   --bench PATH          the generator (default build/bench/duet-bench)
#   --runs K              rounds; the table shows medians and min-max (default 3)
#   --variants LIST       default baseline,plain,escaped
#   --attackers K         attacking connections (default 24)
#   --attack-rate R       frames per second per attacker (default 50, duetd's default limit)
#   --attack-bytes B      size of each attack frame (default 65500; duetd's limit is 65536)
#   --probe-rate R        the bystander's round trips per second (default 40)
#   --seconds S           attack time per run (default 10)
#   --daemon-flag FLAG    one more duetd flag (repeatable), e.g. --daemon-flag=--max-violations=5
#   --out FILE            JSON lines go here (default: attack-<time>.jsonl next to the generator)
#   --no-pin              do not use taskset (for a machine with one CPU)
#   --quick               1 round of 2 s: a smoke test
# Exit status: 0 when every run passed its checks, 1 otherwise, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

duetd=build/duetd
bench=build/bench/duet-bench
runs=3
variants=baseline,plain,escaped
attackers=24
attack_rate=50
attack_bytes=65500
probe_rate=40
seconds=10
daemon_flags=()
out=
pin=1
label=

# shellcheck source=bench/lib.sh
. bench/lib.sh

while [ $# -gt 0 ]; do
    case "$1" in
        --duetd) duetd=$2; shift 2 ;;
        --bench) bench=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --variants) variants=$2; shift 2 ;;
        --attackers) attackers=$2; shift 2 ;;
        --attack-rate) attack_rate=$2; shift 2 ;;
        --attack-bytes) attack_bytes=$2; shift 2 ;;
        --probe-rate) probe_rate=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --daemon-flag) daemon_flags+=("$2"); shift 2 ;;
        --daemon-flag=*) daemon_flags+=("${1#--daemon-flag=}"); shift ;;
        --out) out=$2; shift 2 ;;
        --no-pin) pin=0; shift ;;
        --quick) runs=1; seconds=2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (try --help)" ;;
    esac
done

[ -x "$duetd" ] || die "no daemon at $duetd (build it, or pass --duetd)"
[ -x "$bench" ] || die "no generator at $bench (build target duet-bench, or pass --bench)"
"$bench" --help | grep -q -- --attackers || die "$bench has no attack scenario: rebuild duet-bench"
command -v jq >/dev/null || die "jq is needed for the table"
for v in ${variants//,/ }; do
    [[ "$v" =~ ^(baseline|plain|escaped|plain-top|escaped-top)$ ]] || die "--variants: no variant '$v'"
done
[ -n "$out" ] || out="$(dirname "$bench")/attack-$(date +%Y%m%d-%H%M%S).jsonl"
: >"$out"

pin_cpus
# The daemon as deployed: its own rate limit, connection and room caps.
duetd_limits=()

logs=$(mktemp -d)
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    stop_server
    rm -rf "$logs"
}
trap cleanup EXIT

# One run of a variant on a fresh daemon, labelled with the variant's name.
run_variant() {
    local variant=$1 count=$attackers
    [ "$variant" != baseline ] || count=0
    local args=(--scenario attack --daemon-threads 1 --attackers "$count" --attack-rate "$attack_rate"
        --attack-bytes "$attack_bytes" --probe-rate "$probe_rate" --seconds "$seconds")
    case "$variant" in
        plain) args+=(--plain-keys) ;;
        plain-top) args+=(--plain-keys --key-place top) ;;
        escaped-top) args+=(--key-place top) ;;
    esac
    start_duetd "$duetd" 1 info "${daemon_flags[@]}"
    label=$variant run_bench "${args[@]}"
    stop_server
}

echo "attack.sh: $(nproc --all) CPUs; $(uptime)"
echo "attack.sh: $duetd (sha256 $(sha256sum "$duetd" | cut -c1-12)) with its default limits$([ ${#daemon_flags[@]} -eq 0 ] || echo " and ${daemon_flags[*]}")"
echo "attack.sh: $attackers attackers x $attack_rate frames/s of $attack_bytes B, bystander $probe_rate round trips/s, $seconds s per run$([ "$pin" -eq 1 ] && echo ', daemon on CPU 0, generator on CPU 1')"
read -ra order <<<"${variants//,/ }"
for round in $(seq "$runs"); do
    [ "$runs" -gt 1 ] && echo "=== round $round of $runs"
    # Rotate the order each round, so no variant always runs first (or right after
    # the heaviest).
    for i in "${!order[@]}"; do
        run_variant "${order[$(((i + round - 1) % ${#order[@]}))]}"
    done
done
echo "attack.sh: done; $(uptime)"
echo

jq -s -r --arg order "$variants" '
    def median: sort | if length == 0 then null
        elif length % 2 == 1 then .[length / 2 | floor]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def fixed(k): if . == null then "-" else (. * k | round / k | tostring) end;
    def range(f; k): [ .[] | f ] | if length == 0 then "-" else "\(min | fixed(k))–\(max | fixed(k))" end;
    def row(v): [ .[] | select(.label == v) ] as $runs | [ $runs[] | select(.ok) ] as $ok
        | ($ok | map(.results)) as $r
        | "| \(v) | \($ok | length)/\($runs | length) | "
          + "\($r | map(.rtt.p50_ms) | median | fixed(1000)) (\($r | range(.rtt.p50_ms; 1000))) | "
          + "\($r | map(.rtt.p99_ms) | median | fixed(1000)) (\($r | range(.rtt.p99_ms; 1000))) | "
          + "\($r | map(.attack_frames_sent) | median | fixed(1)) | "
          + "\($r | map(.attack_frames_per_second) | median | fixed(1)) | "
          + "\($r | map(.attack_members // 0) | median | fixed(1)) | "
          + "\($r | map(.daemon_cpu_busy * 100) | median | fixed(10))% (\($r | range(.daemon_cpu_busy * 100; 10))) | "
          + "\($r | map(.daemon_cpu_us_per_attack_frame) | median | fixed(1)) | "
          + "\($r | map(.drain_seconds) | median | fixed(100)) | "
          + "\($r | map(.probes_refused // 0) | median | fixed(1)) of \($r | map(.probes + (.probes_refused // 0)) | median | fixed(1)) |"
          + (if ($ok | length) < ($runs | length) then " failed: \([ $runs[] | select(.ok | not) | .failure ][0])" else "" end);
    "| variant | runs passed | bystander RTT p50, ms (min–max) | RTT p99, ms (min–max) | attack frames sent | attack frames/s | members per frame | daemon CPU during the attack (min–max) | daemon µs per attack frame | drain after, s | bystander messages refused (rate_limited) |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ( . as $all | $order | split(",")[] | . as $v | $all | row($v) )
' "$out"
echo
echo "JSON lines: $out"
exit "$failed"
