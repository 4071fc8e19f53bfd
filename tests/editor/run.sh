#!/usr/bin/env bash
# The editor grammar's tests: vscode-tmgrammar-test on the hand-written cases (*.test.flow), then
# check_programs.js over every example, fixture and benchmark program and every flow block of
# docs/language.md. The npm packages (pinned by package-lock.json) are installed once into
# ~/.cache/flow/editor-grammar-test/<hash of the lock file>, not into the source tree.
# Usage: run.sh SOURCE_DIR
set -euo pipefail
src=$(cd "${1:?usage: run.sh SOURCE_DIR}" && pwd)
here="$src/tests/editor"
grammar="$src/editors/vscode/syntaxes/flow.tmLanguage.json"
command -v npm >/dev/null || { echo "run.sh: npm is missing: run scripts/setup (it installs nodejs)" >&2; exit 1; }

lock_hash=$(sha256sum "$here/package-lock.json" | cut -c1-16)
tools="${XDG_CACHE_HOME:-$HOME/.cache}/flow/editor-grammar-test/$lock_hash"
if [ ! -x "$tools/node_modules/.bin/vscode-tmgrammar-test" ]; then
  rm -rf "$tools.tmp" && mkdir -p "$tools.tmp"
  cp "$here/package.json" "$here/package-lock.json" "$tools.tmp/"
  (cd "$tools.tmp" && timeout -k 10 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  rm -rf "$tools" && mv "$tools.tmp" "$tools"
fi

cd "$here"
timeout -k 5 120 "$tools/node_modules/.bin/vscode-tmgrammar-test" -g "$grammar" '*.test.flow'

docs=$(mktemp -d)
trap 'rm -rf "$docs"' EXIT
python3 - "$src/docs/language.md" "$docs" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for i, block in enumerate(re.findall(r'```flow\n(.*?)```', text, re.S)):
    open(f'{sys.argv[2]}/language-{i:03}.flow', 'w').write(block)
PY
mapfile -t programs < <(find "$src/examples" "$src/tests/fixtures" "$src/bench" -name '*.flow' | sort)
NODE_PATH="$tools/node_modules" timeout -k 5 120 node "$here/check_programs.js" "$grammar" "${programs[@]}" "$docs"/*.flow
