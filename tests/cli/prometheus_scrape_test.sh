#!/usr/bin/env bash
# `flowrun run --metrics-address` under a real Prometheus server (Debian's `prometheus`): flowrun
# runs examples/clicks on the embedded Kafka and keeps running; its /metrics passes `promtool
# check metrics` (the exposition format and Prometheus' naming lints); Prometheus scrapes it every
# second, and PromQL through Prometheus' HTTP API gives the records in (11, the input's lines),
# the dead letters (2), the program's `health_checks` metric (2), a trigger-duration histogram
# with observations and an end-to-end latency sample per record written. A bad address, and a port already taken, stop the launch with the reason.
# Usage: prometheus_scrape_test.sh FLOWRUN SOURCE_DIR
set -u
flowrun=$1
src=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
for tool in prometheus promtool curl python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/setup installs it)"; exit 1; }
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

example="$src/examples/clicks"
timeout -k 5 120 "$flowrun" run "$example/clicks.flow" --embedded-kafka --input "clicks=$example/input/clicks.jsonl" \
  --state-dir "$tmp/state" --threads 2 --metrics-address 0 > "$tmp/flowrun.out" 2> "$tmp/flowrun.err" &
flowrun_pid=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'metrics at http://[^ ]*' "$tmp/flowrun.err" | sed 's/metrics at //')
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { kill -KILL "$flowrun_pid"; fail "flowrun did not say where its metrics are:"; cat "$tmp/flowrun.err"; exit 1; }
target=${url#http://}
target=${target%/metrics}
case "$target" in 127.0.0.1:*) echo "ok: a bare port binds loopback ($target)" ;; *) fail "bound $target, not loopback" ;; esac

# The exposition itself: content type and promtool's format and naming checks.
sleep 2
curl -s -D "$tmp/headers" "$url" -o "$tmp/metrics.txt"
if grep -qi '^content-type: text/plain' "$tmp/headers"; then echo "ok: served as text/plain"; else fail "content type:"; cat "$tmp/headers"; fi
if promtool check metrics < "$tmp/metrics.txt" > "$tmp/promtool.out" 2>&1; then
  echo "ok: promtool check metrics passes"
else
  fail "promtool check metrics:"; cat "$tmp/promtool.out"
fi

# A real Prometheus scrapes it.
prom_port=$(free_port)
cat > "$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: flowrun
    static_configs:
      - targets: ["$target"]
YML
timeout -k 5 110 prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$tmp/prometheus.log" 2>&1 &
pids+=($!)
# One PromQL query through the HTTP API: its single value, or nothing yet.
query() {
  curl -s --max-time 5 "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys
r=json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
expect() {  # PROMQL EXPECTED: waits up to 30 s for Prometheus to have scraped that value
  local got=
  for _ in $(seq 60); do
    got=$(query "$1")
    [ "$got" = "$2" ] && { echo "ok: $1 = $2"; return; }
    sleep 0.5
  done
  fail "$1 is '${got}', expected $2"
}
expect 'sum(flow_records_in_total{job="flowrun",query="views_per_minute"})' 11
expect 'sum(flow_records_dead_lettered_total{job="flowrun",source="clicks"})' 2
expect 'flow_metric_total{job="flowrun",metric="health_checks"}' 2
# Late records per query and source: a series for each query reading clicks (none late here).
expect 'count(flow_records_late_total{job="flowrun",source="clicks"})' 2
expect 'sum(flow_records_late_total{job="flowrun"})' 0
expect 'flow_trigger_duration_seconds_count{job="flowrun"} > bool 0' 1
# A store per task (4 partitions) and the one views_per_minute's tasks share (grouped by url).
expect 'count(flow_state_bytes{job="flowrun"})' 5
expect 'count(flow_state_bytes{job="flowrun",store="query-views_per_minute"} > 0)' 1
# Each store's cache of committed entries: its memory, and the reads it could not answer.
expect 'count(flow_state_cache_bytes{job="flowrun"})' 5
expect 'count(flow_state_cache_bytes{job="flowrun",store="query-views_per_minute"} > 0)' 1
expect 'count(flow_state_cache_misses_total{job="flowrun"})' 5
# Every record written has its end-to-end latency (the example's event times are in 1970: +Inf).
expect 'flow_end_to_end_latency_seconds_count{job="flowrun",query="views_per_minute"}' 2
expect 'flow_end_to_end_latency_seconds_bucket{job="flowrun",query="views_per_minute",le="+Inf"}' 2
if [ "$failures" -gt 0 ]; then echo "--- flowrun stderr"; tail -20 "$tmp/flowrun.err"; echo "--- prometheus"; tail -20 "$tmp/prometheus.log"; fi

# The port is taken now: a second flowrun stops at launch with the reason.
timeout -k 5 60 "$flowrun" run "$example/clicks.flow" --embedded-kafka --state-dir "$tmp/state2" \
  --metrics-address "$target" > /dev/null 2> "$tmp/taken.err"
status=$?
if [ "$status" = 1 ] && grep -q "cannot serve metrics on $target" "$tmp/taken.err"; then
  echo "ok: a taken port stops the launch with the reason"
else
  fail "a taken port (exit $status):"; cat "$tmp/taken.err"
fi
timeout -k 5 30 "$flowrun" run "$example/clicks.flow" --embedded-kafka --metrics-address localhost:http > /dev/null 2> "$tmp/bad.err"
status=$?
if [ "$status" = 2 ] && grep -q 'metrics-address` takes PORT, :PORT or HOST:PORT' "$tmp/bad.err"; then
  echo "ok: a bad address is a usage error"
else
  fail "a bad address (exit $status):"; cat "$tmp/bad.err"
fi
# SIGTERM: the run finishes its triggers, stops serving metrics and exits 0.
kill -TERM "$flowrun_pid"
wait "$flowrun_pid"
status=$?
if [ "$status" = 0 ]; then echo "ok: SIGTERM stops flowrun serving metrics, exit 0"; else fail "after SIGTERM: exit $status"; tail -5 "$tmp/flowrun.err"; fi
[ "$failures" = 0 ] && echo "all passed" || { echo "$failures failed"; exit 1; }
