#!/usr/bin/env bash
# A source's `late = "topic"` keeps the records a query drops as late: each goes there whole (its
# key and value), with headers saying why (`flow.error`: the window that had closed, the query,
# the watermark), where it came from (`flow.source`, `flow.partition`, `flow.offset`) and which
# query dropped it (`flow.query`); a record two queries drop goes there twice. `flowrun run`
# says how many went there (progress `late_to_topic`, the warning at the end) and `flowrun test`
# compares the topic with expected/SOURCE.late.jsonl. One partition, one record per trigger: the
# watermark passes the first windows' ends before the late record is read.
# Usage: late_topic_test.sh FLOWRUN
set -u
flowrun=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $1"; shift; for f in "$@"; do cat "$f"; done; failures=$((failures + 1)); }
cat > "$tmp/late.flow" <<'FLOW'
source views from kafka "views" as json { user: string, ts: timestamp }
    with (partitions = 1, max_records_per_trigger = 1, event_time = ts, watermark = 1s, late = "views.late");
sink per_minute to kafka "per-minute" as json;
sink sessions to kafka "sessions" as json;
query per_minute {
    from views
    | key by user
    | group by user window tumbling(1m)
    | aggregate count() as views
    | emit final
    | into per_minute
}
query sessions {
    from views
    | group by user window session(10s)
    | aggregate count() as views
    | emit final
    | into sessions
}
FLOW
printf '%s\n' '{"user":"ann","ts":"2026-01-01T00:00:10Z"}' '{"user":"ann","ts":"2026-01-01T00:01:30Z"}' \
  '{"user":"ann","ts":"2026-01-01T00:00:20Z"}' '{"user":"ann","ts":"2026-01-01T00:01:40Z"}' > "$tmp/views.jsonl"
timeout -k 5 60 "$flowrun" run "$tmp/late.flow" --embedded-kafka --until-idle --input views="$tmp/views.jsonl" \
  --state-dir "$tmp/state" --show-output --progress json > "$tmp/out" 2> "$tmp/err"
status=$?
late_line='{"user":"ann","ts":"2026-01-01T00:00:20Z"}    <- late: the window [2026-01-01T00:00:00.000Z, 2026-01-01T00:01:00.000Z) of query `per_minute` closed at watermark 2026-01-01T00:01:29.000Z (query per_minute, key ann, partition 0 offset 2)'
session_line='{"user":"ann","ts":"2026-01-01T00:00:20Z"}    <- late: the window [2026-01-01T00:00:20.000Z, 2026-01-01T00:00:30.000Z) of query `sessions` closed at watermark 2026-01-01T00:01:29.000Z (query sessions, key ann, partition 0 offset 2)'
if [ "$status" = 0 ] && grep -qF '== late records of views (topic "views.late"): 2 records' "$tmp/out" &&
   grep -qxF "$late_line" "$tmp/out" && grep -qxF "$session_line" "$tmp/out"; then
  echo "ok: the late record is in the late topic, once per query that dropped it, with its key and headers"
else
  fail "flowrun run (exit $status): the late topic does not hold the late record as expected:" "$tmp/out" "$tmp/err"
fi
if grep -qE '^\{"query":"per_minute",.*"late":1,"late_by_source":\{"views":1\},"late_to_topic":1,"watermark"' "$tmp/err" &&
   grep -qF 'warning: query `sessions` dropped 1 record as late: the windows they belong to had closed (a larger `watermark` on the source waits longer for them); 1 of them written to the source'"'"'s `late` topic' "$tmp/err"; then
  echo "ok: progress and the summary say how many went to the late topic"
else
  fail "progress or summary do not count the records written to the late topic:" "$tmp/err"
fi

mkdir -p "$tmp/fixture/input" "$tmp/fixture/expected"
cp "$tmp/late.flow" "$tmp/fixture/late.flow"
cp "$tmp/views.jsonl" "$tmp/fixture/input/views.jsonl"
printf '%s\n' '{"user":"ann","window_start":1767225600000,"window_end":1767225660000,"views":1}' \
  '{"user":"ann","window_start":1767225660000,"window_end":1767225720000,"views":2}' > "$tmp/fixture/expected/per_minute.jsonl"
printf '%s\n' '{"user":"ann","window_start":1767225610000,"window_end":1767225620000,"views":1}' \
  '{"user":"ann","window_start":1767225690000,"window_end":1767225700000,"views":1}' \
  '{"user":"ann","window_start":1767225700000,"window_end":1767225710000,"views":1}' > "$tmp/fixture/expected/sessions.jsonl"
printf '%s\n' '{"value":"{\"user\":\"ann\",\"ts\":\"2026-01-01T00:00:20Z\"}","error":"late: the window [2026-01-01T00:00:00.000Z, 2026-01-01T00:01:00.000Z) of query `per_minute`"}' \
  '{"value":"{\"user\":\"ann\",\"ts\":\"2026-01-01T00:00:20Z\"}","error":"late: the window [2026-01-01T00:00:20.000Z, 2026-01-01T00:00:30.000Z) of query `sessions`"}' \
  > "$tmp/fixture/expected/views.late.jsonl"
# expect_test STATUS TEXT WHAT: `flowrun test` on the fixture exits STATUS and prints TEXT.
expect_test() {
  timeout -k 5 60 "$flowrun" test "$tmp/fixture/late.flow" > "$tmp/test.out" 2>&1
  local status=$?
  if [ "$status" = "$1" ] && grep -qF "$2" "$tmp/test.out"; then
    echo "ok: $3"
  else
    fail "flowrun test (exit $status, expected $1): not $3:" "$tmp/test.out"
  fi
}
expect_test 0 '2 dropped as late (views 2; 2 in `late` topics); 3 outputs match' \
  "flowrun test compares the late topic with expected/views.late.jsonl"
sed -i '2d' "$tmp/fixture/expected/views.late.jsonl"  # one late record fewer than the topic holds
expect_test 1 'late records of `views` (topic "views.late") differs from' \
  "flowrun test fails when the late topic differs from what the fixture expects"
[ "$failures" = 0 ] || { echo "$failures failed"; exit 1; }
