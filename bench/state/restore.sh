#!/usr/bin/env bash
# bench/state/restore.sh — how fast a lost state directory comes back from its changelog topics.
# W2 (a count per user, bench/peers/flow/w2.flow) reads RECORDS clicks of USERS users on a real
# broker as a long-running job (not --until-idle, whose end would time out every key); once it
# has caught up it is stopped (SIGTERM: its last commit is in the changelog). Then, RUNS times, a
# new state directory for the same app id: flowrun restores every task's store before it reads
# anything, and its launch lines say how many records each task restored and at what rate.
# Prints, per run, the records restored, the seconds all tasks took (they restore one after
# another at open) and the rate over them, and the wall time from the start to the launch line
# (`N tasks, … worker threads`: compiled, state restored, partitions assigned); writes PREFIX.csv.
#
#   bash bench/state/restore.sh [--records N] [--users U] [--runs R] [--out PREFIX]
#
# Run it on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
records=1000000 users=100000 runs=3 out=bench/results/state-restore-$(date +%F)
while [ $# -gt 0 ]; do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "restore.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
flowrun=$root/build/flowrun
tools=$root/build/bench/peers
mkdir -p "$tools"
if [ ! -x "$tools/clickgen" ] || [ bench/peers/clickgen.cpp -nt "$tools/clickgen" ]; then
  # shellcheck disable=SC2046
  g++ -O2 -std=c++17 -pthread -o "$tools/clickgen" bench/peers/clickgen.cpp $(pkg-config --cflags --libs rdkafka)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-restore.XXXXXX")
cleanup() { bash tests/kafka/broker.sh stop "$work/broker" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
bash tests/kafka/broker.sh start "$work/broker"
brokers=$(cat "$work/broker/bootstrap")
"$tools/clickgen" topic "$brokers" clicks 8
mkdir -p "$work/ref"
"$tools/clickgen" gen "$brokers" clicks 8 "$records" "$users" "$work/ref" | tail -1
total=$(awk '$1=="records"{print $2}' "$work/ref/reference.txt")
sed "s/OUT_TOPIC/w2-out/" bench/peers/flow/w2.flow > "$work/w2.flow"
"$tools/clickgen" topic "$brokers" w2-out 8

# The job that fills the changelogs: stopped once every record is in.
"$flowrun" run "$work/w2.flow" --brokers "$brokers" --state-dir "$work/state-0" --app-id restore-bench \
  --progress json > "$work/fill.out" 2> "$work/fill.err" &
pid=$!
for _ in $(seq 1 600); do
  in=$(grep -o '"records_in":[0-9]*' "$work/fill.err" | tail -1 | cut -d: -f2 || true)
  [ "${in:-0}" -ge "$total" ] && break
  sleep 1
done
kill -TERM "$pid"
wait "$pid" || { echo "restore.sh: the filling run failed:"; cat "$work/fill.err"; exit 1; }
echo "filled: $(grep -F 'records in,' "$work/fill.err" | tail -1)"

echo "run,records,users,restored_records,restore_s,records_per_s,wall_to_launched_s" > "$out.csv"
for run in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  "$flowrun" run "$work/w2.flow" --brokers "$brokers" --state-dir "$work/state-$run" --app-id restore-bench \
    > "$work/run$run.out" 2> "$work/run$run.err" &
  pid=$!
  first=""
  for _ in $(seq 1 1200); do
    if grep -q 'worker thread' "$work/run$run.err"; then first=$(date +%s.%N); break; fi
    sleep 0.02
  done
  kill -TERM "$pid"
  wait "$pid" || true
  restored=$(sed -n 's/.*restored \([0-9,]*\) records from changelog.* in \([0-9.]*\) s .*/\1 \2/p' "$work/run$run.err" |
    tr -d , | awk '{n += $1; s += $2} END {print n, s}')
  read -r n seconds <<<"$restored"
  wall=$(awk -v a="${first:-$start}" -v b="$start" 'BEGIN {printf "%.2f", a - b}')
  rate=$(awk -v n="$n" -v s="$seconds" 'BEGIN {printf "%d", (s > 0 ? n / s : 0)}')
  echo "run $run: restored $n records over $(grep -c 'restored ' "$work/run$run.err") tasks in ${seconds} s ($rate records/s); launched (its tasks line) ${wall} s after the start"
  echo "$run,$total,$users,$n,$seconds,$rate,$wall" >> "$out.csv"
done
echo "wrote $out.csv"
