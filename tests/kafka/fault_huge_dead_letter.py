#!/usr/bin/env python3
"""Dead letters that do not fit their topic, on the real broker. Source `big` reads a topic that
allows 20 MB records, its dead-letter topic has Kafka's default limit (1 MB); source `small`'s
dead-letter topic allows only 200,000 bytes (max.message.bytes, read by flowrun with
DescribeConfigs). A 10 MB record on `big` (over max_record_bytes) and a 500 kB malformed record
on `small` must each reach their dead-letter topic as a truncated copy — the first bytes of the
record, headers flow.truncated=true and flow.original_bytes=N after the usual flow.error,
flow.source, flow.partition and flow.offset — and the good records flow on; flowrun exits 0 and
says how many dead letters it truncated. Before, the first run stopped with `cannot produce to
dead-letter topic: Message size too large`, and so did every restart, on the same record.
A second run on the same state then reads nothing new and exits 0.

usage: fault_huge_dead_letter.py FLOWRUN FLOWC ADMIN BROKER_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import kafka_test

BIG = 10 * 1024 * 1024
SMALL_DLQ_LIMIT = 200_000

APP = """
source big from kafka "{p}big" as json {{ id: int, note: string }}
    with (partitions = 1, dead_letter = "{p}big.dlq");
source small from kafka "{p}small" as json {{ id: int }}
    with (partitions = 1, dead_letter = "{p}small.dlq");
sink out to kafka "{p}out" as json;
query big_ids {{
    from big
    | select id
    | into out
}}
query small_ids {{
    from small
    | select id
    | into out
}}
"""


def main():
    tools = kafka_test.Tools(*sys.argv[1:5])
    work = tempfile.mkdtemp(prefix="flow-huge-dlq.")
    try:
        p = f"t{time.time_ns() % 10**8}-{os.getpid()}-huge."
        subprocess.run([tools.admin, tools.brokers, "create", p + "big", "1:max.message.bytes=20000000",
                        p + "big.dlq", "1", p + "small", "1", p + "small.dlq", f"1:max.message.bytes={SMALL_DLQ_LIMIT}",
                        p + "out", "1"], check=True, timeout=60)
        app = os.path.join(work, "huge.flow")
        open(app, "w").write(APP.format(p=p))
        huge = b'{"id": 1, "note": "' + b"x" * BIG + b'"}'
        with open(os.path.join(work, "big.jsonl"), "wb") as f:
            f.write(b'{"id": 0, "note": "before"}\n' + huge + b'\n{"id": 2, "note": "after"}\n')
        bad_small = b'{"id": "' + b"y" * 500_000 + b'"}'  # a string id: wrong type
        with open(os.path.join(work, "small.jsonl"), "wb") as f:
            f.write(b'{"id": 10}\n' + bad_small + b'\n{"id": 12}\n')
        for topic, name in (("big", "big.jsonl"), ("small", "small.jsonl")):
            subprocess.run(["kcat", "-P", "-b", tools.brokers, "-t", p + topic, "-p", "0", "-X",
                            "message.max.bytes=30000000", "-l", os.path.join(work, name)], check=True, timeout=120)

        ok = True
        for attempt in (1, 2):
            run = subprocess.run(["timeout", "-k", "5", "150", tools.flowrun, "run", app, "--brokers", tools.brokers,
                                  "--until-idle", "--state-dir", os.path.join(work, "state")],
                                 capture_output=True, timeout=170)
            stderr = run.stderr.decode(errors="replace")
            summary = re.search(r"flowrun: (\d+) records in, (\d+) out, (\d+) dead-lettered( \((\d+) of them truncated)?",
                                stderr)
            print(f"run {attempt}: exit {run.returncode}: {summary.group(0) if summary else '(no summary)'}")
            if run.returncode != 0 or not summary:
                print(f"FAIL: run {attempt}: flowrun exit {run.returncode}:\n{stderr[-3000:]}")
                return 1
            expected = ("6", "4", "2", "2") if attempt == 1 else ("0", "0", "0", None)
            got = (summary.group(1), summary.group(2), summary.group(3), summary.group(5))
            if got != expected:
                print(f"FAIL: run {attempt}: (in, out, dead-lettered, truncated) = {got}, expected {expected}")
                ok = False
            if attempt == 1 and stderr.count("does not fit dead-letter topic") != 2:
                print(f"FAIL: expected one warning per truncated dead letter:\n{stderr[-3000:]}")
                ok = False

        header = re.compile(rb"^(.*)\tflow\.error=([^,]*).*,flow\.source=([^,]*),flow\.partition=0,flow\.offset=1,"
                            rb"flow\.truncated=true,flow\.original_bytes=(\d+)$", re.S)
        for topic, original, limit, reason in (("big.dlq", huge, 1_048_588, b"record too large"),
                                               ("small.dlq", bad_small, SMALL_DLQ_LIMIT, b"wrong type")):
            dead = tools.consume(p + topic, "%s\\t%h\\n").split(b"\n")[:-1]
            if len(dead) != 1:
                print(f"FAIL: {topic} holds {len(dead)} records, expected 1"); ok = False; continue
            m = header.match(dead[0])
            if not m:
                print(f"FAIL: {topic}: headers not as expected: {dead[0][-400:]!r}"); ok = False; continue
            value, why, _, size = m.groups()
            print(f"{topic}: {len(value)} of {int(size)} bytes, flow.error = {why[:80].decode(errors='replace')}")
            if int(size) != len(original) or not original.startswith(value) or not value:
                print(f"FAIL: {topic}: the copy is not the record's first bytes, or the size is wrong"); ok = False
            if len(value) >= limit:
                print(f"FAIL: {topic}: the copy ({len(value)} bytes) does not fit the topic ({limit})"); ok = False
            if not why.startswith(reason):
                print(f"FAIL: {topic}: reason {why[:80]!r}, expected `{reason.decode()}: …`"); ok = False
        ids = sorted(int(v.split(b":")[1].strip(b" }")) for v in tools.consume(p + "out").split(b"\n") if v)
        if ids != [0, 2, 10, 12]:
            print(f"FAIL: sink ids {ids}, expected [0, 2, 10, 12]"); ok = False
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
