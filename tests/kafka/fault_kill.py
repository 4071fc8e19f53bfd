#!/usr/bin/env python3
"""kill -9 of flowrun at random points while it runs tests/kafka/counts.flow (a keyed `process`
with state) over 1,000,000 records on the real broker; each restart uses the same --state-dir and
--app-id. The kill points are random but fixed (seed 8): six runs, each killed (SIGKILL) once it
has added a random 1-12 % of the records to the sink topic (uniform; so the kill lands while it
processes), after a further random 0-50 ms; before them and after them, one run killed at a
random 0-0.3 s after its start (startup: code cache, state, assignment). A last run goes to the end
(--until-idle). Then every output must be present with the running count and sum computed here
from the input, every user's final state must equal its totals, and duplicates (replayed
triggers: at-least-once) are counted and reported.

usage: fault_kill.py FLOWRUN FLOWC ADMIN BROKER_DIR [RECORDS]
"""
import os
import random
import shutil
import sys
import tempfile
import time

import kafka_test

SEED = 8
KILLS = 6
MIN_KILLS = 6


def main():
    tools = kafka_test.Tools(*sys.argv[1:5])
    # Enough records that a run takes seconds (200,000 took flowrun under 0.3 s, so the first kill
    # came after the run had finished and the later runs had nothing to do).
    records = int(sys.argv[5]) if len(sys.argv) > 5 else 1_000_000
    work = tempfile.mkdtemp(prefix="flow-kill.")
    try:
        app, prefix = tools.prepare(os.path.join(kafka_test.HERE, "counts.flow"), "kill", os.path.join(work, "app"))
        t0 = time.monotonic()
        files = kafka_test.generate_events(os.path.join(work, "input"), records, 1000, SEED)
        for p, path in enumerate(files):
            tools.produce(prefix + "events", p, path)
        print(f"produced {records} records to {prefix}events in {time.monotonic() - t0:.1f} s")

        rng = random.Random(SEED)
        command = [tools.flowrun, "run", app, "--brokers", tools.brokers, "--until-idle", "--threads", "2",
                   "--state-dir", os.path.join(work, "state"), "--app-id", "kill-test", "--log-level", "warn"]
        sink = prefix + "running"
        kills = kafka_test.run_with_kills(tools, command, sink, records, KILLS, rng, work)

        ok = kafka_test.last_run(command)
        passed, report = kafka_test.check_counts(files, tools.consume(sink))
        print("\n".join(report))
        return kafka_test.verdict(ok, kills, MIN_KILLS, passed, "outputs lost or wrong after kill -9 and restart")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
