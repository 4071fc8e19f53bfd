#!/usr/bin/env bash
# bench/state/memory.sh — W2 (a count per user, bench/peers/flow/w2.flow) on a real broker with
# many keys, once per state memory budget, sampling flowrun's resident memory every second: what
# `--state-cache-mb` bounds, and what it costs in CPU when the state does not fit.
#
#   bash bench/state/memory.sh [--records N] [--users U] [--budgets "64 256 1024"] [--out PREFIX]
#                              [--flowrun PATH] [--base PATH] [--flow-args "ARGS"]
#
# One broker (tests/kafka/broker.sh), the 8-partition topic filled once by bench/peers/clickgen;
# then for each budget (and, with --base, the same budget-less run of another build's flowrun),
# flowrun reads the topic to its end (--until-idle), timed by /usr/bin/time. Prints one line per
# run (CPU s per M records, peak RSS) and writes PREFIX.csv and PREFIX.rss.csv (time, RSS per run).
# Run it on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
records=4000000 users=2500000 budgets="64 256 1024" out=bench/results/state-memory-$(date +%F) flow_args=""
flowrun=$root/build/flowrun base=
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --budgets) budgets=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --flowrun) flowrun=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --flow-args) flow_args=$2; shift 2 ;;
    *) echo "memory.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
read -r -a extra <<<"$flow_args"
tools=$root/build/bench/peers
mkdir -p "$tools"
if [ ! -x "$tools/clickgen" ] || [ bench/peers/clickgen.cpp -nt "$tools/clickgen" ]; then
  # shellcheck disable=SC2046
  g++ -O2 -std=c++17 -pthread -o "$tools/clickgen" bench/peers/clickgen.cpp $(pkg-config --cflags --libs rdkafka)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-memory.XXXXXX")
cleanup() { bash tests/kafka/broker.sh stop "$work/broker" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
bash tests/kafka/broker.sh start "$work/broker"
brokers=$(cat "$work/broker/bootstrap")
"$tools/clickgen" topic "$brokers" clicks 8
mkdir -p "$work/ref"
"$tools/clickgen" gen "$brokers" clicks 8 "$records" "$users" "$work/ref" | tail -1
total=$(awk '$1=="records"{print $2}' "$work/ref/reference.txt")

echo "run,system,budget_mb,records,cpu_s,cpu_s_per_m_records,peak_rss_mb,wall_s,check" > "$out.csv"
echo "run,seconds,rss_mb" > "$out.rss.csv"
run=0
measure() {  # SYSTEM BUDGET FLOWRUN ARGS...
  local system=$1 budget=$2 binary=$3; shift 3
  run=$((run + 1))
  local tag="m$run" topic="w2-out-$run"
  sed "s/OUT_TOPIC/$topic/" bench/peers/flow/w2.flow > "$work/$tag.flow"
  "$tools/clickgen" topic "$brokers" "$topic" 8
  /usr/bin/time -f "%e %U %S %M" -o "$work/$tag.time" timeout -k 10 1800 "$binary" run "$work/$tag.flow" \
    --brokers "$brokers" --until-idle --state-dir "$work/state-$tag" --app-id "mem-$tag" "$@" "${extra[@]}" \
    > "$work/$tag.out" 2> "$work/$tag.err" &
  local pid=$! start=$SECONDS child=
  while kill -0 "$pid" 2>/dev/null; do
    child=${child:-$(pgrep -P "$(pgrep -P "$pid" | head -1)" 2>/dev/null | head -1 || true)}
    local rss; rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/${child:-0}/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$run,$((SECONDS - start)),$rss" >> "$out.rss.csv"
    sleep 1
  done
  wait "$pid" || { echo "memory.sh: flowrun failed:"; tail -5 "$work/$tag.err"; exit 1; }
  local check
  check=$("$tools/clickgen" check "$brokers" "$topic" w2 "$work/ref" 2>&1 | tail -1)
  read -r wall user sys rss_kb < "$work/$tag.time"
  local cpu; cpu=$(echo "$user + $sys" | bc)
  local per_m; per_m=$(echo "scale=3; $cpu * 1000000 / $total" | bc)
  echo "$run,$system,$budget,$total,$cpu,$per_m,$((rss_kb / 1024)),$wall,\"$check\"" >> "$out.csv"
  printf '%-10s budget %6s MiB: %7.2f CPU s per M records, peak RSS %5d MB, wall %6.1f s; %s\n' \
    "$system" "$budget" "$per_m" "$((rss_kb / 1024))" "$wall" "$check"
}
[ -z "$base" ] || measure base - "$base"
for budget in $budgets; do measure flow "$budget" "$flowrun" --state-cache-mb "$budget"; done
# The resident memory of each run over time, one line per run (gnuplot, when installed).
if command -v gnuplot >/dev/null; then
  plots=$(awk -F, 'NR > 1 && $1 != last {last = $1; n++} END {print n}' "$out.rss.csv")
  labels=$(awk -F, 'NR > 1 {printf "%s%s %s MiB", sep, $2, $3; sep = "|"}' "$out.csv")
  {
    echo "set terminal png size 900,500; set output '$out.rss.png'; set datafile separator ','"
    echo "set xlabel 'seconds'; set ylabel 'resident memory (MB)'; set key top left"
    echo "set title 'W2, $records records: flowrun resident memory'"
    printf "plot "
    for i in $(seq 1 "$plots"); do
      label=$(cut -d'|' -f"$i" <<<"$labels")
      printf "'%s' using 2:(\$1==%d?\$3:1/0) with lines title '%s'" "$out.rss.csv" "$i" "$label"
      [ "$i" -lt "$plots" ] && printf ", "
    done
    echo
  } | gnuplot && echo "memory.sh: $out.rss.png"
fi
echo "memory.sh: $out.csv, $out.rss.csv"
