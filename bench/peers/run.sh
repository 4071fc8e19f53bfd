#!/usr/bin/env bash
# bench/peers/run.sh — end-to-end benchmark of flow against the librdkafka passthrough ceiling,
# Kafka Streams 3.9 and Spark Structured Streaming 3.5, on a real Kafka broker.
#
#   bash bench/peers/run.sh [--records N] [--users U] [--runs R]
#                           [--systems "passthrough flow kstreams spark"] [--workloads "w1 w2 w3"]
#                           [--threads T] [--csv FILE]
#
# Starts a single-node Kafka 3.9.1 broker (tests/kafka/broker.sh, or FLOW_BROKER_SCRIPT), creates
# the 8-partition topic `clicks` and fills it once (bench/peers/clickgen.cpp: RECORDS click
# records of ~150 bytes, USERS users, plus one sentinel per partition), then for each run, each
# workload and each system: a fresh output topic, the system reads `clicks` from the beginning
# to its end, its process is timed by /usr/bin/time (wall, user + sys CPU, peak RSS), and its
# output is checked against the reference (clickgen check). One CSV row per (run, workload,
# system) goes to FILE (default bench/results/peers-DATE.csv); bench/peers/summarize.py turns it
# into the table (medians over runs) and the chart.
#
# Needs: a flow build (bash scripts/build), java 17, mvn (first run fetches the peers' jars from
# Maven Central into ~/.cache/flow/bench/), g++ and librdkafka-dev. Not part of scripts/test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

records=1000000
users=100000
runs=3
systems="passthrough flow kstreams spark"
workloads="w1 w2 w3"
threads=2
partitions=8
csv=""
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p bench/results
csv=${csv:-bench/results/peers-$(date +%Y%m%d-%H%M).csv}

build=${FLOW_BUILD_DIR:-$root/build}
flowrun=$build/flowrun
[ -x "$flowrun" ] || { echo "run.sh: $flowrun missing; run bash scripts/build" >&2; exit 1; }
broker_script=${FLOW_BROKER_SCRIPT:-$root/tests/kafka/broker.sh}
[ -f "$broker_script" ] || { echo "run.sh: no broker script at $broker_script (set FLOW_BROKER_SCRIPT)" >&2; exit 1; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/flow/bench
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-bench.XXXXXX")
tools=$build/bench/peers
mkdir -p "$tools"

# --- tools: the generator/checker and the passthrough ---------------------------------------
for t in clickgen passthrough; do
  if [ ! -x "$tools/$t" ] || [ "bench/peers/$t.cpp" -nt "$tools/$t" ]; then
    # shellcheck disable=SC2046
    g++ -O2 -std=c++17 -o "$tools/$t" "bench/peers/$t.cpp" $(pkg-config --cflags --libs rdkafka)
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
case " $systems " in *" kstreams "*) fetch_jars kstreams "$ks_lib" ;; esac
case " $systems " in *" spark "*) fetch_jars spark "$spark_lib" ;; esac

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
"$tools/clickgen" gen "$brokers" clicks "$partitions" "$records" "$users" "$work/ref" | tee "$work/gen.txt"
total=$(awk '$1=="records"{print $2}' "$work/ref/reference.txt")
in_bytes=$(awk '$1=="bytes"{print $2}' "$work/ref/reference.txt")
cp "$work/ref/reference.txt" "${csv%.csv}.reference.txt"

java_opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED)

# Compile the Java peers once (outside the timed runs).
if [[ " $systems " == *" kstreams "* ]]; then
  mkdir -p "$work/ks-classes"
  javac -nowarn -d "$work/ks-classes" -cp "$ks_lib/*" bench/peers/kstreams/Bench.java
fi
if [[ " $systems " == *" spark "* ]]; then
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
    flow)
      sed "s/OUT_TOPIC/$out/" "bench/peers/flow/$w.flow" >"$work/$tag.flow"
      cmd=("$flowrun" run "$work/$tag.flow" --brokers "$brokers" --until-idle --threads "$threads"
        --state-dir "$work/state-$tag" --app-id "bench-$tag") ;;
    kstreams)
      cmd=(java -Xmx2g -Djava.io.tmpdir="$work" -cp "$work/ks-classes:$ks_lib/*" Bench "$w" "$brokers" clicks
        "$out" "$total" "bench-$tag" "$threads") ;;
    spark)
      cmd=(java -Xmx3g "${java_opens[@]}" -Djava.io.tmpdir="$work" -cp "$work/spark-classes:$spark_lib/*"
        SparkBench "$w" "$brokers" clicks "$out" "$total" "$work/spark-$tag" "$threads") ;;
  esac
  echo "== run $r $w $sys"
  local rc=0
  /usr/bin/time -f "%e %U %S %M" -o "$work/time-$tag" "${cmd[@]}" >"$work/log-$tag" 2>&1 || rc=$?
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
  chk=$("$tools/clickgen" check "$brokers" "$out" "$mode" "$work/ref" 2>&1) && ok=ok || ok=FAILED
  echo "   $chk"
  local nout
  nout=$(echo "$chk" | grep -o '[0-9]* \(records out\|updates\|sessions\)' | head -1 | awk '{print $1}')
  [ "$ok" = ok ] || note="${note:+$note; }$(echo "$chk" | tail -1 | tr ',' ';')"
  awk -v r="$r" -v w="$w" -v s="$sys" -v n="$total" -v b="$in_bytes" -v wall="$wall" -v u="$usr" \
      -v sy="$sy" -v rss="$rss" -v ok="$ok" -v nout="$nout" -v note="$note" 'BEGIN {
    cpu = u + sy
    printf "%s,%s,%s,%d,%d,%.2f,%.2f,%.2f,%.2f,%.0f,%.0f,%.2f,%.3f,%s,%s,%s\n", r, w, s, n, b, wall, u, sy, cpu,
      rss / 1024, n / wall, b / 1e6 / wall, cpu / (n / 1e6), ok, nout, note }' >>"$csv"
  rm -rf "$work/state-$tag" "$work/spark-$tag" "$work/kstreams-bench-$tag"
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
if command -v python3 >/dev/null; then
  python3 bench/peers/summarize.py "$csv" || true
fi
