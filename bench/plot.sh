#!/usr/bin/env bash
# Draws the comparison plots from a JSON-lines file that bench/compare.sh (or run.sh)
# wrote, so they can be redrawn from saved results. One line per server (and label),
# each point the median of the passing runs with those parameters:
#   bench-memory      idle: server RSS (MiB) and KiB per connection against N connections
#   bench-throughput  relay at the smallest payload: messages/s against rooms relaying
#   bench-cpu         relay at the room count with the most payload sizes: server CPU
#                     seconds per 100k messages against payload size
# Each as .svg and .png. A plot whose runs are not in the file is skipped.
#
#   bench/plot.sh RESULTS.jsonl [DIR]      DIR defaults to RESULTS without .jsonl
#
# Needs jq and gnuplot (Debian: jq, gnuplot-nox); installs them when run as root.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
fi
results=$1
dir=${2:-${results%.jsonl}}
[ -r "$results" ] || { echo "plot.sh: cannot read $results" >&2; exit 2; }

if ! command -v jq >/dev/null || ! command -v gnuplot >/dev/null; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "plot.sh: needs jq and gnuplot (apt-get install jq gnuplot-nox)" >&2
        exit 2
    fi
    echo "plot.sh: installing jq and gnuplot-nox"
    apt-get install -y -qq jq gnuplot-nox >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq jq gnuplot-nox >/dev/null; }
fi
mkdir -p "$dir"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

# Series names and medians. Each series is a gnuplot data block: its quoted name on the
# first line (the key's title), then x and y columns, then two blank lines.
common='
def median: sort | if length == 0 then null
    elif length % 2 == 1 then .[length / 2 | floor]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def series: (if (.dialect // "duet") == "socketio" then "socket.io 2 (node)" else "duetd" end)
    + (if (.label // "") != "" then ", " + .label else "" end);
def ok(scenario): [inputs | select(.ok == true and .scenario == scenario)];
def block(rows): "\"" + (.[0] | series) + "\"", rows, "", "";'

jq -rn "$common"'
ok("idle") | group_by(series)[] | block(
    group_by(.parameters.connections)[]
    | [.[0].parameters.connections, (map(.results.rss_held_kib / 1024) | median),
       (map(.results.rss_per_connection_kib) | median)] | @tsv)' <"$results" >"$data/memory.tsv"

throughput_bytes=$(jq -n '[inputs | select(.ok == true and .scenario == "relay") | .parameters.payload_bytes] | min // 0' <"$results")
throughput_window=$(jq -n --argjson bytes "$throughput_bytes" '[inputs | select(.ok == true and .scenario == "relay"
    and .parameters.payload_bytes == $bytes) | .parameters.window] | unique | map(tostring) | join(", ")' -r <"$results")
jq -rn --argjson bytes "$throughput_bytes" "$common"'
ok("relay") | map(select(.parameters.payload_bytes == $bytes)) | group_by(series)[] | block(
    group_by(.parameters.rooms)[]
    | [.[0].parameters.rooms, (map(.results.messages_per_second) | median)] | @tsv)' <"$results" >"$data/throughput.tsv"

# tics LIST-OF-NUMBERS: gnuplot xtics at exactly the values measured.
tics() { jq -rn '[inputs] | unique | map(tostring) | "(" + join(", ") + ")"'; }
memory_tics=$(jq -n 'inputs | select(.ok == true and .scenario == "idle") | .parameters.connections' <"$results" | tics)
throughput_tics=$(jq -n --argjson bytes "$throughput_bytes" 'inputs | select(.ok == true and .scenario == "relay"
    and .parameters.payload_bytes == $bytes) | .parameters.rooms' <"$results" | tics)

cpu_rooms=$(jq -n '[inputs | select(.ok == true and .scenario == "relay")] | group_by(.parameters.rooms)
    | max_by(map(.parameters.payload_bytes) | unique | length) | .[0].parameters.rooms // 0' <"$results")
cpu_tics=$(jq -n --argjson rooms "$cpu_rooms" 'inputs | select(.ok == true and .scenario == "relay"
    and .parameters.rooms == $rooms) | .parameters.payload_bytes' <"$results" | tics)
jq -rn --argjson rooms "$cpu_rooms" "$common"'
ok("relay") | map(select(.parameters.rooms == $rooms)) | group_by(series)[] | block(
    group_by(.parameters.payload_bytes)[]
    | [.[0].parameters.payload_bytes, (map(.results.daemon_cpu_seconds_per_100k) | median)] | @tsv)' <"$results" >"$data/cpu.tsv"

# The same look for every plot: duetd blue, socket.io red, socket.io variants orange and green, dashed.
style='
set datafile separator "\t"
set linetype 1 lc rgb "#1f5fa8" lw 2.5 pt 7 ps 1.2
set linetype 2 lc rgb "#c8312b" lw 2.5 pt 5 ps 1.2
set linetype 3 lc rgb "#e08a1e" lw 2 pt 9 ps 1.2 dt 2
set linetype 4 lc rgb "#2c8c3c" lw 2 pt 11 ps 1.2 dt 3
set grid lc rgb "#dddddd"
set key outside right top vertical Left reverse samplen 3 spacing 1.3
set offsets graph 0.03, graph 0.03, graph 0.12, 0
set style data linespoints
set border lc rgb "#444444"'

# render NAME HEIGHT: draws the gnuplot commands on standard input (with n, the number of
# series, and file, the data) as DIR/NAME.svg and DIR/NAME.png, 1000 pixels wide.
render() {
    local name=$1 height=$2 body file=$data/$1.tsv n
    body=$(cat)
    n=$(grep -c '^"' "$file" || true)
    if [ "$n" -eq 0 ]; then
        echo "plot.sh: no runs for $name in $results; skipped"
        return 0
    fi
    for term in svg png; do
        case $term in
            svg) setup="set terminal svg size 1000,$height dynamic font 'Helvetica,13' background rgb 'white'" ;;
            png) setup="set terminal pngcairo size 1000,$height font 'Helvetica,11' background rgb 'white'" ;;
        esac
        printf '%s\n' "$setup" "set output '$dir/bench-$name.$term'" "n = $n" "file = '$file'" "$style" "$body" |
            gnuplot
    done
    echo "plot.sh: $dir/bench-$name.svg and .png"
}

render memory 760 <<EOF
set lmargin 12
set multiplot layout 2,1 title "Idle connections, joined two by two: server memory (VmRSS)"
set xlabel "joined connections N"
set ylabel "server RSS while held (MiB)"
set yrange [0:*]
set xtics $memory_tics
plot for [i=0:n-1] file index i using 1:2 title columnheader(1)
set ylabel "RSS growth per connection (KiB)"
plot for [i=0:n-1] file index i using 1:3 title columnheader(1)
unset multiplot
EOF

render throughput 460 <<EOF
set title "Relay, $throughput_bytes-byte messages, window $throughput_window per direction: throughput"
set xlabel "rooms relaying at once (both members sending)"
set ylabel "messages delivered per second"
set logscale x
set xtics $throughput_tics
set yrange [0:*]
set format y "%.0s%c"
plot for [i=0:n-1] file index i using 1:2 title columnheader(1)
EOF

render cpu 460 <<EOF
set title "Relay, $cpu_rooms rooms: server CPU (user + system) per 100,000 messages"
set xlabel "message data size (bytes)"
set ylabel "CPU seconds per 100k messages"
set logscale x 2
set xtics $cpu_tics
set yrange [0:*]
plot for [i=0:n-1] file index i using 1:2 title columnheader(1)
EOF
