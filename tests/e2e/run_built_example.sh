#!/usr/bin/env bash
# An example compiled ahead of time: `flowc build` writes a shared object, and `flowrun run APP.so`
# must give exactly the example's expected output (run_example.sh's checks) without compiling —
# and without parsing: the object holds the plan image, not the `.flow` text (no comment of the
# source is in it).
# Usage: run_built_example.sh FLOWC FLOWRUN EXAMPLE_DIR
set -euo pipefail
flowc=$1 flowrun=$2 dir=$3
name=$(basename "$dir")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$flowc" build "$dir/$name.flow" -o "$out/$name.so"
comments=0
while IFS= read -r line; do
  comments=$((comments + 1))
  if grep -qF -- "$line" "$out/$name.so"; then
    echo "FAIL: $name.so holds the source's comment line: $line" >&2
    exit 1
  fi
done < <(grep -E '^\s*//.{12,}' "$dir/$name.flow")
[ "$comments" -gt 0 ] || { echo "FAIL: $name.flow has no comment line to look for" >&2; exit 1; }
FLOW_APP="$out/$name.so" bash "$(dirname "$0")/run_example.sh" "$flowrun" "$dir" --threads 2
