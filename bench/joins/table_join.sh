#!/usr/bin/env bash
# bench/joins/table_join.sh — a stream–table join (temporal by event time) against a stateless
# baseline, in one invocation, on the embedded Kafka: CLICKS clicks of USERS users and a users
# table — a row per user one second before the first click, then USERS updates of a user's region
# interleaved with the clicks in event time — 8 partitions (W4 of bench/peers, without a broker).
# `pass` is `select … | into` over the clicks alone; `join` is bench/peers/flow/w4.flow over both.
# Prints, per run, the records in, CPU seconds (user + sys), records per CPU second and peak RSS.
#
#   bash bench/joins/table_join.sh [CLICKS (400000)] [USERS (100000)] [RUNS (2)]
#
# FLOWRUN picks the flowrun (default build/flowrun), FLOWRUN_BASE adds the join run with another
# build's (join-base); PERF_JOIN=FILE adds one join run after the
# measured ones, recorded with `perf record -g` into FILE (not in the figures). Needs a flow build (bash scripts/build), python3 and
# /usr/bin/time. Run it on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
clicks=${1:-400000}
users=${2:-100000}
runs=${3:-2}
source "$root/bench/joins/measure.sh"

python3 - "$work" "$clicks" "$users" <<'PY'
import json, random, sys
work, n, users = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(17)
t0 = 1767225600000  # 2026-01-01T00:00:00Z
regions = ["eu-west", "eu-central", "us-east", "us-west", "ap-south", "ap-northeast", "sa-east", "af-south"]
urls = ["/", "/cart", "/health", "/products/1", "/products/2", "/search", "/checkout"]
with open(f"{work}/users.jsonl", "w") as u, open(f"{work}/clicks.jsonl", "w") as c:
    for i in range(users):
        u.write(json.dumps({"id": f"u{i:07d}", "region": random.choice(regions), "updated": t0 - 1000}) + "\n")
    step = max(1, 2_000_000 // users)
    updates = 0
    for i in range(n):
        ts = t0 + i * step
        c.write(json.dumps({"user": f"u{random.randrange(users):07d}", "url": random.choice(urls),
                            "bytes": random.randrange(10000), "ts": ts}) + "\n")
        while updates < (i + 1) * users // n:  # USERS updates spread over the clicks
            updates += 1
            u.write(json.dumps({"id": f"u{random.randrange(users):07d}", "region": random.choice(regions),
                                "updated": ts + 3}) + "\n")
print(f"table_join.sh: {n} clicks, {users} users, {updates} updates")
PY
table_rows=$(wc -l <"$work/users.jsonl")

sed 's/OUT_TOPIC/joined/' "$root/bench/peers/flow/w4.flow" >"$work/join.flow"
python3 - "$work/join.flow" "$work/pass.flow" <<'PY'
import sys
s = open(sys.argv[1]).read()
t = s.index("table users")
q = s.index("sink out")
open(sys.argv[2], "w").write(s[:t] + s[q:s.index("query w4 {")] + """query w4 {
    from clicks
    | select user, url, bytes, ts
    | into out
}
""")
PY

measure_header
for r in $(seq 1 "$runs"); do
  measure pass "$r" "$clicks" "$work/pass.flow" "clicks=$work/clicks.jsonl"
  measure join "$r" $((clicks + table_rows)) "$work/join.flow" "clicks=$work/clicks.jsonl" "users=$work/users.jsonl"
  measure_base join-base "$r" $((clicks + table_rows)) "$work/join.flow" "clicks=$work/clicks.jsonl" "users=$work/users.jsonl"
done
if [ -n "${PERF_JOIN:-}" ]; then
  timeout -k 10 900 perf record -g -o "$PERF_JOIN" -- "$flowrun" run "$work/join.flow" --embedded-kafka \
    --input "clicks=$work/clicks.jsonl" --input "users=$work/users.jsonl" --until-idle --threads 2 \
    --state-dir "$work/state-perf" >/dev/null 2>"$work/err-perf" || { tail -n 5 "$work/err-perf"; exit 1; }
  echo "table_join.sh: perf profile of a join run in $PERF_JOIN"
fi
