#!/usr/bin/env python3
"""bench/nexmark/summarize.py CSV — the table (medians over runs) and the chart of a run.sh CSV.

Prints a Markdown table: per query and system the median bids/s, bids per CPU second (user +
sys), peak RSS, wall time and the output checks, and flow's ratio to Flink per CPU second (the
ratio within each run, the median over runs). Writes CSV's name with .md (the table) and, if
gnuplot is installed, .png (bids per CPU second per query, log scale).
"""
import csv
import os
import shutil
import statistics
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from summarize import plot_histogram  # noqa: E402  (bench/peers/summarize.py)

ORDER = ["flow", "flink"]
NAMES = {"flow": "flow (JIT)", "flink": "Flink SQL 2.2 (MiniCluster)"}


def main(path):
    rows = list(csv.DictReader(open(path)))
    by = defaultdict(list)  # (query, system) -> rows
    for r in rows:
        by[(r["query"], r["system"])].append(r)
    queries = sorted({r["query"] for r in rows}, key=lambda q: int(q[1:]))
    systems = [s for s in ORDER if any(r["system"] == s for r in rows)]

    def med(rs, f):
        return statistics.median(float(r[f]) for r in rs)

    out = []
    if rows:
        on_bids = [r for r in rows if r["query"] not in ("q3", "q8")]
        if on_bids:
            out.append(f"{int(rows[0]['events']):,} events, {int(on_bids[0]['bids']):,} bids read by every query on bids\n")
        on_others = [r for r in rows if r["query"] in ("q3", "q8")]
        if on_others:
            out.append(f"{int(rows[0]['events']):,} events; q3 and q8 read the {int(on_others[0]['bids']):,} persons and "
                       "auctions instead (their 'bids' columns count those records)\n")
    out.append("| query | system | runs | bids/s | bids per CPU s | peak RSS MB | wall s | output check | flow ÷ Flink per CPU s |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for q in queries:
        ratio = "—"
        mine = {r["run"]: r for r in by.get((q, "flow"), [])}
        theirs = {r["run"]: r for r in by.get((q, "flink"), [])}
        common = sorted(set(mine) & set(theirs))
        if common:
            ratio = f"{statistics.median(float(mine[k]['bids_per_cpu_s']) / float(theirs[k]['bids_per_cpu_s']) for k in common):.2f}x"
        for s in systems:
            rs = by.get((q, s))
            if not rs:
                continue
            checks = "/".join(sorted({r["check"] for r in rs}))
            out.append(f"| {q} | {NAMES[s]} | {len(rs)} | {med(rs, 'bids_per_s'):,.0f} | {med(rs, 'bids_per_cpu_s'):,.0f} | "
                       f"{med(rs, 'peak_rss_mb'):,.0f} | {med(rs, 'wall_s'):.2f} | {checks} | {ratio if s == 'flow' else ''} |")
    text = "\n".join(out) + "\n"
    print(text)
    base = os.path.splitext(path)[0]
    open(base + ".md", "w").write(text)

    if shutil.which("gnuplot") and systems:
        dat = base + ".dat"
        with open(dat, "w") as f:
            f.write("query " + " ".join(f'"{NAMES[s]}"' for s in systems) + "\n")
            for q in queries:
                vals = [f"{med(by[(q, s)], 'bids_per_cpu_s'):.0f}" if by.get((q, s)) else "NaN" for s in systems]
                f.write(q + " " + " ".join(vals) + "\n")
        plot_histogram(dat, base + ".png", "Nexmark: bids per CPU second (user + sys), median of runs; higher is better",
                       "bids per CPU second (log scale)", len(systems))
        os.remove(dat)


if __name__ == "__main__":
    main(sys.argv[1])
