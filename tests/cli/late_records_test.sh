#!/usr/bin/env bash
# Records dropped as late are never silent: a record whose one-minute window closed before it
# came is counted, and `flowrun run` says so per query (and `flowrun test` in its result line).
# One partition, one record per trigger: the watermark passes the first window's end before the
# late record is read. Usage: late_records_test.sh FLOWRUN
set -u
flowrun=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failures=0
cat > "$tmp/late.flow" <<'FLOW'
source views from kafka "views" as json { user: string, ts: timestamp }
    with (partitions = 1, max_records_per_trigger = 1, event_time = ts, watermark = 1s);
sink per_minute to kafka "per-minute" as json;
query per_minute {
    from views
    | group by user window tumbling(1m)
    | aggregate count() as views
    | emit final
    | into per_minute
}
FLOW
printf '%s\n' '{"user":"ann","ts":"2026-01-01T00:00:10Z"}' '{"user":"ann","ts":"2026-01-01T00:01:30Z"}' \
  '{"user":"ann","ts":"2026-01-01T00:00:20Z"}' '{"user":"ann","ts":"2026-01-01T00:01:40Z"}' > "$tmp/views.jsonl"
timeout -k 5 60 "$flowrun" run "$tmp/late.flow" --embedded-kafka --until-idle --input views="$tmp/views.jsonl" \
  --state-dir "$tmp/state" > "$tmp/out" 2> "$tmp/err"
status=$?
if [ "$status" = 0 ] && grep -q 'warning: query `per_minute` dropped 1 record as late' "$tmp/err" &&
   grep -q '4 records in, 2 out' "$tmp/err"; then
  echo "ok: flowrun run counts and reports the late record"
else
  echo "FAIL: flowrun run (exit $status) did not report 1 late record:"; cat "$tmp/err"; failures=$((failures + 1))
fi
mkdir -p "$tmp/fixture/input" "$tmp/fixture/expected"
cp "$tmp/late.flow" "$tmp/fixture/late.flow"
cp "$tmp/views.jsonl" "$tmp/fixture/input/views.jsonl"
printf '%s\n' '{"user":"ann","window_start":1767225600000,"window_end":1767225660000,"views":1}' \
  '{"user":"ann","window_start":1767225660000,"window_end":1767225720000,"views":2}' > "$tmp/fixture/expected/per_minute.jsonl"
timeout -k 5 60 "$flowrun" test "$tmp/fixture/late.flow" --partitions 1 > "$tmp/test.out" 2>&1
status=$?
if [ "$status" = 0 ] && grep -qF '1 dropped as late (views 1)' "$tmp/test.out"; then
  echo "ok: flowrun test reports the late record"
else
  echo "FAIL: flowrun test (exit $status) did not report 1 late record:"; cat "$tmp/test.out"; failures=$((failures + 1))
fi
# A query over two sources says whose records were late: the windowed join's fixture drops one
# impression (older than the join's watermark), none of the clicks.
fixture=$(cd "$(dirname "$0")/../fixtures/window_join_late" && pwd)/window_join_late.flow
timeout -k 5 60 "$flowrun" test "$fixture" --partitions 2 > "$tmp/join.out" 2>&1
status=$?
if [ "$status" = 0 ] && grep -qF '1 dropped as late (impressions 1; 1 in `late` topics)' "$tmp/join.out"; then
  echo "ok: flowrun test counts the late record for its source"
else
  echo "FAIL: flowrun test (exit $status) did not count 1 late impression:"; cat "$tmp/join.out"; failures=$((failures + 1))
fi
[ "$failures" = 0 ] || { echo "$failures failed"; exit 1; }
