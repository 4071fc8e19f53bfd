#!/usr/bin/env python3
"""The broker stops and starts again in the middle of a run: flowrun must reconnect and the
result must be complete. counts.flow over 200,000 records (seed 9), in two halves: the first is
produced and flowrun starts (no --until-idle: a long-running job); once the sink holds 30 % of
the first half's outputs, the broker is stopped (SIGTERM), stays down 5 s, and starts again on
the same ports and data (tests/kafka/broker.sh bounce). Then the second half is produced; flowrun
must process it without being restarted. When the sink holds every output, flowrun is stopped
with SIGTERM (exit 0 expected); a last --until-idle run fires the timeouts (final states). Every
output must be present and right (reference computed here), duplicates are counted.

usage: fault_broker_restart.py FLOWRUN FLOWC ADMIN BROKER_DIR
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import kafka_test

SEED = 9
RECORDS = 200_000
DOWN_SECONDS = 5


def wait_for(tools, sink, count, run, seconds):
    deadline = time.monotonic() + seconds
    out = tools.end_offsets(sink)
    while out < count and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        out = tools.end_offsets(sink)
    return out


def main():
    tools = kafka_test.Tools(*sys.argv[1:5])
    work = tempfile.mkdtemp(prefix="flow-bounce.")
    try:
        # Smaller triggers than counts.flow's 500: the run is slower (a flush and a checkpoint every
        # 50 records per partition), so the broker goes away while triggers are in flight.
        slow = os.path.join(work, "counts.flow")
        text = open(os.path.join(kafka_test.HERE, "counts.flow")).read()
        open(slow, "w").write(text.replace("max_records_per_trigger = 500", "max_records_per_trigger = 50"))
        app, prefix = tools.prepare(slow, "bounce", os.path.join(work, "app"))
        files = kafka_test.generate_events(os.path.join(work, "input"), RECORDS, 1000, SEED)
        halves = []
        for p, path in enumerate(files):
            lines = open(path).readlines()
            for h, part in enumerate((lines[: len(lines) // 2], lines[len(lines) // 2:])):
                half = f"{path}.{h}"
                open(half, "w").writelines(part)
                halves.append((h, p, half, len(part)))
        first = sum(n for h, _, _, n in halves if h == 0)
        for h, p, half, _ in halves:
            if h == 0:
                tools.produce(prefix + "events", p, half)
        sink = prefix + "running"
        command = [tools.flowrun, "run", app, "--brokers", tools.brokers, "--threads", "2",
                   "--state-dir", os.path.join(work, "state"), "--app-id", "bounce-test"]
        err = open(os.path.join(work, "run.err"), "w")
        run = kafka_test.track(subprocess.Popen(command, stdout=err, stderr=err))
        started = time.monotonic()
        out = wait_for(tools, sink, int(0.3 * first), run, 60)
        print(f"{out} of {first} outputs of the first half after {time.monotonic() - started:.1f} s: "
              f"stopping the broker for {DOWN_SECONDS} s")
        bounce = subprocess.run(["bash", os.path.join(kafka_test.HERE, "broker.sh"), "bounce", tools.broker_dir,
                                 str(DOWN_SECONDS)], capture_output=True, text=True, timeout=180)
        print(bounce.stdout.strip())
        if bounce.returncode != 0:
            print("FAIL: the broker did not come back:", bounce.stderr)
            run.kill()
            return 1
        if run.poll() is not None:
            print(f"FAIL: flowrun exited ({run.returncode}) while the broker was away:")
            print(open(os.path.join(work, "run.err")).read())
            return 1
        for h, p, half, _ in halves:
            if h == 1:
                tools.produce(prefix + "events", p, half)
        print(f"broker back after {time.monotonic() - started:.1f} s; second half produced")
        out = wait_for(tools, sink, RECORDS, run, 120)
        ok = True
        if run.poll() is not None:
            print(f"FAIL: flowrun exited ({run.returncode}) after the broker restart")
            ok = False
        elif out < RECORDS:
            print(f"FAIL: flowrun did not finish after the broker restart: {out} of {RECORDS} outputs after 120 s")
            ok = False
        else:
            print(f"all {RECORDS} outputs (and duplicates: {out - RECORDS}) in the sink after "
                  f"{time.monotonic() - started:.1f} s; stopping flowrun with SIGTERM")
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
            try:
                code = run.wait(timeout=60)
                if code != 0:
                    print(f"FAIL: flowrun exited {code} on SIGTERM")
                    ok = False
            except subprocess.TimeoutExpired:
                print("FAIL: flowrun did not stop within 60 s of SIGTERM")
                run.kill()
                run.wait()
                ok = False
        err.close()
        log = open(os.path.join(work, "run.err")).read()
        if not ok:
            print(log)
        else:  # what flowrun saw while the broker was away
            seen = [line for line in log.splitlines() if "progress" not in line]
            print("flowrun's log during the run (progress lines left out):\n  " + "\n  ".join(seen[:12]))
        final = subprocess.run(command + ["--until-idle"], capture_output=True, text=True, timeout=120)
        summary = [line for line in final.stderr.splitlines() if " records in, " in line]
        print(f"last run (--until-idle, fires the timeouts): exit {final.returncode}: "
              f"{summary[-1] if summary else final.stderr}")
        ok = ok and final.returncode == 0
        passed, report = kafka_test.check_counts(files, tools.consume(sink))
        print("\n".join(report))
        if not passed:
            print("FAIL: outputs lost or wrong after the broker restart")
            ok = False
        if ok:
            print("ok: flowrun reconnected after the broker restart; nothing lost")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
