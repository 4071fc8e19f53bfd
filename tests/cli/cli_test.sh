#!/usr/bin/env bash
# Command-line contract of flowc and flowrun: help and version exit 0, unknown flags and commands
# print usage to stderr and exit 2, check exits 0 clean / 1 with errors.
set -u
flowc=$1 flowrun=$2 root=$3
failures=0

expect() {  # expect STATUS STDERR_PATTERN -- COMMAND...
  local want=$1 pattern=$2; shift 3
  local err status
  err=$("$@" 2>&1 >/dev/null); status=$?
  if [ "$status" != "$want" ]; then
    echo "FAIL: '$*' exited $status, expected $want"; failures=$((failures + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$err"; then
    echo "FAIL: '$*' stderr lacks /$pattern/:"; echo "$err"; failures=$((failures + 1)); return
  fi
  echo "ok: $*"
}

expect 0 "" -- "$flowc" --help
expect 0 "" -- "$flowc" --version
expect 0 "" -- "$flowrun" --help
expect 0 "" -- "$flowrun" --version
"$flowc" --version | grep -qE '^flowc [0-9]+\.[0-9]+\.[0-9]+$' || { echo "FAIL: flowc --version format"; failures=$((failures + 1)); }
expect 2 "unknown option .--frobnicate" -- "$flowc" --frobnicate
expect 2 "^usage: flowc" -- "$flowc" --frobnicate
expect 2 "unknown command .frobnicate.*" -- "$flowc" frobnicate x.flow
expect 2 "no command given" -- "$flowc"
expect 2 "no input file" -- "$flowc" check
expect 2 "invalid value" -- "$flowc" check --color=sometimes x.flow
expect 2 "unknown option .--frobnicate" -- "$flowrun" --frobnicate
expect 2 "unknown command .frobnicate" -- "$flowrun" frobnicate
expect 0 "" -- "$flowc" check "$root/examples/clicks/clicks.flow"
expect 1 "error\[E0001\]: cannot read .*/no/such/file.flow" -- "$flowc" check /no/such/file.flow

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
: > "$tmp/empty.flow"
expect 1 "error\[E0002\]" -- "$flowc" check "$tmp/empty.flow"
head -c 4096 /dev/urandom > "$tmp/binary.flow"; printf '\0' >> "$tmp/binary.flow"
expect 1 "error\[E0003\]" -- "$flowc" check "$tmp/binary.flow"
head -c 10485760 /dev/zero | tr '\0' ' ' > "$tmp/big.flow"
expect 1 "error\[E0004\]" -- "$flowc" check "$tmp/big.flow"
{ printf 'query q { from s | where '; for _ in $(seq 100000); do printf '('; done; printf 'x'; } > "$tmp/deep.flow"
expect 1 "error\[E0005\]" -- "$flowc" check "$tmp/deep.flow"
{ printf 'query q { from s | where x'; for _ in $(seq 50000); do printf ' + x'; done; printf ' | into o }\n'; } > "$tmp/long.flow"
expect 1 "error\[E0005\]" -- "$flowc" check "$tmp/long.flow"
# Two independent errors in one file are both reported.
printf 'source a from kafka "a" as json { x: strng } with (partitions = 1);\nsink b to kafka "b" as json\nmetric m;\n' > "$tmp/two.flow"
expect 1 "E0106.*E0101|E0101.*E0106" -- bash -c "'$flowc' check '$tmp/two.flow' 2>&1 | tr '\n' ' ' >&2; exit \${PIPESTATUS[0]}"
# fmt --write rewrites a file into its canonical form; --check then passes.
printf 'metric   m ;\nsink s to stdout;' > "$tmp/fmt.flow"
expect 1 "is not formatted" -- "$flowc" fmt --check "$tmp/fmt.flow"
expect 0 "" -- "$flowc" fmt --write "$tmp/fmt.flow"
expect 0 "" -- "$flowc" fmt --check "$tmp/fmt.flow"


# flowc build / flowrun run APP.so: usage, a broken program, a shared object flowc did not build.
expect 2 '`build` takes one file' -- "$flowc" build a.flow b.flow
expect 2 '`-o` needs a value' -- "$flowc" build "$root/examples/clicks/clicks.flow" -o
expect 1 "cannot build .*it has errors" -- "$flowc" build "$tmp/two.flow" -o "$tmp/two.so"
expect 0 "built .*clicks.so" -- "$flowc" build "$root/examples/clicks/clicks.flow" -o "$tmp/clicks.so"
# The operators between two aggregates are in the shared object as native code (a stage function),
# not left to the evaluator (which a note would say).
two_aggregates=$("$flowc" build "$root/tests/fixtures/two_aggregates/two_aggregates.flow" -o "$tmp/two_aggregates.so" 2>&1)
if grep -q "reference evaluator" <<<"$two_aggregates" || ! nm -D --defined-only "$tmp/two_aggregates.so" | grep -qw flow_stage_0_0; then
  echo "FAIL: two_aggregates.so lacks its stage function flow_stage_0_0: $two_aggregates"; failures=$((failures + 1))
else
  echo "ok: two_aggregates.so holds flow_stage_0_0"
fi
cp "$(ldd "$flowc" | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')" "$tmp/libc.so"
expect 1 "is not an application built by .flowc build." -- "$flowrun" run "$tmp/libc.so" --embedded-kafka
expect 1 "cannot load .*no/such.so" -- "$flowrun" run /no/such.so --embedded-kafka
# A damaged shared object is refused before dlopen maps it (truncated to 4,096 bytes it raised
# SIGBUS, with 200 bytes flipped SIGSEGV), and a bare name is a file in the current directory.
head -c 4096 "$tmp/clicks.so" > "$tmp/truncated.so"
expect 1 "truncated.so. is not an application built by .flowc build., or it is damaged: it does not end with flowc's trailer; build it again with .flowc build APP.flow -o .*truncated.so." \
  -- timeout -k 5 60 "$flowrun" run "$tmp/truncated.so" --embedded-kafka --until-idle --state-dir "$tmp/so-state"
python3 - "$tmp/clicks.so" "$tmp/flipped.so" <<'PY'
import random, sys
data = bytearray(open(sys.argv[1], 'rb').read())
rng = random.Random(15)
for offset in rng.sample(range(len(data) - 32), 200):  # the ELF, not flowc's trailer
    data[offset] ^= 0xFF
open(sys.argv[2], 'wb').write(data)
PY
expect 1 "flipped.so. is damaged: its checksum does not match its contents; build it again" \
  -- timeout -k 5 60 "$flowrun" run "$tmp/flipped.so" --embedded-kafka --until-idle --state-dir "$tmp/so-state"
{ cat "$tmp/clicks.so"; printf 'appended'; } > "$tmp/appended.so"
expect 1 "appended.so. is not an application built by .flowc build., or it is damaged" -- timeout -k 5 60 "$flowrun" run "$tmp/appended.so" --embedded-kafka --until-idle --state-dir "$tmp/so-state"
printf 'query q { from s | into t }\n' > "$tmp/text.so"
expect 1 "text.so. is not an application built by .flowc build., or it is damaged" -- timeout -k 5 60 "$flowrun" run "$tmp/text.so" --embedded-kafka --until-idle --state-dir "$tmp/so-state"
: > "$tmp/empty.so"
expect 1 "empty.so. is not an application built by .flowc build., or it is damaged: .*\(it is empty\)" -- timeout -k 5 60 "$flowrun" run "$tmp/empty.so" --embedded-kafka --until-idle --state-dir "$tmp/so-state"
mkdir "$tmp/folder.so"
expect 1 "cannot load .*folder.so.: it is a directory" -- timeout -k 5 60 "$flowrun" run "$tmp/folder.so" --embedded-kafka --until-idle --state-dir "$tmp/so-state"
expect 0 "loaded .clicks.so." -- bash -c "cd '$tmp' && exec timeout -k 5 60 '$flowrun' run clicks.so --embedded-kafka --until-idle --state-dir bare \
  --input clicks='$root/examples/clicks/input/clicks.jsonl'"
# flowrun test: usage errors.
expect 2 "--partitions. takes positive counts" -- "$flowrun" test "$root/examples/clicks/clicks.flow" --partitions 0,2
expect 2 "no application given" -- "$flowrun" test
expect 1 "is not a source of the application" -- "$flowrun" test "$root/examples/clicks/clicks.flow" --fixtures "$root/examples/clean_and_route"

# flowrun flags (issue 15, items 9-12). Numbers are read whole and bounded; more threads than tasks
# are not started; a signal during start-up is honoured.
clicks="$root/examples/clicks/clicks.flow" clicks_in="$root/examples/clicks/input/clicks.jsonl"
for bad in 1000000 4x 0 -3 ' 4'; do
  expect 2 '`--threads` takes a whole number from 1 to 1024' -- timeout -k 5 60 "$flowrun" run "$clicks" --embedded-kafka --threads "$bad"
  expect 2 '`--threads` takes a whole number from 1 to 1024' -- timeout -k 5 60 "$flowrun" test "$clicks" --threads "$bad"
done
expect 2 '`--partitions` takes positive counts up to 1024' -- timeout -k 5 60 "$flowrun" test "$clicks" --partitions 1,2x
for bad in 4 2000000 64MB ''; do
  expect 2 '`--state-cache-mb` takes a whole number of MiB from 8 to 1048576' -- timeout -k 5 60 "$flowrun" run "$clicks" \
    --embedded-kafka --state-cache-mb "$bad"
done
# The budget is divided over the stores and said at launch: 4 tasks of state, the one shared store.
expect 0 "64 MiB of state memory: 8 MiB of block cache, and per store of state \\(5 stores\\)" -- timeout -k 5 60 "$flowrun" run \
  "$clicks" --embedded-kafka --until-idle --state-cache-mb 64 --input clicks="$clicks_in" --state-dir "$tmp/cache-mb"
expect 0 "64 threads asked for 4 tasks: starting 4" -- timeout -k 5 60 "$flowrun" run "$clicks" --embedded-kafka \
  --until-idle --threads 64 --input clicks="$clicks_in" --state-dir "$tmp/threads"
timeout -k 5 60 "$flowrun" run "$clicks" --embedded-kafka --threads 1024 --input clicks="$clicks_in" \
  --state-dir "$tmp/sigterm" >/dev/null 2>"$tmp/sigterm.err" &
pid=$!
sleep 0.3; kill -TERM "$pid"; started=$SECONDS; wait "$pid"; status=$?
if [ "$status" = 0 ] && [ $((SECONDS - started)) -le 10 ]; then echo "ok: SIGTERM during start-up stops flowrun (exit 0)"
else echo "FAIL: SIGTERM during start-up: exit $status after $((SECONDS - started)) s"; cat "$tmp/sigterm.err"; failures=$((failures + 1)); fi

# --input: a directory, a line over the producer's limit (named before anything is produced), an
# app id that would leave the state root.
expect 1 "input file .*is a directory" -- timeout -k 5 60 "$flowrun" run "$clicks" --embedded-kafka --until-idle \
  --input clicks="$tmp" --state-dir "$tmp/dir-input"
{ head -1 "$clicks_in"; printf '{"user":"ann","url":"/%s","bytes":1,"ts":1}\n' "$(head -c 2000 /dev/zero | tr '\0' a)"; } > "$tmp/long_line.jsonl"
expect 1 "long_line.jsonl, line 2: the record is 20[0-9][0-9] bytes .*message.max.bytes of 1000; nothing of" \
  -- timeout -k 5 60 "$flowrun" run "$clicks" --embedded-kafka --until-idle -X message.max.bytes=1000 \
  --input clicks="$tmp/long_line.jsonl" --state-dir "$tmp/long-line"
mkdir -p "$tmp/cwd/a"
for bad in ../../x .. 'a/b' 'a b'; do
  expect 2 "--app-id $bad.: an app id" -- bash -c "cd '$tmp/cwd/a' && timeout -k 5 60 '$flowrun' run '$clicks' \
    --embedded-kafka --until-idle --app-id '$bad'"
done
if [ "$(ls -A "$tmp/cwd")" = a ] && [ -z "$(ls -A "$tmp/cwd/a")" ]; then echo "ok: a refused app id writes nothing"
else echo "FAIL: a refused app id wrote:"; find "$tmp/cwd"; failures=$((failures + 1)); fi

# flowrun test --update checks every write: an expected/ that is a file, an expected file that is
# a folder: exit 1 naming the path and the reason, and never "wrote" for what was not written.
update_check() {  # update_check NAME PATTERN: flowrun test --update on $tmp/NAME must fail so
  local out err status
  out=$(timeout -k 5 120 "$flowrun" test "$tmp/$1/clicks.flow" --update 2>"$tmp/$1.err"); status=$?
  err=$(cat "$tmp/$1.err")
  if [ "$status" = 1 ] && grep -qE -- "$2" <<<"$err" && ! grep -q "wrote $tmp/$1/expected/page_views" <<<"$out"; then
    echo "ok: flowrun test --update ($1) fails with /$2/"
  else echo "FAIL: flowrun test --update ($1): exit $status"; echo "$out"; echo "$err"; failures=$((failures + 1)); fi
}
cp -r "$root/examples/clicks" "$tmp/update_file" && rm -r "$tmp/update_file/expected" && : > "$tmp/update_file/expected"
update_check update_file "cannot create folder .*update_file/expected.: Not a directory"
cp -r "$root/examples/clicks" "$tmp/update_dir" && rm "$tmp/update_dir/expected/page_views.jsonl" \
  && mkdir "$tmp/update_dir/expected/page_views.jsonl"
update_check update_dir "cannot replace .*update_dir/expected/page_views.jsonl.: Is a directory"

# Secrets: every -X or --config value is masked unless its key is known to be harmless (whatever the
# case or spelling of the key), and a secret can come from a file. No secret value appears in any
# output, whichever way the run ends.
printf 'the-file-secret-5\n' > "$tmp/secret5"
printf '# client settings\n\nsecurity.protocol = plaintext\nsasl.password=the-config-secret-4\n' > "$tmp/client.properties"
secret_run() {  # secret_run STATUS PATTERN ARGS...: flowrun run ARGS exits STATUS, its output matches PATTERN, no secret
  local want=$1 pattern=$2; shift 2
  local all status
  all=$(timeout -k 5 60 "$flowrun" run "$clicks" --embedded-kafka --until-idle --input clicks="$clicks_in" "$@" 2>&1); status=$?
  if [ "$status" != "$want" ] || ! grep -qE -- "$pattern" <<<"$all" || grep -qiE "secret-[0-9]" <<<"$all"; then
    echo "FAIL: secrets: '$*' exited $status (expected $want), output must match /$pattern/ and hold no secret:"
    echo "$all"; failures=$((failures + 1))
  else echo "ok: secrets masked: $*"; fi
}
secret_run 1 'SASL.PASSWORD=\*\*\*\*' --state-dir "$tmp/secrets1" -X sasl.passwrd=the-secret-1 \
  -X SASL.PASSWORD=the-secret-2 -X 'sasl.oauthbearer.config=clientId=me clientSecret=the-secret-3'
secret_run 0 'sasl.oauthbearer.config=\*\*\*\*' --state-dir "$tmp/secrets2" --config "$tmp/client.properties" \
  -X sasl.username=@"$tmp/secret5" -X 'sasl.oauthbearer.config=clientId=me clientSecret=the-secret-3' \
  -X client.id=flow-cli-test -X debug=conf,security
secret_run 0 'client.id=flow-cli-test' --state-dir "$tmp/secrets3" --config "$tmp/client.properties" \
  -X client.id=flow-cli-test --log-level trace
printf 'client.id=a\nthe-secret-6\n' > "$tmp/bad.properties"
expect 2 "bad.properties:2: not a .key=value. line" -- timeout -k 5 60 "$flowrun" run "$clicks" --embedded-kafka --config "$tmp/bad.properties"
! timeout -k 5 60 "$flowrun" run "$clicks" --embedded-kafka --config "$tmp/bad.properties" 2>&1 | grep -q the-secret-6 \
  && echo "ok: a bad --config line is not shown" || { echo "FAIL: a bad --config line was shown"; failures=$((failures + 1)); }
expect 2 "cannot read .*no/such/secret.: No such file or directory" -- timeout -k 5 60 "$flowrun" run "$clicks" \
  --embedded-kafka -X sasl.password=@/no/such/secret

# Progress: a per-query JSON line (records, rate, watermark, lag, state, trigger time) and an
# application line, at least once per run (the last report comes when the input is read).
progress=$("$flowrun" run "$root/examples/clicks/clicks.flow" --embedded-kafka --until-idle --progress json \
  --input clicks="$root/examples/clicks/input/clicks.jsonl" --state-dir "$tmp/progress" 2>&1 >/dev/null)
for pattern in '^\{"query":"sessionize","records_in":11,"records_per_second":[0-9]+,"records_out":[0-9]+,"late":0,"late_by_source":\{"clicks":0\},"watermark":"1970-01-01T00:02:30.000Z","lag":0,"state_keys":3,"trigger_ms":[0-9.]+\}$' \
               '^\{"records_in":11,"records_out":[0-9]+,"dead_lettered":2,"state_bytes":[0-9]+,"metrics":\{"health_checks":2\}\}$'; do
  if grep -qE "$pattern" <<<"$progress"; then echo "ok: progress matches $pattern"
  else echo "FAIL: no progress line matches $pattern:"; echo "$progress"; failures=$((failures + 1)); fi
done

# examples/page_views reports its one late record, and that it went to the late topic.
progress=$("$flowrun" run "$root/examples/page_views/page_views.flow" --embedded-kafka --until-idle --progress json \
  --input views="$root/examples/page_views/input/views.jsonl" --state-dir "$tmp/progress-late" 2>&1 >/dev/null)
if grep -qE '^\{"query":"views_per_minute",.*"late":1,"late_by_source":\{"views":1\},"late_to_topic":1,' <<<"$progress"; then
  echo "ok: page_views reports its late record in --progress json"
else
  echo "FAIL: no progress line of page_views with its late record:"; echo "$progress"; failures=$((failures + 1))
fi

# The application line's state bytes count every store, a join's shared one too (it said 0 once).
progress=$("$flowrun" run "$root/examples/enrich_views/enrich_views.flow" --embedded-kafka --until-idle --progress json \
  --input users="$root/examples/enrich_views/input/users.jsonl" --input views="$root/examples/enrich_views/input/views.jsonl" \
  --state-dir "$tmp/progress-join" 2>&1 >/dev/null)
if grep -qE '^\{"records_in":[0-9]+,.*"state_bytes":[1-9][0-9]*,' <<<"$progress"; then
  echo "ok: a join's shared state is in the progress line's state bytes"
else
  echo "FAIL: no progress line with state_bytes > 0 for a join:"; echo "$progress"; failures=$((failures + 1))
fi

# Input beyond what the embedded Kafka keeps (5 MB per partition, the oldest dropped beyond) is
# refused rather than silently cut: 60,000 records of ~110 bytes into 1 partition.
awk 'BEGIN { for (i = 0; i < 60000; i++) printf "{\"user\":\"u%d\",\"url\":\"/page/%d/with/a/rather/long/path/for/size\",\"bytes\":%d,\"ts\":%d}\n", i % 100, i, i, 1000 * i }' \
  > "$tmp/big.jsonl"
sed 's/partitions = 4/partitions = 1/' "$root/examples/clicks/clicks.flow" > "$tmp/one_partition.flow"
expect 1 "keeps at most 5 MB of records per partition and dropped the first [0-9]+ records of topic .clicks. partition 0" \
  -- "$flowrun" run "$tmp/one_partition.flow" --embedded-kafka --until-idle --input clicks="$tmp/big.jsonl" \
  --state-dir "$tmp/big"

# A restart on state written by another version of a query (a state field added) stops with the
# reason instead of crashing: the first run is stopped (SIGTERM) with its sessions open, so their
# state stays in the checkpoint; the second run reads it.
sed 's/partitions = 4/partitions = 1/' "$root/examples/clicks/clicks.flow" > "$tmp/v1.flow"
sed 's/        clicks: int = 0,/        clicks: int = 0,\n        visits: int = 0,/' "$tmp/v1.flow" > "$tmp/v2.flow"
"$flowrun" run "$tmp/v1.flow" --embedded-kafka --input clicks="$root/examples/clicks/input/clicks.jsonl" \
  --state-dir "$tmp/versions" >/dev/null 2>&1 &
first=$!
for _ in $(seq 50); do [ -n "$(ls "$tmp/versions" 2>/dev/null)" ] && break; sleep 0.1; done
sleep 2
kill -TERM "$first"; wait "$first"
# The new embedded Kafka holds the input twice: the checkpoint's offsets point past the first copy.
cat "$root/examples/clicks/input/clicks.jsonl" "$root/examples/clicks/input/clicks.jsonl" > "$tmp/twice.jsonl"
expect 1 "query .sessionize. has 4 state fields, the query declares 5: the state was written by another version" \
  -- "$flowrun" run "$tmp/v2.flow" --embedded-kafka --until-idle --state-dir "$tmp/versions" \
  --input clicks="$tmp/twice.jsonl"

# --state-dir that is a file, lies under a file, or cannot be created: a message naming it, exit 1
# (not an uncaught std::filesystem_error and SIGABRT).
: > "$tmp/a-file"
expect 1 "the state directory .*/a-file. is a file, not a directory; give .--state-dir. a directory" \
  -- "$flowrun" run "$root/examples/clicks/clicks.flow" --embedded-kafka --until-idle --state-dir "$tmp/a-file"
expect 1 "cannot create the state directory .*/a-file/state.: .*/a-file. is a file, not a directory" \
  -- "$flowrun" run "$root/examples/clicks/clicks.flow" --embedded-kafka --until-idle --state-dir "$tmp/a-file/state"
expect 1 "cannot create the state directory ./sys/flow-state-test/s.: Operation not permitted" \
  -- "$flowrun" run "$root/examples/clicks/clicks.flow" --embedded-kafka --until-idle --state-dir /sys/flow-state-test/s

# A damaged state store stops the next run with the store and what to do, rather than running on
# without the state it lost: one flipped byte in a task's write-ahead log; a deleted CURRENT.
for damage in flipped-byte no-current; do
  "$flowrun" run "$tmp/one_partition.flow" --embedded-kafka --until-idle --state-dir "$tmp/$damage" \
    --input clicks="$root/examples/clicks/input/clicks.jsonl" >/dev/null 2>&1 \
    || { echo "FAIL: the run before the $damage damage failed"; failures=$((failures + 1)); }
done
log=$(ls "$tmp/flipped-byte/clicks-0/"[0-9]*.log)
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(24); b = f.read(1); f.seek(24); f.write(bytes([b[0] ^ 0x20]))' "$log"
expect 1 "the state store in .*/flipped-byte/clicks-0. is damaged \(Corruption: .*\); restore .*/flipped-byte/clicks-0. from a backup, or delete the state directory .*/flipped-byte." \
  -- "$flowrun" run "$tmp/one_partition.flow" --embedded-kafka --until-idle --state-dir "$tmp/flipped-byte"
rm "$tmp/no-current/clicks-0/CURRENT"
expect 1 "the state store in .*/no-current/clicks-0. is damaged: it holds LevelDB files .* but no .CURRENT. file" \
  -- "$flowrun" run "$tmp/one_partition.flow" --embedded-kafka --until-idle --state-dir "$tmp/no-current"

# A checkpoint beyond the topic's end (a topic created again; here a new embedded Kafka with less
# input) stops the run; Kafka's consumer would jump to the end, past records never read.
head -n 3 "$root/examples/clicks/input/clicks.jsonl" > "$tmp/three.jsonl"
"$flowrun" run "$tmp/one_partition.flow" --embedded-kafka --until-idle --state-dir "$tmp/beyond" \
  --input clicks="$root/examples/clicks/input/clicks.jsonl" >/dev/null 2>&1 \
  || { echo "FAIL: the run before the shorter topic failed"; failures=$((failures + 1)); }
expect 1 "topic .clicks. partition 0: the checkpoint resumes at offset 11 but the topic ends at offset 3" \
  -- "$flowrun" run "$tmp/one_partition.flow" --embedded-kafka --until-idle --state-dir "$tmp/beyond" \
  --input clicks="$tmp/three.jsonl"

# --on-retention-gap takes stop or skip (its behaviour: real kafka: retention gap …).
expect 2 "--on-retention-gap. takes stop or skip, not .later." \
  -- "$flowrun" run "$root/examples/clicks/clicks.flow" --embedded-kafka --on-retention-gap later

echo "$failures failed"
[ "$failures" -eq 0 ]
