#!/usr/bin/env bash
# Every unit test case runs under its own CTest name: doctest_discover_tests hands CTest each name
# as a CMake list item, so a name with a `;` became two CTest tests whose filters match no test
# case — they "passed" running nothing (19 did, found 2026-12-03). Names must not hold `;`.
# Usage: check_test_names.sh FLOW_UNIT_TESTS
set -uo pipefail
binary=${1:?usage: check_test_names.sh FLOW_UNIT_TESTS}
names=$("$binary" --list-test-cases --no-version 2>/dev/null | sed -n '/^=\{5,\}/,/^=\{5,\}/p' | sed '1d;$d')
count=$(printf '%s\n' "$names" | grep -c . || true)
bad=$(printf '%s\n' "$names" | grep ';' || true)
if [ "$count" -lt 100 ]; then echo "FAIL: only $count test cases listed by $binary"; exit 1; fi
if [ -n "$bad" ]; then
  echo "FAIL: test case names with \`;\` (CTest would split them and run nothing; use \`,\`):"
  printf '  %s\n' "$bad"
  exit 1
fi
echo "ok: $count test case names, none with \`;\`"
