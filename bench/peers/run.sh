#!/usr/bin/env bash
# bench/peers/run.sh — end-to-end benchmark of flow against the librdkafka passthrough ceiling,
# Kafka Streams 3.9 and Spark Structured Streaming 3.5, on a real Kafka broker.
#
#   bash bench/peers/run.sh [--records N] [--users U] [--runs R]
#                           [--systems "passthrough flow flow-aot flow-metrics flow-nolog kstreams spark"]
#                           [--workloads "w1 w2 w3 w4"] [--updates N]
#                           [--threads T] [--csv FILE]
#                           [--latency-runs L] [--latency-systems "..."] [--rate R]
#                           [--latency-seconds S] [--latency-warmup W]
#                           [--flow-args "ARGS"] [--state-base DIR] [--keep-logs DIR]
#
# Starts a single-node Kafka 3.9.1 broker (tests/kafka/broker.sh, or FLOW_BROKER_SCRIPT), creates
# the 8-partition topic `clicks` and fills it once (bench/peers/clickgen.cpp: RECORDS click
# records of ~150 bytes, USERS users, plus one sentinel per partition), then for each run, each
# workload and each system: a fresh output topic, the system reads `clicks` from the beginning
# to its end, its process is timed by /usr/bin/time (wall, user + sys CPU, peak RSS), and its
# output is checked against the reference (clickgen check). One CSV row per (run, workload,
# system) goes to FILE (default bench/results/peers-DATE.csv); bench/peers/summarize.py turns it
# into the table (medians over runs) and the chart. flow-aot is flow ahead of time: `flowc build`
# writes a shared object before the timed part, and only `flowrun run APP.so` is timed.
#
# W4 (not in the default workloads; --workloads "w1 w2 w3 w4" or "w4"): the clicks joined with the
# 8-partition topic `users` (keyed by id; one row per user, then --updates N updates, default
# USERS, interleaved with the clicks in event time), filled by the same clickgen gen. W4's CSV
# records and input_bytes count both topics (every system reads both). flow: a temporal
# stream–table join (bench/peers/flow/w4.flow); Kafka Streams: KStream–KTable join; Spark: a
# stream–stream join with watermarks, which emits a row per (click, user version at or before
# it): checked with clickgen check w4all instead of w4.
#
# Then the latency benchmark (W1; skipped with --latency-runs 0): for each latency run and each
# system of --latency-systems (default: --systems), fresh topics lat-in-* (8 partitions) and
# lat-out-* (message.timestamp.type=LogAppendTime); the system is started reading lat-in-* and
# running continuously (flowrun without --until-idle; Streams and Spark until SIGTERM; the
# passthrough in follow mode); bench/peers/latency.cpp waits until a probe comes through, then
# produces W1 input at R records/s for W s of warm-up and S s measured, reads the outputs, and
# gives p50/p90/p99/p99.9/max of (output's LogAppendTime - input's send time); the system is then
# stopped with SIGTERM. R defaults to half of flow's W1 median records/s of this invocation's
# throughput runs (--rate sets it). Rows go to FILE with .latency.csv.
#
# Before and after a change, in one invocation: FLOW_BASE_BUILD=DIR adds the system flow-base, the
# flowrun of another build (e.g. a worktree of the base commit: `git worktree add /tmp/base BASE &&
# cmake -S /tmp/base -B /tmp/base/build -G Ninja && cmake --build /tmp/base/build --target
# flowrun`), run exactly as `flow` is.
#
# flow-metrics is flow serving /metrics (`--metrics-address 0`) while a scraper fetches it every
# second, as Prometheus would: beside flow in one invocation, the cost of observability.
# flow-nolog is flow with `--changelog off` (keyed state without changelog topics): beside flow,
# the cost of the changelogs (Kafka Streams' stores have theirs on, as by default).
#
# For diagnosis: --flow-args adds arguments to every flowrun (e.g. "-X fetch.wait.max.ms=5"),
# --state-base puts flow's state directories under DIR (e.g. /dev/shm: no disk sync in
# checkpoints), --keep-logs copies every system's log into DIR.
#
# Needs: a flow build (bash scripts/build), java 17, mvn (first run fetches the peers' jars from
# Maven Central into ~/.cache/flow/bench/), g++ and librdkafka-dev. Not part of scripts/test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

records=1000000
users=100000
runs=3
systems="passthrough flow flow-aot kstreams spark"
workloads="w1 w2 w3"
updates=""
threads=2
partitions=8
csv=""
latency_runs=1
latency_systems=""
rate=""
latency_seconds=20
latency_warmup=5
flow_args=""
state_base=""
keep_logs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --updates) updates=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    --latency-runs) latency_runs=$2; shift 2 ;;
    --latency-systems) latency_systems=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --latency-seconds) latency_seconds=$2; shift 2 ;;
    --latency-warmup) latency_warmup=$2; shift 2 ;;
    --flow-args) flow_args=$2; shift 2 ;;
    --state-base) state_base=$2; shift 2 ;;
    --keep-logs) keep_logs=$2; shift 2 ;;
    -h|--help) sed -n '2,49p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p bench/results
csv=${csv:-bench/results/peers-$(date +%Y%m%d-%H%M).csv}

latency_systems=${latency_systems:-$systems}
lat_csv=${csv%.csv}.latency.csv

build=${FLOW_BUILD_DIR:-$root/build}
flowrun=$build/flowrun
flowc=$build/flowc
[ -x "$flowrun" ] || { echo "run.sh: $flowrun missing; run bash scripts/build" >&2; exit 1; }
[ -x "$flowc" ] || { echo "run.sh: $flowc missing; run bash scripts/build" >&2; exit 1; }
base_flowrun=${FLOW_BASE_BUILD:+$FLOW_BASE_BUILD/flowrun}
if [[ " $systems $latency_systems " == *" flow-base "* ]] && [ ! -x "${base_flowrun:-}" ]; then
  echo "run.sh: the system flow-base needs FLOW_BASE_BUILD (a build folder with flowrun)" >&2
  exit 2
fi
broker_script=${FLOW_BROKER_SCRIPT:-$root/tests/kafka/broker.sh}
[ -f "$broker_script" ] || { echo "run.sh: no broker script at $broker_script (set FLOW_BROKER_SCRIPT)" >&2; exit 1; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/flow/bench
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-bench.XXXXXX")
tools=$build/bench/peers
mkdir -p "$tools"
state_base=${state_base:-$work}
[ -z "$keep_logs" ] || mkdir -p "$keep_logs"
read -r -a flow_extra <<<"$flow_args"

# --- tools: the generator/checker and the passthrough ---------------------------------------
for t in clickgen passthrough latency; do
  if [ ! -x "$tools/$t" ] || [ "bench/peers/$t.cpp" -nt "$tools/$t" ]; then
    # shellcheck disable=SC2046
    g++ -O2 -std=c++17 -pthread -o "$tools/$t" "bench/peers/$t.cpp" $(pkg-config --cflags --libs rdkafka)
  fi
done

# --- peers' jars (Maven Central, once) ----------------------------------------------------------
fetch_jars() {  # NAME DIR
  local name=$1 dir=$2
  [ -f "$dir/.complete" ] && return 0
  echo "run.sh: fetching $name jars into $dir"
  mkdir -p "$dir"
  local s=(); [ -f "bench/peers/$name/settings.xml" ] && s=(-s "bench/peers/$name/settings.xml")
  mvn -B -q -Dstyle.color=never "${s[@]}" -f "bench/peers/$name/pom.xml" -Dlib="$dir" dependency:copy-dependencies
  touch "$dir/.complete"
}
ks_lib=$cache/kstreams-3.9.1/lib
spark_lib=$cache/spark-3.5.4/lib
case " $systems $latency_systems " in *" kstreams "*) fetch_jars kstreams "$ks_lib" ;; esac
case " $systems $latency_systems " in *" spark "*) fetch_jars spark "$spark_lib" ;; esac

# --- the broker -----------------------------------------------------------------------------
cleanup() {
  bash "$broker_script" stop "$work/broker" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
bash "$broker_script" start "$work/broker"
brokers=$(cat "$work/broker/bootstrap")

"$tools/clickgen" topic "$brokers" clicks "$partitions"
mkdir -p "$work/ref"
users_args=()
if [[ " $workloads " == *" w4 "* ]]; then
  "$tools/clickgen" topic "$brokers" users "$partitions"
  users_args=(users "${updates:-$users}")
fi
"$tools/clickgen" gen "$brokers" clicks "$partitions" "$records" "$users" "$work/ref" "${users_args[@]}" |
  tee "$work/gen.txt"
total=$(awk '$1=="records"{print $2}' "$work/ref/reference.txt")
in_bytes=$(awk '$1=="bytes"{print $2}' "$work/ref/reference.txt")
# W4's input is both topics.
total_w4=$((total + $(awk '$1=="w4_user_records"{print $2}' "$work/ref/reference.txt" | grep . || echo 0)))
in_bytes_w4=$((in_bytes + $(awk '$1=="w4_user_bytes"{print $2}' "$work/ref/reference.txt" | grep . || echo 0)))
cp "$work/ref/reference.txt" "${csv%.csv}.reference.txt"

java_opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED)

# Compile the Java peers once (outside the timed runs).
if [[ " $systems $latency_systems " == *" kstreams "* ]]; then
  mkdir -p "$work/ks-classes"
  javac -nowarn -d "$work/ks-classes" -cp "$ks_lib/*" bench/peers/kstreams/Bench.java
fi
if [[ " $systems $latency_systems " == *" spark "* ]]; then
  mkdir -p "$work/spark-classes"
  javac -nowarn -d "$work/spark-classes" -cp "$spark_lib/*" bench/peers/spark/SparkBench.java
fi

echo "run,workload,system,records,input_bytes,wall_s,user_s,sys_s,cpu_s,peak_rss_mb,records_per_s,mb_per_s,cpu_s_per_m_records,check,out_records,note" >"$csv"

run_one() {  # RUN WORKLOAD SYSTEM
  local r=$1 w=$2 sys=$3
  local out="out-$w-$sys-$r" tag="$w-$sys-$r"
  "$tools/clickgen" topic "$brokers" "$out" "$partitions"
  local cmd=()
  case $sys in
    passthrough) cmd=("$tools/passthrough" "$brokers" clicks "$out") ;;
    flow|flow-base|flow-metrics|flow-nolog)
      sed "s/OUT_TOPIC/$out/" "bench/peers/flow/$w.flow" >"$work/$tag.flow"
      local run_with=$flowrun variant=()
      [ "$sys" = flow-base ] && run_with=$base_flowrun
      [ "$sys" = flow-metrics ] && variant=(--metrics-address 0)
      [ "$sys" = flow-nolog ] && variant=(--changelog off)
      cmd=("$run_with" run "$work/$tag.flow" --brokers "$brokers" --until-idle --threads "$threads"
        --state-dir "$state_base/state-$tag" --app-id "bench-$tag" "${variant[@]}" "${flow_extra[@]}") ;;
    flow-aot)
      # Compiled ahead of time, outside the timed part (the sink topic is part of the program).
      sed "s/OUT_TOPIC/$out/" "bench/peers/flow/$w.flow" >"$work/$tag.flow"
      "$flowc" build "$work/$tag.flow" -o "$work/$tag.so" 2>"$work/build-$tag.log" ||
        { cat "$work/build-$tag.log" >&2; exit 1; }
      cmd=("$flowrun" run "$work/$tag.so" --brokers "$brokers" --until-idle --threads "$threads"
        --state-dir "$state_base/state-$tag" --app-id "bench-$tag" "${flow_extra[@]}") ;;
    kstreams)
      cmd=(java -Xmx2g -Djava.io.tmpdir="$work" -cp "$work/ks-classes:$ks_lib/*" Bench "$w" "$brokers" clicks
        "$out" "$total" "bench-$tag" "$threads") ;;
    spark)
      cmd=(java -Xmx3g "${java_opens[@]}" -Djava.io.tmpdir="$work" -cp "$work/spark-classes:$spark_lib/*"
        SparkBench "$w" "$brokers" clicks "$out" "$total" "$work/spark-$tag" "$threads") ;;
  esac
  echo "== run $r $w $sys"
  local rc=0 scraper=
  : >"$work/log-$tag"
  rm -f "$work/stop-$tag"
  if [ "$sys" = flow-metrics ]; then
    # A Prometheus-like scrape every second of the run (curl's own CPU is not flowrun's).
    (
      url=
      until [ -n "$url" ] || [ -e "$work/stop-$tag" ]; do
        url=$(grep -o 'metrics at http://[^ ]*' "$work/log-$tag" | sed 's/metrics at //'); sleep 0.05
      done
      while [ ! -e "$work/stop-$tag" ]; do curl -s --max-time 2 "$url" >/dev/null; sleep 1; done
    ) &
    scraper=$!
  fi
  /usr/bin/time -f "%e %U %S %M" -o "$work/time-$tag" "${cmd[@]}" >"$work/log-$tag" 2>&1 || rc=$?
  if [ -n "$scraper" ]; then touch "$work/stop-$tag"; wait "$scraper" || true; fi
  tail -n 3 "$work/log-$tag" | sed 's/^/   /'
  local wall usr sy rss
  read -r wall usr sy rss < <(tail -n 1 "$work/time-$tag")
  local chk note=""
  if [ $rc -ne 0 ]; then
    note="exit $rc"
    cp "$work/log-$tag" "${csv%.csv}.$tag.log"
  fi
  local mode=$w
  [ "$sys" = passthrough ] && mode=pass
  [ "$w" = w4 ] && [ "$sys" = spark ] && mode=w4all
  chk=$("$tools/clickgen" check "$brokers" "$out" "$mode" "$work/ref" 2>&1) && ok=ok || ok=FAILED
  echo "   $chk"
  local nout
  nout=$(echo "$chk" | grep -o '[0-9]* \(records out\|updates\|sessions\)' | head -1 | awk '{print $1}')
  [ "$ok" = ok ] || note="${note:+$note; }$(echo "$chk" | tail -1 | tr ',' ';')"
  if [ "$w" = w4 ] && [ "$ok" = ok ]; then  # which version the clicks got (the point of W4)
    note="${note:+$note; }$(echo "$chk" | grep -o 'the version current at the click.s time [0-9]* ([0-9.]*%)\|an older one [0-9]*\|rows with the current version [0-9]*\|with an older one [0-9]*' |
      paste -sd ';' | tr ',' ';')"
  fi
  local n_in=$total b_in=$in_bytes
  [ "$w" = w4 ] && { n_in=$total_w4; b_in=$in_bytes_w4; }
  awk -v r="$r" -v w="$w" -v s="$sys" -v n="$n_in" -v b="$b_in" -v wall="$wall" -v u="$usr" \
      -v sy="$sy" -v rss="$rss" -v ok="$ok" -v nout="$nout" -v note="$note" 'BEGIN {
    cpu = u + sy
    printf "%s,%s,%s,%d,%d,%.2f,%.2f,%.2f,%.2f,%.0f,%.0f,%.2f,%.3f,%s,%s,%s\n", r, w, s, n, b, wall, u, sy, cpu,
      rss / 1024, n / wall, b / 1e6 / wall, cpu / (n / 1e6), ok, nout, note }' >>"$csv"
  [ -z "$keep_logs" ] || cp "$work/log-$tag" "$keep_logs/$tag.log"
  rm -rf "$state_base/state-$tag" "$work/spark-$tag" "$work/kstreams-bench-$tag"
}

for r in $(seq 1 "$runs"); do
  for w in $workloads; do
    for sys in $systems; do
      # The passthrough parses nothing: it is the ceiling of W1 only.
      if [ "$sys" = passthrough ] && [ "$w" != w1 ]; then continue; fi
      run_one "$r" "$w" "$sys"
    done
  done
done
echo "run.sh: results in $csv"

# --- latency at a fixed input rate (W1) -----------------------------------------------------
if [ "$latency_runs" -gt 0 ] && [ -z "$rate" ]; then
  # Half of flow's maximum: the median W1 records/s of this invocation's flow (JIT) runs.
  rate=$(awk -F, '$2=="w1" && $3=="flow" {print $11}' "$csv" | sort -n |
    awk '{a[NR]=$1} END {if (NR) printf "%.0f", ((NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2) / 2}')
  [ -n "$rate" ] || { echo "run.sh: no flow W1 throughput in $csv to take the rate from; give --rate" >&2; exit 1; }
fi

lat_one() {  # RUN SYSTEM
  local r=$1 sys=$2
  local in="lat-in-$sys-$r" out="lat-out-$sys-$r" tag="lat-$sys-$r"
  "$tools/clickgen" topic "$brokers" "$in" "$partitions"
  "$tools/clickgen" topic "$brokers" "$out" "$partitions" logappend
  local cmd=() mode=w1
  sed -e "s/OUT_TOPIC/$out/" -e "s/kafka \"clicks\"/kafka \"$in\"/" bench/peers/flow/w1.flow >"$work/$tag.flow"
  case $sys in
    passthrough) mode=pass; cmd=("$tools/passthrough" "$brokers" "$in" "$out" follow) ;;
    flow|flow-base)
      local run_with=$flowrun
      [ "$sys" = flow-base ] && run_with=$base_flowrun
      cmd=("$run_with" run "$work/$tag.flow" --brokers "$brokers" --threads "$threads"
        --state-dir "$state_base/state-$tag" --app-id "bench-$tag" "${flow_extra[@]}") ;;
    flow-aot)
      "$flowc" build "$work/$tag.flow" -o "$work/$tag.so" 2>"$work/build-$tag.log" ||
        { cat "$work/build-$tag.log" >&2; exit 1; }
      cmd=("$flowrun" run "$work/$tag.so" --brokers "$brokers" --threads "$threads"
        --state-dir "$state_base/state-$tag" --app-id "bench-$tag" "${flow_extra[@]}") ;;
    kstreams)
      cmd=(java -Xmx2g -Djava.io.tmpdir="$work" -cp "$work/ks-classes:$ks_lib/*" Bench w1 "$brokers" "$in"
        "$out" 0 "bench-$tag" "$threads") ;;
    spark)
      cmd=(java -Xmx3g "${java_opens[@]}" -Djava.io.tmpdir="$work" -cp "$work/spark-classes:$spark_lib/*"
        SparkBench w1 "$brokers" "$in" "$out" 0 "$work/spark-$tag" "$threads") ;;
  esac
  echo "== latency run $r $sys at $rate records/s"
  "${cmd[@]}" >"$work/log-$tag" 2>&1 &
  local pid=$!
  local rc=0
  "$tools/latency" "$brokers" "$in" "$out" "$mode" "$rate" "$latency_seconds" "$latency_warmup" "$users" \
    >"$work/lat-$tag.out" 2>"$work/lat-$tag.err" || rc=$?
  sed 's/^/   /' "$work/lat-$tag.err"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "   (did not stop within 60 s of SIGTERM: killed)"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  tail -n 2 "$work/log-$tag" | sed 's/^/   /'
  local line note=""
  line=$(grep '^latency-result ' "$work/lat-$tag.out" || true)
  [ $rc -eq 0 ] || note="latency exit $rc"
  [ -n "$line" ] || { note="${note:+$note; }no result"; cp "$work/log-$tag" "${lat_csv%.csv}.$tag.log"; }
  get() { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1==k {print $2}'; }
  echo "$r,w1,$sys,$(get rate),$(get achieved_rate),$latency_seconds,$(get sent),$(get expected),$(get received),$(get p50_ms),$(get p90_ms),$(get p99_ms),$(get p999_ms),$(get max_ms),$(get mean_ms),$(get drain_s),$note" >>"$lat_csv"
  [ -z "$keep_logs" ] || cp "$work/log-$tag" "$keep_logs/$tag.log"
  rm -rf "$state_base/state-$tag" "$work/spark-$tag" "$work/kstreams-bench-$tag"
  "$tools/clickgen" deltopic "$brokers" "$in" || true
  "$tools/clickgen" deltopic "$brokers" "$out" || true
}

if [ "$latency_runs" -gt 0 ]; then
  echo "run,workload,system,rate,achieved_rate,seconds,sent,expected,received,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,mean_ms,drain_s,note" >"$lat_csv"
  for r in $(seq 1 "$latency_runs"); do
    for sys in $latency_systems; do
      lat_one "$r" "$sys"
    done
  done
  echo "run.sh: latency results in $lat_csv"
fi

if command -v python3 >/dev/null; then
  python3 bench/peers/summarize.py "$csv" || true
fi
