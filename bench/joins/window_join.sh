#!/usr/bin/env bash
# bench/joins/window_join.sh — a windowed stream–stream join against a stateless baseline, in one
# invocation, on the embedded Kafka: IMPRESSIONS impressions of AD_IDS ads and about half as many
# clicks (each within 10 minutes after an impression of its ad, some unmatched), event time in
# order, 8 partitions. `pass` is `select … | into` over the impressions alone; `join` is
# examples/ad_clicks (a left join within 0s before and 10m after) over both. Prints, per run, the
# records in, CPU seconds (user + sys), records per CPU second and peak RSS.
#
#   bash bench/joins/window_join.sh [IMPRESSIONS (400000)] [AD_IDS (100000)] [RUNS (2)]
#
# FLOWRUN picks the flowrun (default build/flowrun), FLOWRUN_BASE adds the join run with another
# build's (join-base). Needs a flow build (bash scripts/build), python3 and /usr/bin/time. Run it
# on a quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
impressions=${1:-400000}
ads=${2:-100000}
runs=${3:-2}
source "$root/bench/joins/measure.sh"

python3 - "$work" "$impressions" "$ads" <<'PY'
import json, random, sys
work, n, ads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(17)
t0 = 1772359200000  # 2026-03-01T10:00:00Z
def rfc(ms):
    s, m = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{m:03d}Z"
clicks = []
with open(f"{work}/impressions.jsonl", "w") as f:
    for i in range(n):
        t = t0 + i * 5  # 200 impressions per second of event time
        ad = f"ad{random.randrange(ads)}"
        f.write(json.dumps({"ad_id": ad, "campaign": f"c{random.randrange(50)}", "shown_at": rfc(t)}) + "\n")
        if random.random() < 0.5:
            clicks.append((t + random.randrange(600_000), ad))
clicks.sort()
with open(f"{work}/clicks.jsonl", "w") as f:
    for t, ad in clicks:
        f.write(json.dumps({"ad_id": ad, "user": f"u{random.randrange(1000000)}", "clicked_at": rfc(t)}) + "\n")
print(f"window_join.sh: {n} impressions, {len(clicks)} clicks, {ads} ads")
PY
clicks=$(wc -l <"$work/clicks.jsonl")

sed 's/partitions = [0-9]*/partitions = 8/' "$root/examples/ad_clicks/ad_clicks.flow" >"$work/join.flow"
python3 - "$work/join.flow" "$work/pass.flow" <<'PY'
import sys
s = open(sys.argv[1]).read()
q = s.index("query attributed {")
open(sys.argv[2], "w").write(s[:q] + """query attributed {
    from impressions
    | select ad_id, campaign, shown_at
    | into attributed
}
""")
PY

measure_header
for r in $(seq 1 "$runs"); do
  measure pass "$r" "$impressions" "$work/pass.flow" "impressions=$work/impressions.jsonl"
  measure join "$r" $((impressions + clicks)) "$work/join.flow" "impressions=$work/impressions.jsonl" \
    "clicks=$work/clicks.jsonl"
  measure_base join-base "$r" $((impressions + clicks)) "$work/join.flow" "impressions=$work/impressions.jsonl" \
    "clicks=$work/clicks.jsonl"
done
