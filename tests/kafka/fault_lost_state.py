#!/usr/bin/env python3
"""kill -9 of flowrun at random points while it runs tests/kafka/counts.flow over 4,000,000
records on the real broker (one worker thread; six runs, each killed a random 0.1-0.6 s after its
first commit reached the changelog) — and before every other restart, and before the last run, its whole --state-dir
is deleted (a lost disk, a new machine). Keyed state is backed
by its changelog topic, so each such run restores the state from Kafka and goes on from the
offsets the restored checkpoint holds: every output must be present with the running count and
sum computed here from the input, every user's final state must equal its totals (duplicates
are the replayed triggers of at-least-once, counted). The last run, on a deleted directory too,
must say it restored the state and at what rate. Seed 31.

usage: fault_lost_state.py FLOWRUN FLOWC ADMIN BROKER_DIR [RECORDS]
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import kafka_test

SEED = 31
KILLS = 6
MIN_KILLS = 4  # a faster machine may read the rest of the input in the sixth run before its kill
RECORDS = 4_000_000


def main():
    tools = kafka_test.Tools(*sys.argv[1:5])
    records = int(sys.argv[5]) if len(sys.argv) > 5 else RECORDS
    work = tempfile.mkdtemp(prefix="flow-lost-state.")
    try:
        app, prefix = tools.prepare(os.path.join(kafka_test.HERE, "counts.flow"), "lost", os.path.join(work, "app"))
        files = kafka_test.generate_events(os.path.join(work, "input"), records, 1000, SEED)
        for p, path in enumerate(files):
            tools.produce(prefix + "events", p, path)
        print(f"produced {records} records to {prefix}events")

        state = os.path.join(work, "state")
        # Its own app id per run of the suite: the changelog topic is APP_ID-events-changelog.
        app_id = "lost-state-" + prefix.rstrip(".")
        command = [tools.flowrun, "run", app, "--brokers", tools.brokers, "--until-idle", "--threads", "1",
                   "--state-dir", state, "--app-id", app_id, "--log-level", "warn"]
        deleted = []
        rng = random.Random(SEED)
        sink = prefix + "running"
        kills = 0
        # Each run is killed a random 0.1-0.6 s after its first commit reached the changelog (so
        # the restores have state and offsets to go on from; some kills land between the changelog
        # and LevelDB, which the next open repairs). Its launch first waits out the killed
        # instance's group session.
        changelog = app_id + "-events-changelog"
        for run in range(KILLS):
            if run >= 1 and run % 2 == 1 and os.path.isdir(state):
                shutil.rmtree(state)
                deleted.append(run)
            before = tools.end_offsets(sink)
            logged = max(0, tools.end_offsets(changelog))
            with open(os.path.join(work, f"run{run}.err"), "w") as err:
                process = kafka_test.track(subprocess.Popen(command, stdout=err, stderr=err))
            started = time.monotonic()
            # (Its launch writes a restored store's repairs, or a store the changelog lacks, first:
            # the sink's first output comes after those.)
            while process.poll() is None and tools.end_offsets(sink) <= before and time.monotonic() - started < 120:
                time.sleep(0.05)
            logged = max(logged, tools.end_offsets(changelog))
            while process.poll() is None and tools.end_offsets(changelog) <= logged and time.monotonic() - started < 120:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.1, 0.6))
            if process.poll() is not None:
                print(f"run {run} ended by itself (exit {process.returncode}) before its kill:")
                print(open(os.path.join(work, f"run{run}.err")).read())
                break
            process.kill()
            process.wait()
            kills += 1
            print(f"kill -9 #{kills}: after {time.monotonic() - started:.1f} s; sink held {before} records before "
                  f"the run, {tools.end_offsets(sink)} after")
        print(f"deleted the state directory before runs {deleted}")

        shutil.rmtree(state, ignore_errors=True)
        started = time.monotonic()
        final = subprocess.run(command[:-2] + ["--log-level", "info"], capture_output=True, text=True, timeout=300)
        restored = [line for line in final.stderr.splitlines() if "restored " in line and "from changelog" in line]
        summary = [line for line in final.stderr.splitlines() if " records in, " in line]
        print(f"last run (state directory deleted): exit {final.returncode} after {time.monotonic() - started:.1f} s: "
              f"{summary[-1] if summary else '(no summary line)'}")
        for line in restored:
            print("  " + line)
        ok = final.returncode == 0
        if not ok:
            print(final.stderr)
        if len(restored) != 4 or not all(re.search(r"records/s\)", line) for line in restored):
            print(f"FAIL: the last run should say, for each of its 4 tasks, that it restored the state and at what "
                  f"rate; it said {len(restored)} times:")
            print("\n".join(line for line in final.stderr.splitlines() if not line.startswith("%")))
            ok = False
        if len(deleted) < 2:
            print(f"FAIL: the state directory was deleted before only {len(deleted)} restarts (2 or more needed)")
            ok = False
        passed, report = kafka_test.check_counts(files, tools.consume(sink))
        print("\n".join(report))
        return kafka_test.verdict(ok, kills, MIN_KILLS, passed,
                                  "outputs lost or wrong after kill -9 and restores from the changelog")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
