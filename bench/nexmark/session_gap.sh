#!/usr/bin/env bash
# bench/nexmark/session_gap.sh — where flow's and Flink's session windows part: bids exactly the
# gap apart. Runs q11 (sessions per bidder, 10 s gap) of both systems on four bids of one bidder
# at 0 s, 10 s, 30 s and 39.999 s (and a sentinel at 200 s), on a real broker, and prints both
# outputs. flow opens a new session at 10 s (a bid joins a session it is less than the gap away
# from); Flink merges the first two (its session windows merge windows that touch). Both agree
# on 30 s and 39.999 s. Needs what run.sh needs, and kcat; run run.sh once first (its tools and
# Flink's jars).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${FLOW_BUILD_DIR:-$root/build}
tools=$build/bench/nexmark
lib=${XDG_CACHE_HOME:-$HOME/.cache}/flow/bench/flink-2.2.0/lib
[ -x "$tools/nexmarkgen" ] && [ -f "$lib/.complete" ] || { echo "session_gap.sh: run bench/nexmark/run.sh once first" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/nexmark-gap.XXXXXX")
trap 'bash tests/kafka/broker.sh stop "$w/broker" >/dev/null 2>&1 || true; rm -rf "$w"' EXIT
bash tests/kafka/broker.sh start "$w/broker" >/dev/null
brokers=$(cat "$w/broker/bootstrap")
"$tools/clickgen" topic "$brokers" nexmark-bid 8
for s in flow flink; do "$tools/clickgen" topic "$brokers" "out-$s" 8; done
t0=1767225600000
for t in $t0 $((t0 + 10000)) $((t0 + 30000)) $((t0 + 39999)) $((t0 + 200000)); do
  bidder=5; [ "$t" -eq $((t0 + 200000)) ] && bidder=0
  echo "1000|{\"auction\":1000,\"bidder\":$bidder,\"price\":1,\"channel\":\"Google\",\"url\":\"u\",\"dateTime\":$t,\"extra\":\"\"}"
done | kcat -P -b "$brokers" -t nexmark-bid -K '|' -p 0
sed 's/OUT_TOPIC/out-flow/' bench/nexmark/flow/q11.flow >"$w/q11.flow"
timeout -k 5 60 "$build/flowrun" run "$w/q11.flow" --brokers "$brokers" --until-idle --threads 2 \
  --state-dir "$w/state" --app-id nexmark-gap >"$w/flow.log" 2>&1 || { tail -5 "$w/flow.log"; exit 1; }
mkdir -p "$w/classes"
javac -nowarn -d "$w/classes" -cp "$lib/*" bench/nexmark/flink/NexmarkFlink.java
timeout -k 5 170 java -Xmx1g -cp "$w/classes:$lib/*" NexmarkFlink q11 "$brokers" out-flink 2 >"$w/flink.log" 2>&1 ||
  { tail -5 "$w/flink.log"; exit 1; }
for s in flow flink; do
  echo "== $s"
  "$tools/nexmarkgen" dump "$brokers" "out-$s" "$w/$s.jsonl" >/dev/null
  sort "$w/$s.jsonl"
done
