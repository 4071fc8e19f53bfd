#!/usr/bin/env bash
# An example compiled ahead of time: `flowc build` writes a shared object, and `flowrun run APP.so`
# must give exactly the example's expected output (run_example.sh's checks) without compiling.
# Usage: run_built_example.sh FLOWC FLOWRUN EXAMPLE_DIR
set -euo pipefail
flowc=$1 flowrun=$2 dir=$3
name=$(basename "$dir")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$flowc" build "$dir/$name.flow" -o "$out/$name.so"
FLOW_APP="$out/$name.so" bash "$(dirname "$0")/run_example.sh" "$flowrun" "$dir" --threads 2
