#!/usr/bin/env python3
"""The broker goes away for longer than flowrun's flush timeout (30 s) in the middle of a run.
flowrun must stop by itself with a clear message and a non-zero exit — within 90 s of the broker
leaving (the trigger in flight waits out its 30 s flush; no other trigger may start after that
failure), never hang — having committed nothing Kafka did not acknowledge. Once the broker is
back, a restart on the same state finishes the job: every output present and right, duplicates
counted. counts.flow with triggers of 50 records, 2,000,000 records (seed 11): enough that the
run is far from done when the broker goes, 5 % of the way in (with 100,000, flowrun finished in
0.2 s, before the broker had stopped).

usage: fault_broker_gone.py FLOWRUN FLOWC ADMIN BROKER_DIR
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import kafka_test

SEED = 11
RECORDS = 2_000_000
STOP_WITHIN = 90


def broker(tools, command):
    result = subprocess.run(["bash", os.path.join(kafka_test.HERE, "broker.sh"), command, tools.broker_dir],
                            capture_output=True, text=True, timeout=180)
    print(result.stdout.strip())
    return result.returncode == 0


def main():
    tools = kafka_test.Tools(*sys.argv[1:5])
    work = tempfile.mkdtemp(prefix="flow-gone.")
    run = None
    try:
        slow = os.path.join(work, "counts.flow")
        text = open(os.path.join(kafka_test.HERE, "counts.flow")).read()
        open(slow, "w").write(text.replace("max_records_per_trigger = 500", "max_records_per_trigger = 50"))
        app, prefix = tools.prepare(slow, "gone", os.path.join(work, "app"))
        files = kafka_test.generate_events(os.path.join(work, "input"), RECORDS, 500, SEED)
        for p, path in enumerate(files):
            tools.produce(prefix + "events", p, path)
        sink = prefix + "running"
        command = [tools.flowrun, "run", app, "--brokers", tools.brokers, "--until-idle", "--threads", "2",
                   "--state-dir", os.path.join(work, "state"), "--app-id", "gone-test"]
        err_path = os.path.join(work, "run.err")
        with open(err_path, "w") as err:
            run = kafka_test.track(subprocess.Popen(command, stdout=err, stderr=err))
        started = time.monotonic()
        out = tools.end_offsets(sink)
        while out < RECORDS // 20 and run.poll() is None and time.monotonic() - started < 60:
            time.sleep(0.05)
            out = tools.end_offsets(sink)
        if run.poll() is not None:
            print(f"FAIL: flowrun ended (exit {run.returncode}) before the broker could be stopped")
            return 1
        print(f"{out} of {RECORDS} outputs after {time.monotonic() - started:.1f} s: stopping the broker")
        if not broker(tools, "pause"):
            return 1
        gone = time.monotonic()
        ok = True
        try:
            code = run.wait(timeout=STOP_WITHIN)
            log = [line for line in open(err_path).read().splitlines() if line.startswith("flowrun: ")]
            print(f"flowrun stopped {time.monotonic() - gone:.1f} s after the broker left, exit {code}: "
                  f"{log[-1] if log else '(no message)'}")
            if code == 0:
                print("FAIL: exit 0 although its outputs could not reach Kafka")
                ok = False
            if not any("Kafka did not acknowledge" in line for line in log):
                print("FAIL: no message saying Kafka did not acknowledge the outputs:")
                print(open(err_path).read())
                ok = False
        except subprocess.TimeoutExpired:
            print(f"FAIL: flowrun still running {STOP_WITHIN} s after the broker left (a hang):")
            print("\n".join(open(err_path).read().splitlines()[-20:]))
            run.kill()
            run.wait()
            ok = False
        if not broker(tools, "resume"):
            return 1
        final = subprocess.run(command, capture_output=True, text=True, timeout=180)
        summary = [line for line in final.stderr.splitlines() if " records in, " in line]
        print(f"restart after the broker is back: exit {final.returncode}: {summary[-1] if summary else final.stderr}")
        ok = ok and final.returncode == 0
        passed, report = kafka_test.check_counts(files, tools.consume(sink))
        print("\n".join(report))
        if not passed:
            print("FAIL: outputs lost or wrong after the broker outage")
            ok = False
        if ok:
            print("ok: flowrun stopped cleanly while the broker was gone; the restart lost nothing")
        return 0 if ok else 1
    finally:
        if run and run.poll() is None:
            run.kill()
            run.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
