#!/usr/bin/env python3
"""kill -9 of flowrun at random points while it runs tests/kafka/window_join.flow (impressions
left-joined with the clicks on their ad within 2 s after them) on the real broker; each restart
uses the same --state-dir and --app-id (kafka_test.run_with_kills: seed 23, six kills while it
processes and two during startup). A last run goes to the end (--until-idle). Then the distinct
output rows must be exactly the reference — every (impression, click) pair within the window,
and every impression without one once, with nulls — computed here by brute force from the
input; duplicates (replayed triggers: at-least-once) are counted and reported. A row with nulls
for an impression that has a click would mean a kill let a window close early; a missing row,
that a kill lost a kept record or a waiting row.

usage: fault_kill_window_join.py FLOWRUN FLOWC ADMIN BROKER_DIR [IMPRESSIONS]
"""
import bisect
import json
import os
import random
import shutil
import sys
import tempfile

import kafka_test

SEED = 23
KILLS = 6
ADS = 3000
WINDOW_MS = 2000
T0 = 1767261600000  # 2026-01-01T10:00:00Z


def generate(out_dir, impressions, rng):
    """Impressions (4 partitions, round-robin) and clicks (2 partitions, round-robin), each
    partition in event-time order. Returns the files and the reference: a set of
    (ad, imp, click or None)."""
    os.makedirs(out_dir, exist_ok=True)
    shown = []  # (time, ad, imp)
    clicks = []  # (time, ad, click)
    for imp in range(impressions):
        t = T0 + imp * 3 + rng.randrange(3)
        ad = f"a{rng.randrange(ADS):04d}"
        shown.append((t, ad, imp))
        # About half the impressions get a click, some of them too late for the window (or on
        # another impression of the same ad's window instead).
        if rng.random() < 0.5:
            clicks.append((t + rng.randrange(WINDOW_MS * 3 // 2), ad))
    clicks.sort()
    clicks = [(t, ad, n) for n, (t, ad) in enumerate(clicks)]
    by_ad = {}
    for t, ad, n in clicks:
        by_ad.setdefault(ad, []).append((t, n))
    expected = set()
    for t, ad, imp in shown:
        mine = by_ad.get(ad, [])
        lo = bisect.bisect_left(mine, (t, -1))
        hi = bisect.bisect_right(mine, (t + WINDOW_MS, 1 << 60))
        matched = [n for (_, n) in mine[lo:hi]]
        for n in matched:
            expected.add((ad, imp, n))
        if not matched:
            expected.add((ad, imp, None))
    files = {"impressions": [], "clicks": []}
    for name, rows, parts, field, time_field in (("impressions", shown, 4, "imp", "shown_at"),
                                                 ("clicks", clicks, 2, "click", "clicked_at")):
        paths = [os.path.join(out_dir, f"{name}{p}.jsonl") for p in range(parts)]
        outs = [open(f, "w") for f in paths]
        for i, (t, ad, n) in enumerate(rows):
            outs[i % parts].write(json.dumps({"ad": ad, field: n, time_field: t}, separators=(",", ":")) + "\n")
        for f in outs:
            f.close()
        files[name] = paths
    return files, expected, len(clicks)


def check(expected, output_bytes):
    seen, malformed = {}, []
    for line in output_bytes.decode().splitlines():
        if not line:
            continue
        o = json.loads(line)
        row = (o["ad"], o["imp"], o["click"])
        seen[row] = seen.get(row, 0) + 1
    missing = sorted(expected - seen.keys(), key=str)
    unexpected = sorted(seen.keys() - expected, key=str)
    duplicates = sum(n - 1 for n in seen.values())
    report = [f"{len(expected)} reference rows; {sum(seen.values())} outputs: {len(seen)} distinct, "
              f"{len(expected) - len(missing)} of {len(expected)} present, {len(unexpected)} not in the reference, "
              f"{duplicates} duplicates (at-least-once replays)"]
    report += [f"MISSING (ad, imp, click) = {r}" for r in missing[:10]]
    report += [f"UNEXPECTED (ad, imp, click) = {r}" for r in unexpected[:10]]
    return not missing and not unexpected, report


def main():
    tools = kafka_test.Tools(*sys.argv[1:5])
    impressions = int(sys.argv[5]) if len(sys.argv) > 5 else 100_000
    work = tempfile.mkdtemp(prefix="flow-kill-window-join.")
    try:
        app, prefix = tools.prepare(os.path.join(kafka_test.HERE, "window_join.flow"), "killwjoin",
                                    os.path.join(work, "app"))
        rng = random.Random(SEED)
        files, expected, clicks = generate(os.path.join(work, "input"), impressions, rng)
        for name, paths in files.items():
            for p, path in enumerate(paths):
                tools.produce(prefix + name, p, path)
        print(f"{impressions} impressions, {clicks} clicks")
        command = [tools.flowrun, "run", app, "--brokers", tools.brokers, "--until-idle", "--threads", "2",
                   "--state-dir", os.path.join(work, "state"), "--app-id", "kill-window-join-test",
                   "--log-level", "warn"]
        sink = prefix + "attributed"
        kills = kafka_test.run_with_kills(tools, command, sink, len(expected), KILLS, rng, work)
        ok = kafka_test.last_run(command)
        passed, report = check(expected, tools.consume(sink))
        print("\n".join(report))
        return kafka_test.verdict(ok, kills, KILLS, passed,
                                  "join rows lost, early or wrong after kill -9 and restart")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
