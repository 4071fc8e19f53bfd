#!/usr/bin/env bash
# The Nexmark queries of bench/nexmark/flow on the embedded Kafka: for each, flowrun reads 20,000
# generated events (bench/nexmark/nexmarkgen.cpp, `files` mode, 20 s of event time) — the bids,
# persons or auctions it reads — and its output must equal bench/nexmark/check.py's reference,
# computed from the same events. Nothing is timed: this is the benchmark's correctness, not its
# speed.
#
#   nexmark_flow_test.sh FLOWRUN SOURCE_DIR
set -euo pipefail
flowrun=$1
src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nexmark-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2046
timeout -k 5 120 g++ -O1 -std=c++17 -pthread -o "$tmp/nexmarkgen" "$src/bench/nexmark/nexmarkgen.cpp" \
  $(pkg-config --cflags --libs rdkafka)
mkdir -p "$tmp/ref"
timeout -k 5 60 "$tmp/nexmarkgen" files 20000 "$tmp/ref" --rate 1000

failed=0
queries=0
for flow in "$src"/bench/nexmark/flow/*.flow; do
  q=$(basename "$flow" .flow)
  queries=$((queries + 1))
  sed 's/OUT_TOPIC/nexmark-out/' "$flow" >"$tmp/$q.flow"
  # Each of the event kinds the query reads, from the file the generator wrote for it.
  inputs=()
  for kind in person auction bid; do
    if grep -q "from kafka \"nexmark-$kind\"" "$flow"; then inputs+=(--input "$kind=$tmp/ref/$kind.jsonl"); fi
  done
  if ! timeout -k 5 60 "$flowrun" run "$tmp/$q.flow" --embedded-kafka "${inputs[@]}" \
      --until-idle --show-output --threads 2 --state-dir "$tmp/state-$q" >"$tmp/$q.out" 2>"$tmp/$q.err"; then
    echo "FAIL $q: flowrun failed:"
    tail -n 20 "$tmp/$q.err"
    failed=1
    continue
  fi
  # The sink's records: the lines after its `== sink out` header, up to the next header.
  awk '/^== /{on = ($2 == "sink" && $3 == "out")} !/^== / && on' "$tmp/$q.out" >"$tmp/$q.jsonl"
  if ! timeout -k 5 60 python3 "$src/bench/nexmark/check.py" "$q" flow "$tmp/ref" "$tmp/$q.jsonl"; then
    echo "--- flowrun's stderr for $q (late records, warnings):"
    grep -v '^flowrun: progress' "$tmp/$q.err" | tail -n 15
    failed=1
  fi
done
[ "$queries" -ge 12 ] || { echo "FAIL: only $queries queries in bench/nexmark/flow"; exit 1; }
exit $failed
