#!/usr/bin/env python3
"""A poison-record storm on the real broker: 50,000 records for tests/kafka/poison.flow, 10 % of
them malformed (seed 10), in four kinds drawn at random — bad JSON (truncated, garbage, doubled
commas, a bare value), wrong types (a string id, a number user, a string amount, a null where
none is allowed), missing fields, invalid UTF-8 (bytes 0xff, a lone continuation byte, a
truncated sequence, an encoded surrogate). After `flowrun run --until-idle`:
  - flowrun's summary "N records in, M out, K dead-lettered" has N = 50,000, K = the malformed
    count, M = the rest (one output per good record), so records in = processed + dead-lettered;
  - the dead-letter topic holds exactly the malformed records, each byte for byte, each with a
    `flow.error` header whose reason names its kind ("malformed JSON: …", "wrong type: …",
    "missing field: …" — also for a null where the type is not nullable —, "invalid UTF-8: …")
    and `flow.partition`/`flow.offset` pointing at it;
  - the sink holds exactly the good records' ids.

usage: fault_poison.py FLOWRUN FLOWC ADMIN BROKER_DIR
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import kafka_test

SEED = 10
RECORDS = 50_000
PARTITIONS = 4
EXPECTED_REASON = {"bad JSON": "malformed JSON", "wrong type": "wrong type", "missing field": "missing field",
                   "invalid UTF-8": "invalid UTF-8"}


def good(rng, i):
    record = {"id": i, "user": f"u{rng.randrange(500)}", "amount": round(rng.uniform(0, 500), 2)}
    if rng.random() < 0.5:
        record["note"] = rng.choice(["gift", "café ☕", "x" * 40, ""])
    return json.dumps(record, ensure_ascii=False).encode()


def bad(rng, i):
    kind = rng.choice(["bad JSON", "wrong type", "missing field", "invalid UTF-8"])
    if kind == "bad JSON":
        value = rng.choice([f'{{"id": {i}, "user": "a", "amount": 1.5', "not json at all", f'{{"id": {i},, "user": "a"}}',
                            f'{{"id": {i} "user": "a", "amount": 2.0}}', "42", f'[{i}, "a", 1.0]'])
    elif kind == "wrong type":
        value = rng.choice([f'{{"id": "{i}", "user": "a", "amount": 1.5}}', f'{{"id": {i}, "user": 7, "amount": 1.5}}',
                            f'{{"id": {i}, "user": "a", "amount": "12.5"}}', f'{{"id": {i}, "user": null, "amount": 1.5}}',
                            f'{{"id": {i}, "user": "a", "amount": 1.5, "note": 3}}'])
    elif kind == "missing field":
        value = rng.choice([f'{{"user": "a", "amount": 1.5}}', f'{{"id": {i}, "amount": 1.5}}', f'{{"id": {i}, "user": "a"}}',
                            "{}"])
    else:
        raw = rng.choice([b"\xff", b"\x80", b"\xe2\x82", b"\xed\xa0\x80"])
        return kind, rng.choice([f'{{"id": {i}, "user": "a'.encode() + raw + b'", "amount": 1.5}',
                                 f'{{"id": {i}, "user": "a", "amount": 1.5, "note": "'.encode() + raw + b'"}'])
    return kind, value.encode()


def main():
    tools = kafka_test.Tools(*sys.argv[1:5])
    work = tempfile.mkdtemp(prefix="flow-poison.")
    try:
        app, prefix = tools.prepare(os.path.join(kafka_test.HERE, "poison.flow"), "poison", os.path.join(work, "app"))
        rng = random.Random(SEED)
        parts = [[] for _ in range(PARTITIONS)]  # per partition: (kind or None, bytes, id)
        for i in range(RECORDS):
            if rng.random() < 0.10:
                kind, value = bad(rng, i)
            else:
                kind, value = None, good(rng, i)
            parts[i % PARTITIONS].append((kind, value, i))
        for p, records in enumerate(parts):
            path = os.path.join(work, f"p{p}.jsonl")
            with open(path, "wb") as f:
                f.write(b"".join(value + b"\n" for _, value, _ in records))
            tools.produce(prefix + "payments", p, path)
        bad_at = {(p, o): (kind, value) for p, records in enumerate(parts) for o, (kind, value, _) in enumerate(records) if kind}
        good_ids = {i for records in parts for kind, _, i in records if not kind}
        kinds = {}
        for kind, _ in bad_at.values():
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"produced {RECORDS} records, {len(bad_at)} malformed: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))

        run = subprocess.run([tools.flowrun, "run", app, "--brokers", tools.brokers, "--until-idle",
                              "--state-dir", os.path.join(work, "state")], capture_output=True, timeout=300)
        stderr = run.stderr.decode(errors="replace")
        ok = True
        summary = re.search(r"flowrun: (\d+) records in, (\d+) out, (\d+) dead-lettered", stderr)
        if run.returncode != 0 or not summary:
            print(f"FAIL: flowrun exit {run.returncode}, summary line missing:\n{stderr}")
            return 1
        n_in, n_out, n_dead = map(int, summary.groups())
        print(summary.group(0))
        if n_in != RECORDS:
            print(f"FAIL: {n_in} records in, {RECORDS} produced"); ok = False
        if n_dead != len(bad_at):
            print(f"FAIL: {n_dead} dead-lettered, {len(bad_at)} malformed"); ok = False
        if n_out != len(good_ids):
            print(f"FAIL: {n_out} out, {len(good_ids)} good records"); ok = False
        if n_in != n_out + n_dead:
            print(f"FAIL: records in ({n_in}) != processed ({n_out}) + dead-lettered ({n_dead})"); ok = False

        header = re.compile(rb"^(.*)\tflow\.error=(.*),flow\.source=([^,]*),flow\.partition=(\d+),flow\.offset=(\d+)$", re.S)
        dead = tools.consume(prefix + "payments.dlq", "%s\\t%h\\n").split(b"\n")[:-1]
        found = {}
        reasons = {}
        for line in dead:
            m = header.match(line)
            if not m:
                print(f"FAIL: dead letter without the flow.* headers: {line!r}"); ok = False; continue
            value, why, _, p, o = m.groups()
            where = (int(p), int(o))
            if where not in bad_at:
                print(f"FAIL: dead letter for partition {p.decode()} offset {o.decode()}, not a malformed record: {line!r}")
                ok = False
                continue
            kind, original = bad_at[where]
            if value != original:
                print(f"FAIL: dead letter at {where} is {value!r}, the record was {original!r}"); ok = False
            if not why.strip():
                print(f"FAIL: dead letter at {where} has an empty flow.error"); ok = False
            found[where] = found.get(where, 0) + 1
            reasons.setdefault(kind, why.decode(errors="replace"))
            # The reason names the kind; a null where the type is not nullable counts as missing.
            expected = EXPECTED_REASON[kind] if b'"user": null' not in original else "missing field"
            if not why.startswith(expected.encode() + b": "):
                print(f"FAIL: dead letter at {where} ({kind}): flow.error = {why!r}, expected `{expected}: …`")
                ok = False
        missing = [w for w in bad_at if w not in found]
        print(f"dead-letter topic: {len(dead)} records, {len(found)} of {len(bad_at)} malformed records, "
              f"{sum(n - 1 for n in found.values())} duplicates")
        for w in missing[:10]:
            print(f"FAIL: no dead letter for partition {w[0]} offset {w[1]}: {bad_at[w][1]!r}")
        ok = ok and not missing and len(dead) == len(bad_at)
        for kind, why in sorted(reasons.items()):
            print(f"  {kind}: flow.error = {why}")

        clean = [json.loads(line)["id"] for line in tools.consume(prefix + "clean").decode().splitlines() if line]
        if sorted(clean) != sorted(good_ids):
            print(f"FAIL: the sink holds {len(clean)} records ({len(set(clean))} ids), {len(good_ids)} good records")
            ok = False
        else:
            print(f"sink: exactly the {len(good_ids)} good records")
        if ok:
            print("ok: every malformed record dead-lettered with its reason; records in = processed + dead-lettered")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
