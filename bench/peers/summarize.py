#!/usr/bin/env python3
"""bench/peers/summarize.py CSV — the table (medians over runs) and the chart of a run.sh CSV.

Prints a Markdown table per workload: median records/s, MB/s, CPU seconds per million records,
records per CPU second, peak RSS, and the output checks; then flow's ratios (JIT and AOT) against
each peer, each ratio computed within one run and the median taken over runs. If CSV's name with
.latency.csv exists (run.sh's latency runs), also the latency table: per system the medians over
runs of p50/p90/p99/p99.9/max. Writes CSV's name with .md (the tables) and, if gnuplot is
installed, .png (records per CPU second, log scale) and .latency.png (p50 and p99, log scale).
"""
import csv
import os
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict

ORDER = ["passthrough", "flow-base", "flow", "flow-aot", "flow-metrics", "flow-nolog", "kstreams", "spark"]
NAMES = {"passthrough": "librdkafka passthrough (ceiling)", "flow-base": "flow (JIT) before the change",
         "flow": "flow (JIT)", "flow-aot": "flow (AOT)", "flow-metrics": "flow (JIT) serving /metrics, scraped every second",
         "flow-nolog": "flow (JIT) without changelogs (--changelog off)",
         "kstreams": "Kafka Streams 3.9.1", "spark": "Spark 3.5.4 local[2]"}
FLOWS = ["flow", "flow-aot", "flow-metrics", "flow-nolog"]
SHORT = {"passthrough": "passthrough", "flow-base": "flow JIT before", "flow": "flow JIT", "flow-aot": "flow AOT", "flow-metrics": "flow JIT + /metrics", "flow-nolog": "flow JIT, no changelog", "kstreams": "Kafka Streams",
         "spark": "Spark"}


def plot_histogram(dat, png, title, ylabel, columns):
    """A clustered bar chart (log scale) of DAT's COLUMNS data columns, headed by their titles, into PNG."""
    script = f"""
set terminal pngcairo size 900,500 font ",11" noenhanced
set output '{png}'
set title '{title}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [1000:*]
set ylabel '{ylabel}'
set key top right
set grid ytics
plot for [i=2:{columns + 1}] '{dat}' using i:xtic(1) title columnheader(i)
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        print("chart:", png)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        print("gnuplot failed:", e, file=sys.stderr)


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
        # ratios within a run, for flow JIT and flow AOT
        flows = [f for f in FLOWS if by.get((w, f))]
        peers = [s for s in systems if s not in FLOWS]
        if w != "w1":
            peers = [s for s in peers if s != "passthrough"]
        if "flow" in flows and ("flow-aot" in flows or "flow-metrics" in flows or "flow-nolog" in flows):
            peers = ["flow"] + peers  # AOT, serving /metrics, and without changelogs, against JIT
        if "flow-base" in peers:
            peers = ["flow-base"] + [s for s in peers if s != "flow-base"]  # after against before
        ratio_lines = []
        for s in peers:
            p = {r["run"]: r for r in by.get((w, s), [])}
            cells = []
            for f in flows:
                mine = {r["run"]: r for r in by.get((w, f), [])}
                common = sorted(set(mine) & set(p))
                if not common or f == s:
                    cells += ["—", "—"]
                    continue
                thr = statistics.median(float(mine[k]["records_per_s"]) / float(p[k]["records_per_s"]) for k in common)
                eff = statistics.median(float(p[k]["cpu_s_per_m_records"]) / float(mine[k]["cpu_s_per_m_records"])
                                        for k in common)
                cells += [f"{thr:.2f}x", f"{eff:.2f}x"]
            if any(c != "—" for c in cells):
                ratio_lines.append(f"| {NAMES[s]} | " + " | ".join(cells) + " |")
        if ratio_lines:
            out.append("\nflow against each system (median over runs of the ratio within a run):\n")
            head = "| against |"
            for f in flows:
                head += f" {NAMES[f]} records/s ÷ theirs | {NAMES[f]} records per CPU s ÷ theirs |"
            out.append(head)
            out.append("|---|" + "---|" * (2 * len(flows)))
            out.extend(ratio_lines)
    latency_path = os.path.splitext(path)[0] + ".latency.csv"
    lat_rows = list(csv.DictReader(open(latency_path))) if os.path.exists(latency_path) else []
    lat_by = defaultdict(list)
    for r in lat_rows:
        lat_by[r["system"]].append(r)

    def fmed(rs, f):
        vals = []
        for r in rs:
            try:
                vals.append(float(r[f]))
            except (ValueError, KeyError):
                vals.append(float("inf"))
        return statistics.median(vals) if vals else float("nan")

    def ms(v):
        return "∞ (outputs missing)" if v == float("inf") else f"{v:,.0f}"

    if lat_rows:
        rates = sorted({float(r["rate"]) for r in lat_rows if r["rate"]})
        out.append(f"\n### W1 end-to-end latency at a fixed input rate ({', '.join(f'{float(x):,.0f}' for x in rates)} records/s)\n")
        out.append("Latency of a record = its output's LogAppendTime − the input's send time (CreateTime); "
                   "medians over runs of each percentile.\n")
        out.append("| system | runs | rate asked | rate achieved | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | outputs / expected |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for s in ORDER:
            rs = lat_by.get(s)
            if not rs:
                continue
            pairs = [(int(r['received'] or 0), int(r['expected'] or 0)) for r in rs]
            if any(not r["received"] for r in rs):
                got = "; ".join(f"{int(r['received']):,}/{int(r['expected']):,}" if r["received"] else
                                f"no result ({r['note']})" for r in rs)
            elif all(g == e for g, e in pairs) and len({e for _, e in pairs}) == 1:
                got = f"all ({pairs[0][1]:,} per run)"
            else:
                got = "; ".join(f"{g:,}/{e:,}" for g, e in pairs)
            out.append(f"| {NAMES[s]} | {len(rs)} | {fmed(rs, 'rate'):,.0f} | {fmed(rs, 'achieved_rate'):,.0f} | "
                       f"{ms(fmed(rs, 'p50_ms'))} | {ms(fmed(rs, 'p90_ms'))} | {ms(fmed(rs, 'p99_ms'))} | "
                       f"{ms(fmed(rs, 'p999_ms'))} | {ms(fmed(rs, 'max_ms'))} | {got} |")
    text = "\n".join(out) + "\n"
    print(text)
    base = os.path.splitext(path)[0]
    open(base + ".md", "w").write(text)

    if shutil.which("gnuplot") and systems:
        dat = base + ".dat"
        with open(dat, "w") as f:
            f.write("workload " + " ".join(f'"{NAMES[s]}"' for s in systems) + "\n")
            for w in workloads:
                vals = []
                for s in systems:
                    rs = by.get((w, s))
                    vals.append(f"{1e6 / med(rs, 'cpu_s_per_m_records'):.0f}" if rs else "NaN")
                f.write(w.upper() + " " + " ".join(vals) + "\n")
        plot_histogram(dat, base + ".png", "Records per CPU second (user + sys), median of runs; higher is better",
                       "records per CPU second (log scale)", len(systems))
        os.remove(dat)
    if shutil.which("gnuplot"):
        lat_systems = [s for s in ORDER if lat_by.get(s)]
        finite = [fmed(lat_by[s], f) for s in lat_systems for f in ("p50_ms", "p99_ms")]
        finite = [v for v in finite if v != float("inf")]
        if lat_systems and finite:
            dat = base + ".latency.dat"
            top = max(finite) * 4
            with open(dat, "w") as f:
                for s in lat_systems:
                    vals = [fmed(lat_by[s], k) for k in ("p50_ms", "p99_ms")]
                    vals = [max(v, 0.5) if v != float("inf") else top for v in vals]
                    f.write(f'"{SHORT[s]}" {vals[0]:.1f} {vals[1]:.1f}\n')
            png = base + ".latency.png"
            rate = statistics.median(float(r["rate"]) for r in lat_rows if r["rate"])
            script = f"""
set terminal pngcairo size 900,500 font ",11" noenhanced
set output '{png}'
set title 'W1 end-to-end latency at {rate:,.0f} records/s (output LogAppendTime - input send time); lower is better'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set ylabel 'milliseconds (log scale)'
set yrange [1:*]
set key top left
set grid ytics
plot '{dat}' using 2:xtic(1) title 'p50', '' using 3 title 'p99'
"""
            try:
                subprocess.run(["gnuplot"], input=script, text=True, check=True)
                print("chart:", png)
            except (subprocess.CalledProcessError, FileNotFoundError) as e:
                print("gnuplot failed:", e, file=sys.stderr)
            os.remove(dat)


if __name__ == "__main__":
    main(sys.argv[1])
