#!/usr/bin/env python3
"""kill -9 of flowrun at random points while it runs tests/kafka/join.flow (views joined with a
users table whose rows change while they are viewed) on the real broker; each restart uses the
same --state-dir and --app-id (kafka_test.run_with_kills: seed 17, six kills while it processes
and two during startup). A last run goes to the end (--until-idle). Then every view must be
present, each with the plan its user had at the view's time (computed here from the input), and
duplicates (replayed triggers: at-least-once) are counted and reported.

usage: fault_kill_join.py FLOWRUN FLOWC ADMIN BROKER_DIR [VIEWS]
"""
import json
import os
import random
import shutil
import sys
import tempfile

import kafka_test

SEED = 17
KILLS = 6
USERS = 2000
T0 = 1767261600000  # 2026-01-01T10:00:00Z


def generate(out_dir, views, rng):
    """Per partition, in event-time order: users rows (2 partitions, keyed by user) and views (4
    partitions, round-robin). Returns (view files, user files, expected plan per view seq)."""
    os.makedirs(out_dir, exist_ok=True)
    span = views * 5  # ms of event time
    versions = {}
    rows = []
    for u in range(USERS):
        user = f"u{u:05d}"
        times = sorted(rng.sample(range(0, span), 3))
        for t in times:
            plan = rng.choice(["free", "pro", "team"])
            versions.setdefault(user, []).append((T0 + t, plan))
            rows.append((T0 + t, user, plan))
    rows.sort()
    user_files = [os.path.join(out_dir, f"users{p}.jsonl") for p in range(2)]
    outs = [open(f, "w") for f in user_files]
    for t, user, plan in rows:
        outs[kafka_test.partition_of(user, 2)].write(
            json.dumps({"id": user, "plan": plan, "updated": t}, separators=(",", ":")) + "\n")
    for f in outs:
        f.close()
    view_files = [os.path.join(out_dir, f"views{p}.jsonl") for p in range(4)]
    outs = [open(f, "w") for f in view_files]
    expected = {}
    for seq in range(views):
        t = T0 + seq * 5 + 1
        user = f"u{rng.randrange(USERS):05d}"
        current = [plan for (vt, plan) in versions[user] if vt <= t]
        expected[seq] = (user, current[-1] if current else None)
        outs[seq % 4].write(json.dumps({"user": user, "seq": seq, "ts": t}, separators=(",", ":")) + "\n")
    for f in outs:
        f.close()
    return view_files, user_files, expected


def check(expected, output_bytes):
    seen, wrong = {}, []
    for line in output_bytes.decode().splitlines():
        if not line:
            continue
        o = json.loads(line)
        want = expected.get(o["seq"])
        if want != (o["user"], o["plan"]):
            wrong.append(f"{line} (expected user, plan = {want})")
        seen[o["seq"]] = seen.get(o["seq"], 0) + 1
    missing = [s for s in expected if s not in seen]
    duplicates = sum(n - 1 for n in seen.values())
    report = [f"{len(expected)} views in; {sum(seen.values())} outputs: {len(expected) - len(missing)} of "
              f"{len(expected)} present, {duplicates} duplicates (at-least-once replays), {len(wrong)} wrong plans"]
    report += [f"MISSING view seq {s} (expected user, plan = {expected[s]})" for s in missing[:10]]
    report += [f"WRONG {w}" for w in wrong[:10]]
    return not missing and not wrong, report


def main():
    tools = kafka_test.Tools(*sys.argv[1:5])
    views = int(sys.argv[5]) if len(sys.argv) > 5 else 400_000
    work = tempfile.mkdtemp(prefix="flow-kill-join.")
    try:
        app, prefix = tools.prepare(os.path.join(kafka_test.HERE, "join.flow"), "killjoin", os.path.join(work, "app"))
        rng = random.Random(SEED)
        view_files, user_files, expected = generate(os.path.join(work, "input"), views, rng)
        for p, path in enumerate(user_files):
            tools.produce(prefix + "users", p, path)
        for p, path in enumerate(view_files):
            tools.produce(prefix + "views", p, path)
        command = [tools.flowrun, "run", app, "--brokers", tools.brokers, "--until-idle", "--threads", "2",
                   "--state-dir", os.path.join(work, "state"), "--app-id", "kill-join-test", "--log-level", "warn"]
        sink = prefix + "joined"
        kills = kafka_test.run_with_kills(tools, command, sink, views, KILLS, rng, work)
        ok = kafka_test.last_run(command)
        passed, report = check(expected, tools.consume(sink))
        print("\n".join(report))
        return kafka_test.verdict(ok, kills, KILLS, passed, "views lost or joined with the wrong row after kill -9 and restart")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
