#!/usr/bin/env bash
# The code cache (STATE_DIR/code-cache/) against damage: an entry truncated, emptied, garbled,
# replaced by another program's, or with one byte of its machine code altered is discarded with
# one warning naming the file and why, the program is compiled again and gives the same output,
# and the entry written in its place is good (the next start loads it, without a warning).
# Usage: code_cache_test.sh FLOWRUN SOURCE_DIR
set -u
flowrun=$1 root=$2
failures=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
app="$root/examples/clicks/clicks.flow"
input="$root/examples/clicks/input/clicks.jsonl"
sed 's|where url != "/health"$|where url != "/healthz"|' "$app" > "$tmp/other.flow"  # another program

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run NAME [APP]: a run on a fresh state directory STATE/NAME whose code-cache/ is prepared by
# the caller; stdout (sorted) in NAME.out, stderr in NAME.err, the exit status in $status.
run() {
  timeout -k 5 60 "$flowrun" run "${2:-$app}" --embedded-kafka --until-idle --show-output \
    --input clicks="$input" --state-dir "$tmp/state/$1" > "$tmp/$1.raw" 2> "$tmp/$1.err"
  status=$?
  sort "$tmp/$1.raw" > "$tmp/$1.out"
}

mkdir -p "$tmp/state"
run clean
[ "$status" = 0 ] || fail "the first run exited $status: $(cat "$tmp/clean.err")"
entries=("$tmp"/state/clean/code-cache/flow-*.o)
[ ${#entries[@]} = 1 ] && [ -f "${entries[0]}" ] || fail "the first run left no single cache entry: ${entries[*]}"
entry=$(basename "${entries[0]}")
run other "$tmp/other.flow"
[ "$status" = 0 ] || fail "the other program's run exited $status: $(cat "$tmp/other.err")"
foreign=("$tmp"/state/other/code-cache/flow-*.o)

# damage KIND REASON_PATTERN COMMAND...: COMMAND turns $tmp/state/KIND/code-cache/ENTRY (a copy of
# the good entry) into a bad one; then the run, and a run after it on the entry it rewrote.
damage() {
  local kind=$1 reason=$2; shift 2
  local file="$tmp/state/$kind/code-cache/$entry"
  mkdir -p "$tmp/state/$kind/code-cache"
  cp "${entries[0]}" "$file"
  "$@" "$file"
  run "$kind"
  if [ "$status" != 0 ]; then fail "$kind: exited $status: $(cat "$tmp/$kind.err")"; return; fi
  local line
  line=$(grep 'code cache entry' "$tmp/$kind.err")
  if [ "$(grep -c 'code cache entry' "$tmp/$kind.err")" != 1 ] ||
     ! grep -qF -- "flowrun: warning: code cache entry \`$file\` discarded: " <<<"$line" ||
     ! grep -qE -- ": $reason; compiling again\$" <<<"$line"; then
    fail "$kind: stderr lacks one warning naming \`$file\` and /$reason/:"; cat "$tmp/$kind.err"; return
  fi
  if ! cmp -s "$tmp/clean.out" "$tmp/$kind.out"; then
    fail "$kind: the output differs from the clean run's:"; diff "$tmp/clean.out" "$tmp/$kind.out" | head; return
  fi
  # The entry written in its place serves the next start.
  mkdir -p "$tmp/state/$kind-again/code-cache"
  cp "$file" "$tmp/state/$kind-again/code-cache/"
  run "$kind-again"
  if [ "$status" != 0 ] || grep -q 'code cache entry' "$tmp/$kind-again.err" ||
     ! grep -q 'machine code from the cache' "$tmp/$kind-again.err" || ! cmp -s "$tmp/clean.out" "$tmp/$kind-again.out"; then
    fail "$kind: the rewritten entry does not serve the next start (exit $status):"; cat "$tmp/$kind-again.err"; return
  fi
  echo "ok: $kind entry: discarded with a warning, recompiled, same output, rewritten good"
}

truncate_half() { truncate -s $(( $(stat -c %s "$1") / 2 )) "$1"; }
truncate_header() { truncate -s 40 "$1"; }
empty() { : > "$1"; }
garble() { head -c "$(stat -c %s "$1")" /dev/urandom > "$1"; }
foreign() { cp "${foreign[0]}" "$1"; }
alter_one_byte() {  # one byte of the machine code, well past the header, flipped
  python3 - "$1" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
data[len(data) // 2] ^= 0xFF
open(path, 'wb').write(data)
PY
}

damage truncated "it is truncated: its header announces [0-9]+ bytes of machine code, the file holds [0-9]+" truncate_half
damage truncated-header "it is truncated: 40 bytes, shorter than its 64-byte header" truncate_header
damage empty "it is empty" empty
damage garbled "it does not start with flow's cache header \(garbled, or written by an older flow\)" garble
damage foreign "it holds the machine code of another program \(its key differs\)" foreign
damage altered "its checksum does not match its contents \(the machine code was altered or damaged\)" alter_one_byte

echo "$failures failed"
[ "$failures" -eq 0 ]
