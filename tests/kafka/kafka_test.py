"""Helpers shared by the real-broker fault tests (python3, standard library only): topics with a
unique prefix, producing and consuming with kcat, the counts.flow data generator and its
independently computed reference."""
import json
import os
import random
import subprocess
import sys
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


_children = []


def track(process):
    """Registers a long-running child (flowrun) to be killed if this test's parent goes away."""
    _children.append(process)
    return process


def _exit_with_parent():
    # CTest killed (or interrupted) does not stop its tests' children: a flowrun without
    # --until-idle would run forever. Stop ours when the parent is gone.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    for child in _children:
        if child.poll() is None:
            child.kill()
    os._exit(1)


class Tools:
    def __init__(self, flowrun, flowc, admin, broker_dir):
        threading.Thread(target=_exit_with_parent, daemon=True).start()
        self.flowrun, self.flowc, self.admin, self.broker_dir = flowrun, flowc, admin, broker_dir
        path = os.path.join(broker_dir, "bootstrap")
        if not os.path.exists(path):
            sys.exit(f"FAIL: no broker address in {path} (did `real kafka: start broker` fail? see its output)")
        self.brokers = open(path).read().strip()

    def prepare(self, app, name, out_dir):
        """Copies APP with a unique topic prefix into OUT_DIR and creates its topics; returns
        (path of the copy, prefix)."""
        prefix = f"t{time.time_ns() % 10**8}-{os.getpid()}-{name}."
        listing = subprocess.run([sys.executable, os.path.join(HERE, "prepare_app.py"), self.flowc, app, prefix, out_dir],
                                 check=True, capture_output=True, text=True).stdout.split()
        subprocess.run([self.admin, self.brokers, "create"] + listing, check=True)
        return os.path.join(out_dir, os.path.basename(app)), prefix

    def end_offsets(self, topic):
        out = subprocess.run([self.admin, self.brokers, "count", topic], capture_output=True, text=True, timeout=60)
        return int(out.stdout) if out.returncode == 0 else -1

    def produce(self, topic, partition, path):
        # Idempotent: a retried batch (the broker just restarted, a leader moved) cannot overtake
        # the next one, so a partition holds the file's order, which the tests' references assume.
        # Without it, librdkafka's retries reordered a user's records right after a broker bounce.
        subprocess.run(["kcat", "-P", "-b", self.brokers, "-X", "enable.idempotence=true", "-t", topic, "-p",
                        str(partition), "-l", path], check=True, timeout=300)

    def consume(self, topic, fmt="%s\\n"):
        """Every record of TOPIC, as bytes formatted by kcat's -f."""
        return subprocess.run(["kcat", "-C", "-b", self.brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", fmt],
                              check=True, capture_output=True, timeout=300).stdout


def partition_of(user, partitions):
    """Every record of a user goes to one partition (what a keyed producer does), in file order."""
    return zlib.crc32(user.encode()) % partitions


def generate_events(out_dir, records, users, seed, partitions=4):
    """counts.flow input: RECORDS events over USERS users, one file per partition (p0.jsonl …)."""
    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    files = [open(os.path.join(out_dir, f"p{p}.jsonl"), "w") for p in range(partitions)]
    for seq in range(records):
        user = f"u{rng.randrange(users):05d}"
        files[partition_of(user, partitions)].write(json.dumps({"user": user, "seq": seq, "n": rng.randrange(1000)},
                                                               separators=(",", ":")) + "\n")
    for f in files:
        f.close()
    return [os.path.join(out_dir, f"p{p}.jsonl") for p in range(partitions)]


def check_counts(input_files, output_bytes):
    """Checks counts.flow's outputs against a reference computed here from the input: every
    (user, seq) has exactly the running count and sum of the user's records up to it, and every
    user's final state (seq -1) equals its totals. Duplicates are allowed (at-least-once) and
    counted. Returns (ok, report lines)."""
    expected = {}  # (user, seq) -> (count, sum)
    final = {}
    for path in input_files:
        for line in open(path):
            e = json.loads(line)
            c, s = final.get(e["user"], (0, 0))
            final[e["user"]] = (c + 1, s + e["n"])
            expected[(e["user"], e["seq"])] = final[e["user"]]
    seen = {}
    wrong = []
    for line in output_bytes.decode().splitlines():
        if not line:
            continue
        o = json.loads(line)
        key = (o["user"], o["seq"])
        value = (o["count"], o["sum"])
        want = final.get(o["user"]) if o["seq"] == -1 else expected.get(key)
        if want != value:
            wrong.append(f"{line} (expected count, sum = {want})")
        seen[key] = seen.get(key, 0) + 1
    missing = [k for k in expected if k not in seen]
    missing_final = [u for u in final if (u, -1) not in seen]
    duplicates = sum(n - 1 for n in seen.values())
    report = [f"{len(expected)} records and {len(final)} users in; {sum(seen.values())} outputs: "
              f"{len(expected) - len(missing)} of {len(expected)} per-record outputs present, "
              f"{len(final) - len(missing_final)} of {len(final)} final states present, "
              f"{duplicates} duplicates (at-least-once replays), {len(wrong)} wrong values"]
    for k in missing[:10]:
        report.append(f"MISSING output for user {k[0]} seq {k[1]} (expected count, sum = {expected[k]})")
    for u in missing_final[:10]:
        report.append(f"MISSING final state of user {u} (expected count, sum = {final[u]})")
    report += [f"WRONG {w}" for w in wrong[:10]]
    return not missing and not missing_final and not wrong, report


def run_with_kills(tools, command, sink, records, kills_wanted, rng, work):
    """Runs COMMAND (a flowrun that writes SINK) again and again on one state directory, killing
    each run with SIGKILL: the first and the last at a random 0-0.3 s after the start (startup:
    code cache, state, assignment), the KILLS_WANTED between once each has added a random 1-12 %
    of RECORDS to SINK, after a further random 0-50 ms (so the kill lands while it processes).
    Returns how many kills landed (a run may end by itself first)."""
    steps = [None] + [int(rng.uniform(0.01, 0.12) * records) for _ in range(kills_wanted)] + [None]
    kills = 0
    for i, step in enumerate(steps):
        started = time.monotonic()
        before = tools.end_offsets(sink)
        target = before + (step or 0)
        with open(os.path.join(work, f"run{i}.err"), "w") as err:
            run = track(subprocess.Popen(command, stdout=err, stderr=err))
        if step is None:
            time.sleep(rng.uniform(0, 0.3))
        else:
            out = tools.end_offsets(sink)
            while run.poll() is None and out < target and time.monotonic() - started < 120:
                time.sleep(0.02)
                out = tools.end_offsets(sink)
            time.sleep(rng.uniform(0, 0.05))
        if run.poll() is None:
            run.kill()
            run.wait()
            kills += 1
            what = "at a random time" if step is None else f"once it had added {step} records to the sink"
            print(f"kill -9 #{kills} ({what}): after {time.monotonic() - started:.2f} s; sink held {before} "
                  f"records before the run, {tools.end_offsets(sink)} after")
        elif step is None:
            print(f"run {i} ended by itself (exit {run.returncode}) before its kill")
        else:
            print(f"run {i} ended by itself (exit {run.returncode}) before the kill at {target} outputs:")
            print(open(os.path.join(work, f"run{i}.err")).read())
            break
    return kills


def last_run(command):
    """Runs COMMAND (the `--log-level warn` at its end replaced by `info`) to its end after the
    kills; prints its summary line (and its stderr when it fails). Returns whether it exited 0."""
    started = time.monotonic()
    final = subprocess.run(command[:-2] + ["--log-level", "info"], capture_output=True, text=True, timeout=300)
    summary = [line for line in final.stderr.splitlines() if " records in, " in line]
    print(f"last run: exit {final.returncode} after {time.monotonic() - started:.1f} s: "
          f"{summary[-1] if summary else '(no summary line)'}")
    if final.returncode != 0:
        print(final.stderr)
    return final.returncode == 0


def verdict(ok, kills, minimum, passed, failure):
    """The end of a kill test: fails when fewer than MINIMUM kills landed, or the output check did
    not pass (FAILURE says what that means); prints the outcome and returns the exit status."""
    if kills < minimum:
        print(f"FAIL: only {kills} kills landed (at least {minimum} needed)")
        ok = False
    if not passed:
        print(f"FAIL: {failure}")
        ok = False
    print("ok: nothing lost after", kills, "kills" if ok else "")
    return 0 if ok else 1
