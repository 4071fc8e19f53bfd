#!/usr/bin/env bash
# Golden test of `flowc explain`: the text and JSON forms of an example's plan must equal the
# files checked in next to this script, and the dot form must render with Graphviz.
# Usage: check_explain.sh FLOWC EXAMPLE.flow NAME [--update]
set -euo pipefail
flowc=$1 example=$2 name=$3
here=$(cd "$(dirname "$0")" && pwd)
status=0
for format in text json; do
  golden="$here/$name.$format"
  actual=$("$flowc" explain "$example" --format "$format")
  if [ "${4:-}" = "--update" ]; then
    printf '%s\n' "$actual" > "$golden"
    echo "updated $golden"
  elif ! diff -u "$golden" <(printf '%s\n' "$actual"); then
    echo "FAIL: flowc explain --format $format differs from $golden (rerun with --update to accept)"
    status=1
  fi
done
svg=$("$flowc" explain "$example" --format dot | dot -Tsvg)
if ! grep -q "<svg" <<<"$svg"; then
  echo "FAIL: dot could not render the plan of $example"
  status=1
fi
[ "$status" -eq 0 ] && echo "ok: explain of $example"
exit "$status"
