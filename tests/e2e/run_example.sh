#!/usr/bin/env bash
# End to end through `flowrun run` on the embedded Kafka: the example's input file is loaded into
# its topic, the real runtime runs until idle (JIT-compiled pipelines, partition tasks, keyed state
# in LevelDB, checkpoints, Kafka sinks and dead letters), and every sink topic must hold exactly
# the records of expected/<sink>.jsonl (compared as sorted lines: order across keys is not
# defined). Dead letters must carry their reason, and records in = processed + dead-lettered.
# Optional: expected/*.dead_letters.jsonl (the dead letters; their count must match),
# expected/*.late.jsonl (the records written to `late` topics; their count must match) and
# expected/metrics.txt (every metric's final value, `NAME = VALUE` per line).
# Usage: run_example.sh FLOWRUN EXAMPLE_DIR [--threads N] [--brokers LIST] [--app-id ID]
# (with --brokers, a real Kafka whose topics exist: tests/kafka/run_example.sh prepares them)
set -euo pipefail
flowrun=$1 dir=$2 threads=2 kafka=(--embedded-kafka) app_id=()
shift 2
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads=$2; shift 2 ;;
    --brokers) kafka=(--brokers "$2"); shift 2 ;;
    --app-id) app_id=(--app-id "$2"); shift 2 ;;
    *) echo "run_example.sh: unknown argument $1"; exit 2 ;;
  esac
done
name=$(basename "$dir")
app=${FLOW_APP:-"$dir/$name.flow"}  # FLOW_APP: run another form of it (a `flowc build` .so)
state=$(mktemp -d)
out=$(mktemp)
err=$(mktemp)
inputs_dir=$(mktemp -d)
trap 'rm -rf "$state" "$out" "$err" "$inputs_dir"' EXIT

inputs=()
for file in "$dir"/input/*.jsonl; do
  # `flowrun test`'s phase lines (`@advance processing time …`) mean nothing to a plain run.
  grep -a -v '^@' "$file" > "$inputs_dir/$(basename "$file")" || true
  inputs+=(--input "$(basename "$file" .jsonl)=$inputs_dir/$(basename "$file")")
done
if ! "$flowrun" run "$app" "${kafka[@]}" "${app_id[@]}" "${inputs[@]}" --until-idle --show-output --threads "$threads" \
     --state-dir "$state" >"$out" 2>"$err"; then
  echo "FAIL: flowrun exited non-zero"; cat "$err"; exit 1
fi

status=0
for expected in "$dir"/expected/*.jsonl; do
  sink=$(basename "$expected" .jsonl)
  [[ "$sink" == *.dead_letters || "$sink" == *.late ]] && continue
  actual=$(awk -v header="== sink $sink " 'index($0, header) == 1 {on = 1; next} /^== / {on = 0} on' "$out" | sort)
  if ! diff -u <(sort "$expected") <(printf '%s\n' "$actual" | sed '/^$/d'); then
    echo "FAIL: sink \`$sink\` differs from $expected (- expected, + actual)"
    status=1
  fi
done
in=$(sed -n 's/^flowrun: \([0-9]*\) records in, .*/\1/p' "$err")
dead=$(sed -n 's/.* \([0-9]*\) dead-lettered in .*/\1/p' "$err")
dlq_lines=$(awk '/^== dead letters/ {on = 1; next} /^== / {on = 0} on' "$out" | grep -c ' <- ' || true)
lines=$(cat "$dir"/input/*.jsonl | sed '/^$/d; /^@/d' | wc -l)
if [ "$in" != "$lines" ]; then echo "FAIL: $in records in, but the input has $lines"; status=1; fi
if [ "$dead" != "$dlq_lines" ]; then echo "FAIL: $dead dead-lettered, but the dead-letter topic holds $dlq_lines"; status=1; fi
# (No such file: no dead letters expected.)
expected_dead=$({ cat /dev/null "$dir"/expected/*.dead_letters.jsonl 2>/dev/null || true; } | sed '/^$/d' | wc -l)
if [ "$dead" != "$expected_dead" ]; then
  echo "FAIL: $dead dead-lettered, expected $expected_dead (expected/*.dead_letters.jsonl)"; status=1
fi
late_lines=$(awk '/^== late records/ {on = 1; next} /^== / {on = 0} on' "$out" | grep -c ' <- late: ' || true)
expected_late=$({ cat /dev/null "$dir"/expected/*.late.jsonl 2>/dev/null || true; } | sed '/^$/d' | wc -l)
if [ "$late_lines" != "$expected_late" ]; then
  echo "FAIL: the late topics hold $late_lines records, expected $expected_late (expected/*.late.jsonl)"; status=1
fi
# expected/metrics.txt, when present: one `NAME = VALUE` line per metric, as flowrun reports them.
if [ -f "$dir/expected/metrics.txt" ]; then
  if ! diff -u <(sort "$dir/expected/metrics.txt") <(sed -n 's/^flowrun: metric //p' "$err" | sort); then
    echo "FAIL: metrics differ from $dir/expected/metrics.txt (- expected, + actual)"
    status=1
  fi
fi
[ "$status" -eq 0 ] && echo "ok: $name ($in records in, $dead dead-lettered, threads $threads, ${kafka[*]})"
exit "$status"
