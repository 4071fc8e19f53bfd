#!/usr/bin/env bash
# Parse time is linear in the length of a line: a generated program with 20,000 select items on
# one line is checked, formatted and its formatted text checked again, each under a hard 30 s
# limit (it takes about a second; when each node's span rescanned its line it took minutes).
# Usage: long_line_test.sh FLOWC
set -u
flowc=$1
items=20000
failures=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

{
  printf 'source s from kafka "s" as json { x: int } with (partitions = 1);\n'
  printf 'sink o to stdout;\n'
  printf 'query q { from s | select '
  awk -v n="$items" 'BEGIN { for (i = 1; i <= n; i++) printf "%sx + %d as c%d", (i > 1 ? ", " : ""), i, i }'
  printf ' | into o }\n'
} > "$tmp/one_line.flow"

run() {  # run WHAT COMMAND...: the command must exit 0 within 30 s
  local what=$1; shift
  local start end status
  start=$(date +%s.%N)
  timeout -k 5 30 "$@" > "$tmp/out" 2> "$tmp/err"; status=$?
  end=$(date +%s.%N)
  if [ "$status" != 0 ]; then
    [ "$status" = 124 ] && echo "FAIL: $what took more than 30 s" || { echo "FAIL: $what exited $status:"; head -c 2000 "$tmp/err"; }
    failures=$((failures + 1)); return 1
  fi
  printf 'ok: %s in %.2f s\n' "$what" "$(echo "$end - $start" | bc)"
}

run "check of $items items on one line" "$flowc" check "$tmp/one_line.flow"
if run "fmt of $items items on one line" "$flowc" fmt "$tmp/one_line.flow"; then
  cp "$tmp/out" "$tmp/formatted.flow"
  count=$(grep -o 'as c[0-9]*' "$tmp/formatted.flow" | sort -u | wc -l)
  if [ "$count" != "$items" ]; then echo "FAIL: the formatted program has $count distinct items, not $items"; failures=$((failures + 1)); fi
  run "check of the formatted program" "$flowc" check "$tmp/formatted.flow"
  run "fmt --check of the formatted program (idempotent)" "$flowc" fmt --check "$tmp/formatted.flow"
fi

echo "$failures failed"
[ "$failures" -eq 0 ]
