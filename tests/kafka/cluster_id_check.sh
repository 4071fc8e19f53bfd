#!/usr/bin/env bash
# broker.sh and cluster ids that start with '-' (one random id in 64): Kafka's StorageTool read
# `-t -XYZ…` as a flag, and the broker did not start. Checks that (1) a broker starts, formatted
# with a given id that starts with '-', and (2) broker.sh never draws such an id.
# Usage: cluster_id_check.sh (needs java and the jars, as `real kafka: start broker`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
status=0
cleanup() { FLOW_KAFKA_OWNER_PID=$$ bash "$here/broker.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

id=-bAAqAUURjqkT20jHa1vcw
if ! FLOW_KAFKA_CLUSTER_ID=$id FLOW_KAFKA_OWNER_PID=$$ FLOW_KAFKA_HEAP=256m timeout -k 5 120 bash "$here/broker.sh" start "$dir"; then
  echo "FAIL: the broker did not start with cluster id $id"
  status=1
elif ! grep -qxF -- "cluster.id=$id" "$(cat "$dir/data_dir")/logs/meta.properties"; then
  echo "FAIL: the broker's storage was not formatted with cluster id $id:"
  cat "$(cat "$dir/data_dir")/logs/meta.properties"
  status=1
else
  echo "ok: a broker formatted with cluster id $id starts"
fi

# 1,000 draws: drawn as before, about 16 would start with '-' (none: once in 6 million runs).
drawn=$(bash "$here/broker.sh" cluster-id 1000)
if [ "$(wc -l <<<"$drawn")" -ne 1000 ]; then
  echo "FAIL: broker.sh cluster-id 1000 printed $(wc -l <<<"$drawn") lines"
  status=1
elif bad=$(grep -vxE '[A-Za-z0-9_][A-Za-z0-9_-]{21}' <<<"$drawn"); then
  echo "FAIL: broker.sh drew cluster ids that start with '-' (or are malformed): $bad"
  status=1
else
  echo "ok: 1,000 cluster ids drawn, none starts with '-'"
fi
exit "$status"
