#!/usr/bin/env bash
# A program shape of the physical plan on the real broker, as tests/fixtures/check_shape.sh runs
# it with `flowrun test`: three runs in a row at 1 and at 4 partitions (every source's topics
# created with that many, fresh topics and a fresh app id each run), each through `flowrun run
# --brokers … --until-idle` and compared with the fixture's expected/ (tests/kafka/run_example.sh).
# Usage: check_shape.sh FLOWRUN FLOWC ADMIN BROKER_DIR FIXTURE_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flowrun=$1 flowc=$2 admin=$3 broker_dir=$4 fixture=$5
for run in 1 2 3; do
  for partitions in 1 4; do
    if ! out=$(timeout -k 10 120 bash "$here/run_example.sh" "$flowrun" "$flowc" "$admin" "$broker_dir" "$fixture" \
               --partitions "$partitions" --threads 2 2>&1); then
      echo "FAIL: run $run at $partitions partitions on the real broker:"; echo "$out"; exit 1
    fi
    echo "ok: run $run at $partitions partitions"
  done
done
