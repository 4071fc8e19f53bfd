#!/usr/bin/env bash
# What flowrun checks at launch against a real broker:
#  - a topic whose partition count differs from the declared one stops the run with both counts;
#  - -X properties reach librdkafka: a security protocol the broker does not speak (ssl, sasl)
#    ends within the startup timeout with the cause, never a hang; an unknown property is named;
#    plaintext with a secret property runs, and the secret is printed as ****.
# Usage: launch_checks.sh FLOWRUN FLOWC ADMIN BROKER_DIR EXAMPLES_DIR
set -euo pipefail
flowrun=$1 flowc=$2 admin=$3 broker_dir=$4 examples=$5
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
brokers=$(broker_address "$broker_dir")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

# The clicks example declares 4 partitions; its topic gets 3.
prefix=$(unique_prefix launch)
python3 "$here/prepare_app.py" "$flowc" "$examples/clicks" "$prefix" "$work/app" >/dev/null
app=$work/app/clicks.flow
"$admin" "$brokers" create "${prefix}clicks" 3 "${prefix}clicks.dlq" 4 "${prefix}page-views" 4 "${prefix}sessions" 4
set +e
timeout 60 "$flowrun" run "$app" --brokers "$brokers" --until-idle --state-dir "$work/s1" >"$work/out" 2>"$work/err"
rc=$?
set -e
want="flowrun: source \`clicks\` declares 4 partitions but topic \`${prefix}clicks\` has 3; set \`partitions = 3\`"
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then fail "partition mismatch: exit $rc, expected a failure"; fi
grep -qF "$want" "$work/err" || { fail "partition mismatch: no \"$want\" in:"; cat "$work/err"; }
[ "$status" -eq 0 ] && echo "ok: partition mismatch stops the launch (exit $rc): $(grep -F declares "$work/err")"

# -X: each case must end (exit != 0) within 30 s, the startup timeout being 10 s. The cases run
# side by side (each mostly waits for that timeout).
run_x() {  # run_x N ARGS... : runs in the background, exit code in $work/xN.rc
  local n=$1
  shift
  ( set +e; t0=$SECONDS
    timeout 30 "$flowrun" run "$app" --brokers "$brokers" --until-idle --state-dir "$work/x$n" "$@" \
      >"$work/x$n.out" 2>"$work/x$n.err"
    echo "$? $((SECONDS - t0))" >"$work/x$n.rc" ) &
}
check_x() {  # check_x N WHAT EXPECTED-TEXT
  local n=$1 what=$2 expect=$3 rc seconds
  read -r rc seconds <"$work/x$n.rc"
  if [ "$rc" -eq 124 ]; then fail "$what: still running after 30 s (a hang)"; return; fi
  if [ "$rc" -eq 0 ]; then fail "$what: exit 0, expected a failure"; return; fi
  # flowrun's own message (not only librdkafka's log lines) must name the cause.
  if ! grep '^flowrun: ' "$work/x$n.err" | grep -qF -- "$expect"; then
    fail "$what: no flowrun message with \"$expect\" in stderr:"; cat "$work/x$n.err"; return
  fi
  echo "ok: $what: exit $rc after $seconds s: $(grep '^flowrun: ' "$work/x$n.err" | grep -F -- "$expect" | head -1)"
}
run_x 1 -X security.protocol=ssl
run_x 2 -X security.protocol=sasl_plaintext -X sasl.mechanism=PLAIN -X sasl.username=u -X sasl.password=p
run_x 3 -X no.such.property=1
run_x 4 --brokers 127.0.0.1:1
wait
check_x 1 "-X security.protocol=ssl against a plaintext broker" "SSL"
check_x 2 "-X security.protocol=sasl_plaintext against a plaintext broker" "SASL"
check_x 3 "-X with an unknown property" "-X no.such.property: No such configuration property"
check_x 4 "--brokers with nothing listening" "Connection refused"

# Plaintext spelled out, plus a secret property: runs, and the secret never shows.
"$admin" "$brokers" create "${prefix}ok.clicks" 4 "${prefix}ok.clicks.dlq" 4 "${prefix}ok.page-views" 4 \
  "${prefix}ok.sessions" 4
python3 "$here/prepare_app.py" "$flowc" "$examples/clicks" "${prefix}ok." "$work/ok" >/dev/null
if ! timeout 60 "$flowrun" run "$work/ok/clicks.flow" --brokers "$brokers" --until-idle --state-dir "$work/s2" --app-id "${prefix}ok" \
     --input clicks="$examples/clicks/input/clicks.jsonl" -X security.protocol=plaintext \
     -X sasl.password=hunter2 -X client.id=flow-launch-checks >"$work/out" 2>"$work/err"; then
  fail "-X security.protocol=plaintext: flowrun failed:"; grep -v '^%' "$work/err"
elif grep -q hunter2 "$work/err" "$work/out" || ! grep -qF -- "-X sasl.password=****" "$work/err"; then
  fail "-X sasl.password was not masked:"; cat "$work/err"
else
  echo "ok: -X security.protocol=plaintext -X sasl.password=**** -X client.id=…: $(grep -F 'records in' "$work/err")"
fi
exit "$status"
