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

# Progress: a per-query JSON line (records, rate, watermark, lag, state, trigger time) and an
# application line, at least once per run (the last report comes when the input is read).
progress=$("$flowrun" run "$root/examples/clicks/clicks.flow" --embedded-kafka --until-idle --progress json \
  --input clicks="$root/examples/clicks/input/clicks.jsonl" --state-dir "$tmp/progress" 2>&1 >/dev/null)
for pattern in '^\{"query":"sessionize","records_in":11,"records_per_second":[0-9]+,"records_out":[0-9]+,"watermark":"1970-01-01T00:02:30.000Z","lag":0,"state_keys":3,"trigger_ms":[0-9.]+\}$' \
               '^\{"records_in":11,"records_out":[0-9]+,"dead_lettered":2,"state_bytes":[0-9]+,"metrics":\{"health_checks":2\}\}$'; do
  if grep -qE "$pattern" <<<"$progress"; then echo "ok: progress matches $pattern"
  else echo "FAIL: no progress line matches $pattern:"; echo "$progress"; failures=$((failures + 1)); fi
done

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

echo "$failures failed"
[ "$failures" -eq 0 ]
