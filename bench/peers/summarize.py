#!/usr/bin/env python3
"""bench/peers/summarize.py CSV — the table (medians over runs) and the chart of a run.sh CSV.

Prints a Markdown table per workload: median records/s, MB/s, CPU seconds per million records,
records per CPU second, peak RSS, and the output checks; then flow's ratios against each peer,
each ratio computed within one run and the median taken over runs. Writes CSV's name with .md
(the tables) and, if gnuplot is installed, .png (records per CPU second, log scale).
"""
import csv
import os
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict

ORDER = ["passthrough", "flow", "kstreams", "spark"]
NAMES = {"passthrough": "librdkafka passthrough (ceiling)", "flow": "flow (JIT)",
         "kstreams": "Kafka Streams 3.9.1", "spark": "Spark 3.5.4 local[2]"}


def main(path):
    rows = list(csv.DictReader(open(path)))
    by = defaultdict(list)  # (workload, system) -> rows
    for r in rows:
        by[(r["workload"], r["system"])].append(r)
    workloads = sorted({r["workload"] for r in rows})
    systems = [s for s in ORDER if any(r["system"] == s for r in rows)]
    out = []

    def med(rs, f):
        return statistics.median(float(r[f]) for r in rs)

    for w in workloads:
        out.append(f"\n### {w.upper()}\n")
        out.append("| system | runs | records/s | MB/s | CPU s per M records | records per CPU s | peak RSS MB | wall s | output check |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for s in systems:
            rs = by.get((w, s))
            if not rs:
                continue
            cpu_per_m = med(rs, "cpu_s_per_m_records")
            checks = sorted({r["check"] for r in rs})
            out.append(f"| {NAMES[s]} | {len(rs)} | {med(rs, 'records_per_s'):,.0f} | {med(rs, 'mb_per_s'):.1f} | "
                       f"{cpu_per_m:.2f} | {1e6 / cpu_per_m:,.0f} | {med(rs, 'peak_rss_mb'):,.0f} | "
                       f"{med(rs, 'wall_s'):.2f} | {'/'.join(checks)} |")
        # ratios within a run
        flow = {r["run"]: r for r in by.get((w, "flow"), [])}
        peers = [s for s in systems if s != "flow"]
        if w != "w1":
            peers = [s for s in peers if s != "passthrough"]
        ratio_lines = []
        for s in peers:
            p = {r["run"]: r for r in by.get((w, s), [])}
            common = sorted(set(flow) & set(p))
            if not common:
                continue
            thr = statistics.median(float(flow[k]["records_per_s"]) / float(p[k]["records_per_s"]) for k in common)
            eff = statistics.median(float(p[k]["cpu_s_per_m_records"]) / float(flow[k]["cpu_s_per_m_records"])
                                    for k in common)
            ratio_lines.append(f"| {NAMES[s]} | {thr:.2f}x | {eff:.2f}x |")
        if ratio_lines:
            out.append("\nflow against each system (median over runs of the ratio within a run):\n")
            out.append("| against | flow records/s ÷ theirs | flow records per CPU s ÷ theirs |")
            out.append("|---|---|---|")
            out.extend(ratio_lines)
    text = "\n".join(out) + "\n"
    print(text)
    base = os.path.splitext(path)[0]
    open(base + ".md", "w").write(text)

    if shutil.which("gnuplot"):
        dat = base + ".dat"
        with open(dat, "w") as f:
            f.write("workload " + " ".join(f'"{NAMES[s]}"' for s in systems) + "\n")
            for w in workloads:
                vals = []
                for s in systems:
                    rs = by.get((w, s))
                    vals.append(f"{1e6 / med(rs, 'cpu_s_per_m_records'):.0f}" if rs else "NaN")
                f.write(w.upper() + " " + " ".join(vals) + "\n")
        png = base + ".png"
        cols = len(systems)
        script = f"""
set terminal pngcairo size 900,500 font ",11" noenhanced
set output '{png}'
set title 'Records per CPU second (user + sys), median of runs; higher is better'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [1000:*]
set ylabel 'records per CPU second (log scale)'
set key top right
set grid ytics
plot for [i=2:{cols + 1}] '{dat}' using i:xtic(1) title columnheader(i)
"""
        try:
            subprocess.run(["gnuplot"], input=script, text=True, check=True)
            print("chart:", png)
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            print("gnuplot failed:", e, file=sys.stderr)
        os.remove(dat)


if __name__ == "__main__":
    main(sys.argv[1])
