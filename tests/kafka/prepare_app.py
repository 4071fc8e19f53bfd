#!/usr/bin/env python3
"""Gives an application's topics a unique prefix, so tests share one broker without seeing each
other's data: copies APP.flow to OUT_DIR/APP.flow with every `kafka "T"`, `dead_letter = "T"` and `late = "T"`
renamed to PREFIX + T (nothing else changes), links its input files (renamed to their source's
name when they are named after a topic) and expected/ next to it, and prints the topics to create,
one `TOPIC PARTITIONS` per line, read from `flowc explain --format json` of the copy: sources and
dead-letter and late topics with the source's declared partitions, sinks with the widest source's (as
`flowrun run --embedded-kafka` creates them).

With --partitions P every source declares P partitions instead (as `flowrun test --partitions P`
runs it).

usage: prepare_app.py FLOWC EXAMPLE_DIR_OR_APP PREFIX OUT_DIR [--partitions P]
"""
import json
import os
import re
import subprocess
import sys


def main():
    flowc, given, prefix, out_dir = sys.argv[1:5]
    partitions = None
    if len(sys.argv) == 7 and sys.argv[5] == "--partitions" and sys.argv[6].isdigit() and int(sys.argv[6]) > 0:
        partitions = int(sys.argv[6])
    elif len(sys.argv) != 5:
        sys.exit(__doc__)
    if os.path.isdir(given):
        name = os.path.basename(os.path.normpath(given))
        app, example_dir = os.path.join(given, name + ".flow"), given
    else:
        app, example_dir = given, None
        name = os.path.splitext(os.path.basename(app))[0]
    text = open(app, encoding="utf-8").read()
    renamed = re.sub(r'(\bkafka\s+)"([^"]*)"', lambda m: f'{m.group(1)}"{prefix}{m.group(2)}"', text)
    renamed = re.sub(r'(\b(?:dead_letter|late)\s*=\s*)"([^"]*)"', lambda m: f'{m.group(1)}"{prefix}{m.group(2)}"', renamed)
    if partitions is not None:
        renamed, count = re.subn(r'(\bpartitions\s*=\s*)\d+', lambda m: f"{m.group(1)}{partitions}", renamed)
        if count == 0:
            sys.exit(f"prepare_app.py: {app} declares no partitions to set to {partitions}")
    os.makedirs(out_dir, exist_ok=True)
    copy = os.path.join(out_dir, name + ".flow")
    with open(copy, "w", encoding="utf-8") as f:
        f.write(renamed)

    plan = json.loads(subprocess.run([flowc, "explain", copy, "--format", "json"], check=True,
                                     capture_output=True, text=True).stdout)
    topics = {}
    widest = 1
    for source in plan["sources"]:
        topics[source["topic"]] = source["partitions"]
        for own in ("dead_letter", "late"):
            if source.get(own):
                topics[source[own]] = source["partitions"]
        widest = max(widest, source["partitions"])
    for sink in plan["sinks"]:
        if sink["kind"] == "kafka":
            topics.setdefault(sink["topic"], widest)

    if example_dir:
        by_topic = {s["topic"][len(prefix):]: s["name"] for s in plan["sources"]}
        names = {s["name"] for s in plan["sources"]}
        inputs = os.path.join(example_dir, "input")
        if os.path.isdir(inputs):
            os.makedirs(os.path.join(out_dir, "input"), exist_ok=True)
            for file in sorted(os.listdir(inputs)):
                base, ext = os.path.splitext(file)
                source = base if base in names else by_topic.get(base, base)
                os.symlink(os.path.abspath(os.path.join(inputs, file)), os.path.join(out_dir, "input", source + ext))
        if os.path.isdir(os.path.join(example_dir, "expected")):
            os.symlink(os.path.abspath(os.path.join(example_dir, "expected")), os.path.join(out_dir, "expected"))
    for topic, partitions in topics.items():
        print(topic, partitions)


if __name__ == "__main__":
    main()
