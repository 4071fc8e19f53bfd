#!/usr/bin/env bash
# bench/peers/coldstart.sh [--runs N] — flowrun's cold start on the real broker.
#
# Starts the broker (tests/kafka/broker.sh, or FLOW_BROKER_SCRIPT), puts ONE click record in a
# 1-partition topic, then N times: `flowrun run` of a filter + project app with --until-idle and
# a fresh state directory, timed from exec to exit (check the application, JIT-compile, connect,
# fetch the record, produce it, flush, checkpoint, exit). flowrun does not report the moment its
# first record is processed, so this is an upper bound of "start until the first record". Also
# timed: the same with the code cache warm (a second state directory seeded with the first one's
# code-cache/), which skips the compilation; and AOT: `flowc build` first (not timed), then
# `flowrun run APP.so` with a fresh state directory. Prints the medians.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
runs=5
[ "${1:-}" = --runs ] && runs=$2
build=${FLOW_BUILD_DIR:-$root/build}
broker_script=${FLOW_BROKER_SCRIPT:-$root/tests/kafka/broker.sh}
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-coldstart.XXXXXX")
trap 'bash "$broker_script" stop "$work/broker" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
tools=$build/bench/peers
mkdir -p "$tools"
if [ ! -x "$tools/clickgen" ] || [ bench/peers/clickgen.cpp -nt "$tools/clickgen" ]; then
  # shellcheck disable=SC2046
  g++ -O2 -std=c++17 -o "$tools/clickgen" bench/peers/clickgen.cpp $(pkg-config --cflags --libs rdkafka)
fi
bash "$broker_script" start "$work/broker" >/dev/null
b=$(cat "$work/broker/bootstrap")
"$tools/clickgen" topic "$b" one 1
echo '{"user":"u1","url":"/","bytes":4000,"ts":1767225600000}' | kcat -P -b "$b" -t one -k u1 2>/dev/null || \
  echo '{"user":"u1","url":"/","bytes":4000,"ts":1767225600000}' | kcat -P -b "$b" -t one
sed -e 's/"clicks" as json/"one" as json/' -e 's/partitions = 8/partitions = 1/' bench/peers/flow/w1.flow >"$work/app.flow"
cold=() warm=() aot=()
for i in $(seq 1 "$runs"); do
  "$tools/clickgen" topic "$b" "out-$i" 1
  sed -i "s/sink out to kafka \"[^\"]*\"/sink out to kafka \"out-$i\"/; s/OUT_TOPIC/out-$i/" "$work/app.flow"
  s=$(date +%s.%N)
  "$build/flowrun" run "$work/app.flow" --brokers "$b" --until-idle --threads 2 --state-dir "$work/s$i" \
    --app-id "cold-$i" >"$work/log" 2>&1
  e=$(date +%s.%N)
  grep -q "1 records in, 1 out\|1 record in, 1 out" "$work/log" || { echo "coldstart: unexpected output:"; cat "$work/log"; exit 1; }
  cold+=("$(echo "($e - $s) * 1000" | bc)")
  mkdir -p "$work/w$i" && cp -r "$work/s$i/code-cache" "$work/w$i/" 2>/dev/null || true
  s=$(date +%s.%N)
  "$build/flowrun" run "$work/app.flow" --brokers "$b" --until-idle --threads 2 --state-dir "$work/w$i" \
    --app-id "warm-$i" >"$work/log" 2>&1
  e=$(date +%s.%N)
  warm+=("$(echo "($e - $s) * 1000" | bc)")
  "$tools/clickgen" topic "$b" "aot-$i" 1
  sed "s/sink out to kafka \"[^\"]*\"/sink out to kafka \"aot-$i\"/" "$work/app.flow" >"$work/aot.flow"
  "$build/flowc" build "$work/aot.flow" -o "$work/aot.so" 2>/dev/null
  s=$(date +%s.%N)
  "$build/flowrun" run "$work/aot.so" --brokers "$b" --until-idle --threads 2 --state-dir "$work/a$i" \
    --app-id "aot-$i" >"$work/log" 2>&1
  e=$(date +%s.%N)
  grep -q "1 records in, 1 out\|1 record in, 1 out" "$work/log" || { echo "coldstart: unexpected AOT output:"; cat "$work/log"; exit 1; }
  aot+=("$(echo "($e - $s) * 1000" | bc)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf 'flowrun cold start to exit, one record, fresh state (compiles): median %.0f ms of %d (%s)\n' \
  "$(median "${cold[@]}")" "$runs" "$(printf '%.0f ' "${cold[@]}")"
printf 'flowrun start to exit, one record, code cache warm:           median %.0f ms of %d (%s)\n' \
  "$(median "${warm[@]}")" "$runs" "$(printf '%.0f ' "${warm[@]}")"
printf 'flowrun run APP.so (flowc build before), one record, fresh state: median %.0f ms of %d (%s)\n' \
  "$(median "${aot[@]}")" "$runs" "$(printf '%.0f ' "${aot[@]}")"
