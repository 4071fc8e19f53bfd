#!/usr/bin/env bash
# An example on the real broker: its topics get a unique prefix and are created with their
# declared partitions (tests/kafka/prepare_app.py), then tests/e2e/run_example.sh runs it with
# `flowrun run --brokers B --input ... --until-idle --show-output --state-dir ...` (the input
# produced keyed exactly as with the embedded Kafka) and compares every sink with expected/.
# Usage: run_example.sh FLOWRUN FLOWC ADMIN BROKER_DIR EXAMPLE_DIR [--partitions P] [--threads N]
# (--partitions P: every source declares P partitions, its topics created so)
set -euo pipefail
flowrun=$1 flowc=$2 admin=$3 broker_dir=$4 example=$5
shift 5
partitions=()
if [ "${1:-}" = --partitions ]; then partitions=(--partitions "$2"); shift 2; fi
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
brokers=$(broker_address "$broker_dir")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$example")
prefix=$(unique_prefix "$name")
topics=$(python3 "$here/prepare_app.py" "$flowc" "$example" "$prefix" "$work/$name" "${partitions[@]}")
create_topics "$admin" "$brokers" "$topics"
# Its own app id: the changelog topics (APP_ID-STORE-changelog) of one run are not another's.
bash "$here/../e2e/run_example.sh" "$flowrun" "$work/$name" --brokers "$brokers" --app-id "${prefix%.}" "$@"
