#!/usr/bin/env bash
# The changelog topics at launch, on a real broker (runtime.md, "Changelogs"):
#  - flowrun creates a missing one compacted: a second run finds it and accepts its cleanup policy;
#  - one that exists with cleanup.policy=delete (retention would delete current state) stops the
#    launch with the reason and the command that fixes it;
#  - one with another partition count than the store's tasks stops the launch with both counts;
#  - the broker refuses to delete records from the one it created (so a restore cannot miss
#    the first records of a changelog flowrun accepted);
#  - and a new state directory for the same app id is restored from it, and /metrics says how
#    many records each store was restored from (`flow_state_restored_records`).
# Usage: changelog_checks.sh FLOWRUN FLOWC ADMIN BROKER_DIR
set -euo pipefail
flowrun=$1 flowc=$2 admin=$3 broker_dir=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
brokers=$(broker_address "$broker_dir")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

prefix=$(unique_prefix changelog)
id=${prefix%.}
cat > "$work/counts.flow" <<'FLOW'
source events from kafka "events" as json { user: string, n: int } with (partitions = 2);
sink running to kafka "running" as json;
query per_user {
    from events
    | key by user
    | process state { count: int = 0 } timeout 1h in processing time {
        on event {
            state.count += 1
            emit { user: key, count: state.count }
        }
    }
    | into running
}
FLOW
python3 "$here/prepare_app.py" "$flowc" "$work/counts.flow" "$prefix" "$work/app" > "$work/topics"
# shellcheck disable=SC2046
"$admin" "$brokers" create $(cat "$work/topics")
app=$work/app/counts.flow
for i in $(seq 0 9); do echo "{\"user\":\"u$((i % 3))\",\"n\":1}"; done | timeout -k 5 30 kcat -P -b "$brokers" -t "${prefix}events" -p 0
run() {  # run NAME APP_ID STATE: flowrun run --until-idle, exit code in $work/NAME.rc
  set +e
  timeout -k 5 90 "$flowrun" run "$app" --brokers "$brokers" --until-idle --app-id "$2" --state-dir "$work/$3" \
    >"$work/$1.out" 2>"$work/$1.err"
  echo $? >"$work/$1.rc"
  set -e
}
expect() {  # expect NAME RC TEXT WHAT
  if [ "$(cat "$work/$1.rc")" -ne "$2" ]; then
    fail "$4: exit $(cat "$work/$1.rc"), expected $2:"; grep -v '^%' "$work/$1.err"
  elif [ -n "$3" ] && ! grep -qF -- "$3" "$work/$1.err"; then
    fail "$4: no \"$3\" in:"; grep -v '^%' "$work/$1.err"
  else
    echo "ok: $4${3:+: $(grep -F -- "$3" "$work/$1.err" | head -1)}"
  fi
}

run created "$id-a" s1
expect created 0 "keyed state backed by changelog topic \`$id-a-events-changelog\`" "a missing changelog is created"
run again "$id-a" s1
expect again 0 "" "the created changelog passes the launch checks (cleanup.policy=compact) on the next run"

"$admin" "$brokers" create "$id-b-events-changelog" 2  # the broker's default policy: delete
run delete_policy "$id-b" s2
expect delete_policy 1 "changelog topic \`$id-b-events-changelog\` has cleanup.policy=delete" \
  "a changelog with cleanup.policy=delete stops the launch"

"$admin" "$brokers" create "$id-c-events-changelog" 3
run partitions "$id-c" s3
expect partitions 1 "changelog topic \`$id-c-events-changelog\` has 3 partitions, but its store has 2 tasks" \
  "a changelog with another partition count stops the launch"

# Kafka refuses DeleteRecords on a compacted topic (a policy violation): the log of a changelog
# flowrun accepted cannot lose its first records, so its restore never misses them.
if timeout -k 5 60 "$admin" "$brokers" delete-records "$id-a-events-changelog" 0 1 2>"$work/delete.err"; then
  fail "DeleteRecords on the compacted changelog was accepted"
elif ! grep -qF "Policy violation" "$work/delete.err"; then
  fail "DeleteRecords on the compacted changelog: no policy violation in: $(cat "$work/delete.err")"
else
  echo "ok: the broker refuses DeleteRecords on the compacted changelog: $(cat "$work/delete.err")"
fi
# A new state directory (a new machine) for app id a: restored at launch, and /metrics keeps it.
timeout -k 5 90 "$flowrun" run "$app" --brokers "$brokers" --app-id "$id-a" --state-dir "$work/s4" \
  --metrics-address 0 >"$work/restored.out" 2>"$work/restored.err" &
pid=$!
url= metrics=
for _ in $(seq 300); do
  [ -n "$url" ] || url=$(grep -o 'metrics at http://[^ ]*' "$work/restored.err" | sed 's/metrics at //' || true)
  if [ -n "$url" ] && curl -s "$url" -o "$work/metrics.txt" && grep -q '^flow_state_restored_records' "$work/metrics.txt"; then
    metrics=$work/metrics.txt
    break
  fi
  sleep 0.1
done
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
launch=$(grep -F "task \`events-0\`: restored" "$work/restored.err" | head -1 || true)
restored= seconds=
if [ -n "$metrics" ]; then
  restored=$(sed -n 's/^flow_state_restored_records{store="events-0"} \([0-9.e+]*\)$/\1/p' "$metrics")
  seconds=$(sed -n 's/^flow_state_restore_seconds{store="events-0"} \([0-9.e+-]*\)$/\1/p' "$metrics")
fi
if [ -z "$launch" ]; then
  fail "the new state directory was not restored:"; grep -v '^%' "$work/restored.err"
elif [ -z "$restored" ] || ! awk -v n="$restored" 'BEGIN { exit !(n > 0) }'; then
  fail "/metrics (${url:-no address}) has no restored records for store events-0: $(grep restore "${metrics:-/dev/null}" || true)"
  grep -v '^%' "$work/restored.err"
elif ! grep -qF "restored ${restored%.*} records" <<<"${launch//,/}"; then
  fail "/metrics says $restored records restored, the launch line: $launch"
elif [ -z "$seconds" ]; then
  fail "/metrics has no restore seconds for store events-0"
else
  echo "ok: a new state directory is restored, and /metrics says so: events-0 $restored records in ${seconds} s ($launch)"
fi
exit "$status"
