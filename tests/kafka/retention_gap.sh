#!/usr/bin/env bash
# A checkpoint below its partition's low watermark: retention deleted records after the offset a
# stopped application resumes at, before it read them (here: DeleteRecords, what retention does).
#  - by default the run stops (exit 1), naming the topic, the partition, both offsets and how
#    many records were deleted, and nothing moves on;
#  - with --on-retention-gap skip it goes on at the low watermark and reports the records skipped;
#  - records deleted while it runs, before it read them, stop the run too (no jump to the end).
# Usage: retention_gap.sh FLOWRUN FLOWC ADMIN BROKER_DIR
set -euo pipefail
flowrun=$1 flowc=$2 admin=$3 broker_dir=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
brokers=$(broker_address "$broker_dir")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

prefix=$(unique_prefix gap)
# The retention checks are the offsets' (every task has a checkpoint): a stateless copy of the
# events. (counts.flow's timeout would fire at the end of the first --until-idle run and close its
# state, and a later run with new records stops for that first: runtime.md, "Not yet".)
cat > "$work/counts.flow" <<'FLOW'
source events from kafka "events" as json { user: string, seq: int, n: int }
    with (partitions = 1, max_records_per_trigger = 500, dead_letter = "events.dlq");
sink running to kafka "running" as json;
query per_user { from events | select user, seq, n | into running }
FLOW
python3 "$here/prepare_app.py" "$flowc" "$work/counts.flow" "$prefix" "$work/app" > "$work/topics"
# shellcheck disable=SC2046
"$admin" "$brokers" create $(cat "$work/topics")
app=$work/app/counts.flow
topic=${prefix}events
for i in $(seq 0 9); do echo "{\"user\":\"u$((i % 3))\",\"seq\":$i,\"n\":1}"; done > "$work/first.jsonl"
for i in $(seq 10 19); do echo "{\"user\":\"u$((i % 3))\",\"seq\":$i,\"n\":1}"; done > "$work/second.jsonl"
run() {  # run NAME ARGS...: flowrun run on the app's state, exit code in $work/NAME.rc
  local name=$1
  shift
  set +e
  timeout -k 5 90 "$flowrun" run "$app" --brokers "$brokers" --until-idle --state-dir "$work/state" "$@" \
    >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.rc"
  set -e
}

# Run 1 reads offsets 0-9 and checkpoints offset 10; then 10 more records arrive, and the
# records before offset 15 are deleted before the application runs again.
run first --input events="$work/first.jsonl"
[ "$(cat "$work/first.rc")" -eq 0 ] || { fail "the first run failed:"; cat "$work/first.err"; exit 1; }
timeout -k 5 30 kcat -P -b "$brokers" -t "$topic" -p 0 <"$work/second.jsonl"
timeout -k 5 60 "$admin" "$brokers" delete-records "$topic" 0 15

run stopped
want="flowrun: topic \`$topic\` partition 0: the checkpoint resumes at offset 10 but the oldest record the topic still holds is at offset 15 (its low watermark): retention deleted 5 records before they were processed"
if [ "$(cat "$work/stopped.rc")" -ne 1 ]; then
  fail "a checkpoint below the low watermark: exit $(cat "$work/stopped.rc"), expected 1:"; cat "$work/stopped.err"
elif ! grep -qF -- "$want" "$work/stopped.err"; then
  fail "a checkpoint below the low watermark: no \"$want\" in:"; cat "$work/stopped.err"
else
  echo "ok: the run stops: $(grep -F 'retention deleted' "$work/stopped.err")"
fi

run skipped --on-retention-gap skip
if [ "$(cat "$work/skipped.rc")" -ne 0 ]; then
  fail "--on-retention-gap skip: exit $(cat "$work/skipped.rc"):"; cat "$work/skipped.err"
elif ! grep -qF "skipped 5 records retention deleted before they were processed (offsets 10 to 14" "$work/skipped.err" ||
     ! grep -qE "^flowrun: 5 records in, .*; 5 skipped, deleted by retention before they were read$" "$work/skipped.err"; then
  fail "--on-retention-gap skip: the 5 records skipped are not reported:"; cat "$work/skipped.err"
else
  echo "ok: --on-retention-gap skip goes on: $(grep -F 'skipped, deleted' "$work/skipped.err")"
fi
# While it runs: flowrun is stopped (SIGSTOP) once it has caught up at offset 20, 10 records
# arrive one by one, those before offset 25 are deleted, and it goes on. Fetching one record at a
# time (max.partition.fetch.bytes=1), the fetch it had waiting returns offset 20 (or nothing, when
# it timed out before the first record came), the next one asks for offset 21 (or 20): no longer
# held. That stops the run; it never jumps to the end.
# (Not under `timeout`: SIGSTOP must reach flowrun itself. Its limit is the wait below, then
# SIGTERM, and the trap's SIGKILL.)
"$flowrun" run "$app" --brokers "$brokers" --state-dir "$work/state" \
  -X max.partition.fetch.bytes=1 >"$work/running.out" 2>"$work/running.err" &
running=$!
trap 'stop_pid "$running"; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "worker thread" "$work/running.err" && break; sleep 0.1; done
sleep 2
kill -STOP "$running"
for i in $(seq 20 29); do
  echo "{\"user\":\"u$((i % 3))\",\"seq\":$i,\"n\":1}" | timeout -k 5 30 kcat -P -b "$brokers" -t "$topic" -p 0
done
timeout -k 5 60 "$admin" "$brokers" delete-records "$topic" 0 25
kill -CONT "$running"
for _ in $(seq 300); do kill -0 "$running" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$running" 2>/dev/null; then
  kill -TERM "$running"
  wait "$running" || true
  fail "records deleted while running: flowrun ran on (stopped with SIGTERM after 30 s):"; cat "$work/running.err"
else
  set +e; wait "$running"; rc=$?; set -e
  want="partition 0: the records from offset 2[01] on are gone"
  if [ "$rc" -ne 1 ] || ! grep -qE -- "$want" "$work/running.err"; then
    fail "records deleted while running: exit $rc, expected 1 with \"$want\":"; cat "$work/running.err"
  else
    echo "ok: records deleted while running stop the run: $(grep -F 'are gone' "$work/running.err")"
  fi
fi
exit "$status"
