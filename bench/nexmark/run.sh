#!/usr/bin/env bash
# bench/nexmark/run.sh — Nexmark: flow against Flink SQL 2.2 on a real Kafka broker.
#
#   bash bench/nexmark/run.sh [--events N] [--queries "q0 q1 q2 q3 q5 q7 q8 q11 q14 q15 q21 q22"] [--systems "flow flink"]
#                             [--runs R] [--threads T] [--rate EVENTS_PER_S] [--csv FILE]
#                             [--keep-logs DIR]
#
# Starts a single-node Kafka 3.9.1 broker (tests/kafka/broker.sh, or FLOW_BROKER_SCRIPT), creates
# the 8-partition topics nexmark-person, nexmark-auction and nexmark-bid and fills them once
# (bench/nexmark/nexmarkgen.cpp: N Nexmark events, 46 in 50 of them bids, event time at RATE
# events per second (10,000), plus a sentinel bid per partition), then for each run, each query
# and each system: a fresh output topic, the system reads nexmark-bid (q3 and q8: nexmark-person
# and nexmark-auction; their `bids` columns count those records) from the beginning to its
# end, its process is timed by /usr/bin/time (wall, user + sys CPU, peak RSS), and its output
# topic is read back (nexmarkgen dump) and checked against the reference computed from the
# generated events (bench/nexmark/check.py). One CSV row per (run, query, system) goes to FILE
# (default bench/results/nexmark-DATE.csv); bench/nexmark/summarize.py turns it into the table
# (medians over runs; bids per CPU second) and the chart.
#
# Systems: `flow` is `flowrun run bench/nexmark/flow/Q.flow --until-idle --threads T`; `flink` is
# bench/nexmark/flink/NexmarkFlink.java, the query as Flink SQL on a local MiniCluster of
# parallelism T, bounded by the input's end offsets (scan.bounded.mode = latest-offset).
#
# Needs: a flow build (bash scripts/build), java 17, mvn (the first run copies Flink 2.2's jars
# from Maven Central into ~/.cache/flow/bench/flink-2.2.0/lib), g++, librdkafka-dev, python3.
# Not part of scripts/test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

events=1000000
queries="q0 q1 q2 q3 q5 q7 q8 q11 q14 q15 q21 q22"
systems="flow flink"
runs=1
threads=2
rate=10000
partitions=8  # the .flow files declare it
csv=""
keep_logs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    --keep-logs) keep_logs=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for q in $queries; do
  [ -f "bench/nexmark/flow/$q.flow" ] ||
    { echo "run.sh: no query $q (bench/nexmark/flow has $(cd bench/nexmark/flow && ls | sed 's/.flow$//' | tr '\n' ' '))" >&2; exit 2; }
done
for s in $systems; do
  case $s in flow|flink) ;; *) echo "run.sh: unknown system $s (flow, flink)" >&2; exit 2 ;; esac
done
mkdir -p bench/results
csv=${csv:-bench/results/nexmark-$(date +%Y%m%d-%H%M).csv}

build=${FLOW_BUILD_DIR:-$root/build}
flowrun=$build/flowrun
[ -x "$flowrun" ] || { echo "run.sh: $flowrun missing; run bash scripts/build" >&2; exit 1; }
broker_script=${FLOW_BROKER_SCRIPT:-$root/tests/kafka/broker.sh}
[ -f "$broker_script" ] || { echo "run.sh: no broker script at $broker_script (set FLOW_BROKER_SCRIPT)" >&2; exit 1; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/flow/bench
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-nexmark.XXXXXX")
tools=$build/bench/nexmark
mkdir -p "$tools"
[ -z "$keep_logs" ] || mkdir -p "$keep_logs"

# --- tools: the generator (and dumper), clickgen for topics --------------------------------
build_tool() {  # NAME SOURCE
  if [ ! -x "$tools/$1" ] || [ "$2" -nt "$tools/$1" ]; then
    # shellcheck disable=SC2046
    g++ -O2 -std=c++17 -pthread -o "$tools/$1" "$2" $(pkg-config --cflags --libs rdkafka)
  fi
}
build_tool nexmarkgen bench/nexmark/nexmarkgen.cpp
build_tool clickgen bench/peers/clickgen.cpp

# --- Flink's jars (Maven Central, once) and the program ----------------------------------------
flink_lib=$cache/flink-2.2.0/lib
if [[ " $systems " == *" flink "* ]]; then
  if [ ! -f "$flink_lib/.complete" ]; then
    echo "run.sh: fetching Flink 2.2 jars into $flink_lib"
    mkdir -p "$flink_lib"
    mvn -B -q -Dstyle.color=never -f bench/nexmark/flink/pom.xml -Dlib="$flink_lib" dependency:copy-dependencies
    touch "$flink_lib/.complete"
  fi
  mkdir -p "$work/flink-classes"
  javac -nowarn -d "$work/flink-classes" -cp "$flink_lib/*" bench/nexmark/flink/NexmarkFlink.java
fi

# --- the broker and the events ---------------------------------------------------------------
cleanup() {
  bash "$broker_script" stop "$work/broker" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
bash "$broker_script" start "$work/broker"
brokers=$(cat "$work/broker/bootstrap")
for t in person auction bid; do "$tools/clickgen" topic "$brokers" "nexmark-$t" "$partitions"; done
mkdir -p "$work/ref"
"$tools/nexmarkgen" kafka "$brokers" "$partitions" "$events" "$work/ref" --rate "$rate"
meta() { awk -v k="$1" '$1==k {print $2}' "$work/ref/meta.txt"; }
bids=$(( $(meta bids) + $(meta sentinels) ))
bid_bytes=$(meta bid_bytes)
# q3 and q8 read the persons and the auctions, not the bids: their rate is of those records (the
# CSV's `bids` column holds what the query read).
input_of() { case $1 in q3|q8) echo $(( $(meta persons) + $(meta auctions) )) ;; *) echo "$bids" ;; esac; }
cp "$work/ref/meta.txt" "${csv%.csv}.meta.txt"

echo "run,query,system,events,bids,bid_bytes,wall_s,user_s,sys_s,cpu_s,peak_rss_mb,bids_per_s,bids_per_cpu_s,check,out_records,note" >"$csv"

run_one() {  # RUN QUERY SYSTEM
  local r=$1 q=$2 sys=$3
  local out="out-$q-$sys-$r" tag="$q-$sys-$r"
  "$tools/clickgen" topic "$brokers" "$out" "$partitions"
  local cmd=()
  case $sys in
    flow)
      sed "s/OUT_TOPIC/$out/" "bench/nexmark/flow/$q.flow" >"$work/$tag.flow"
      cmd=("$flowrun" run "$work/$tag.flow" --brokers "$brokers" --until-idle --threads "$threads"
        --state-dir "$work/state-$tag" --app-id "nexmark-$tag") ;;
    flink)
      cmd=(java -Xmx2g -Djava.io.tmpdir="$work" -cp "$work/flink-classes:$flink_lib/*" NexmarkFlink "$q" "$brokers"
        "$out" "$threads") ;;
  esac
  echo "== run $r $q $sys"
  local rc=0
  /usr/bin/time -f "%e %U %S %M" -o "$work/time-$tag" "${cmd[@]}" >"$work/log-$tag" 2>&1 || rc=$?
  tail -n 2 "$work/log-$tag" | sed 's/^/   /'
  local wall usr sy rss
  read -r wall usr sy rss < <(tail -n 1 "$work/time-$tag")
  local note="" nout chk ok
  if [ $rc -ne 0 ]; then
    note="exit $rc"
    cp "$work/log-$tag" "${csv%.csv}.$tag.log"
  fi
  nout=$("$tools/nexmarkgen" dump "$brokers" "$out" "$work/out-$tag.jsonl")
  chk=$(python3 bench/nexmark/check.py "$q" "$sys" "$work/ref" "$work/out-$tag.jsonl" 2>&1) && ok=ok || ok=FAILED
  echo "   $chk"
  [ "$ok" = ok ] || note="${note:+$note; }$(echo "$chk" | tail -1 | tr ',' ';')"
  awk -v r="$r" -v q="$q" -v s="$sys" -v e="$events" -v n="$(input_of "$q")" -v b="$bid_bytes" -v wall="$wall" -v u="$usr" \
      -v sy="$sy" -v rss="$rss" -v ok="$ok" -v nout="$nout" -v note="$note" 'BEGIN {
    cpu = u + sy
    printf "%s,%s,%s,%d,%d,%d,%.2f,%.2f,%.2f,%.2f,%.0f,%.0f,%.0f,%s,%s,%s\n", r, q, s, e, n, b, wall, u, sy, cpu,
      rss / 1024, n / wall, n / cpu, ok, nout, note }' >>"$csv"
  [ -z "$keep_logs" ] || cp "$work/log-$tag" "$keep_logs/$tag.log"
  rm -rf "$work/state-$tag" "$work/out-$tag.jsonl"
  "$tools/clickgen" deltopic "$brokers" "$out" || true
}

for r in $(seq 1 "$runs"); do
  for q in $queries; do
    for sys in $systems; do
      run_one "$r" "$q" "$sys"
    done
  done
done
echo "run.sh: results in $csv"
python3 bench/nexmark/summarize.py "$csv" || true
