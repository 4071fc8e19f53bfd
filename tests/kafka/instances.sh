#!/usr/bin/env bash
# One instance per application id on a real broker (runtime/launcher/instance_guard.hpp):
#  - a second flowrun with the same --app-id (another state directory) stops at launch, exit 1,
#    naming the instance that runs, and writes nothing;
#  - one with another --app-id runs beside it;
#  - the first instance killed with -9 and restarted at once on its state directory is not taken
#    for another instance (its old membership is replaced), and runs to its end;
#  - once the first has stopped, the second one runs.
# Usage: instances.sh FLOWRUN FLOWC ADMIN BROKER_DIR EXAMPLES_DIR
set -euo pipefail
flowrun=$1 flowc=$2 admin=$3 broker_dir=$4 examples=$5
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
brokers=$(broker_address "$broker_dir")
work=$(mktemp -d)
first=
# $first is the `timeout` that limits the first instance: its flowrun (the child) goes first, as
# a SIGKILL of `timeout` would leave it running.
stop_first() { pkill -KILL -P "$first" 2>/dev/null || true; stop_pid "$first"; first=; }
trap '[ -n "$first" ] && stop_first; rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

prefix=$(unique_prefix instances)
listing=$(python3 "$here/prepare_app.py" "$flowc" "$examples/clicks" "$prefix" "$work/app")
# shellcheck disable=SC2086
"$admin" "$brokers" create $listing
app=$work/app/clicks.flow
kcat -P -b "$brokers" -t "${prefix}clicks" -p 0 -l "$examples/clicks/input/clicks.jsonl"
app_id="instances-$prefix"

# The first instance runs on (no --until-idle) until killed.
timeout -k 5 120 "$flowrun" run "$app" --brokers "$brokers" --app-id "$app_id" --state-dir "$work/s1" \
  >"$work/first.out" 2>"$work/first.err" &
first=$!
for _ in $(seq 1 300); do
  grep -q "records in" "$work/first.err" 2>/dev/null && break
  sleep 0.1
done
grep -q "records in" "$work/first.err" || { fail "the first instance did not start:"; cat "$work/first.err"; exit 1; }

# A second one with the same app id: stopped at launch, naming the first.
set +e
timeout -k 5 60 "$flowrun" run "$app" --brokers "$brokers" --app-id "$app_id" --state-dir "$work/s2" --until-idle \
  >"$work/second.out" 2>"$work/second.err"
rc=$?
set -e
want="flowrun: another instance of application \`$app_id\` is running: \`flowrun@$(uname -n):$(realpath "$work/s1")\`"
if [ "$rc" -ne 1 ]; then fail "second instance: exit $rc, expected 1"; cat "$work/second.err"; fi
grep -qF "$want" "$work/second.err" || { fail "second instance: no \"$want\" in:"; cat "$work/second.err"; }
if grep -q "records in" "$work/second.err"; then fail "the second instance read records before it stopped"; fi
[ "$status" -eq 0 ] && echo "ok: a second instance stops at launch (exit $rc): $(grep -F "$want" "$work/second.err" | head -c 220)…"

# Another app id runs beside the first.
if timeout -k 5 60 "$flowrun" run "$app" --brokers "$brokers" --app-id "$app_id-other" --state-dir "$work/s3" \
  --until-idle >"$work/other.out" 2>"$work/other.err"; then
  echo "ok: an instance of another app id runs beside it"
else
  fail "an instance of another app id did not run:"; cat "$work/other.err"
fi

# kill -9 of the first, restarted at once on its state directory: the same instance.
stop_first
start=$SECONDS
if timeout -k 5 60 "$flowrun" run "$app" --brokers "$brokers" --app-id "$app_id" --state-dir "$work/s1" \
  --until-idle >"$work/restart.out" 2>"$work/restart.err"; then
  echo "ok: the killed instance restarted at once on its state directory runs to its end ($((SECONDS - start)) s)"
else
  fail "the killed instance's restart was refused or failed:"; cat "$work/restart.err"
fi

# The restarted first instance stopped (and left the group): the second one runs now (from
# the oldest record: its state directory is not the one the group's offsets came from).
if timeout -k 5 60 "$flowrun" run "$app" --brokers "$brokers" --app-id "$app_id" --state-dir "$work/s2" \
  --until-idle --on-lost-state reprocess >"$work/later.out" 2>"$work/later.err"; then
  echo "ok: once the first instance has stopped, the second one runs"
else
  fail "the second instance did not run after the first stopped:"; cat "$work/later.err"
fi
exit $status
