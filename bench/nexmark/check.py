#!/usr/bin/env python3
"""bench/nexmark/check.py QUERY SYSTEM REFDIR OUTPUT — a Nexmark query's output against the reference.

REFDIR is what `nexmarkgen kafka` (or `files`) wrote: bid.jsonl, the bids as generated, and
meta.txt (the last event's time, the sentinels'). OUTPUT is the system's output topic as JSON
lines (`nexmarkgen dump`). The reference computes each query from bid.jsonl directly — plain
Python, no windowing library — and the output must match it exactly:

  q0   every bid with auction, bidder, price, dateTime, extra (a multiset: the order is free);
  q1   the same with price * 0.908 (compared at 3 decimals, the exact product's precision);
  q2   (auction, price) of the bids whose auction % 123 == 0;
  q5   per hopping window (10 s, every 2 s; named by its end) the most bids of one auction and
       the number of auctions with bids;
  q7   per tumbling 10-second window its end and the highest price, with an (auction, bidder)
       that bid it (any of the bids tied at the top);
  q14  (auction, bidder, price * 0.908, bidTimeType, dateTime, extra, c_counts) of the bids whose
       price * 0.908 is in (1,000,000, 50,000,000); bidTimeType from the hour of day (UTC),
       c_counts the number of "c"s in extra;
  q15  per day (a tumbling window): bids, distinct bidders and distinct auctions, in all and in
       the price ranges < 10,000, 10,000 to < 1,000,000, >= 1,000,000. The sentinels fall in
       the last day: the reference counts them in (meta.txt says how many, and when);
  q21  (auction, bidder, price, channel, channel_id) of the bids of a hot channel (its number) or
       with a channel_id in the url (its value);
  q22  (auction, bidder, price, channel, dir1, dir2, dir3): the url's parts 3 to 5 split at "/"
       (0-based); a part past the end is null in Flink and "" in flow, compared as equal;
  q3   (name, city, state, auction id) of the auctions of category 10 whose seller is in OR, ID or
       CA, each with its seller's row as of the auction's time (person.jsonl; a seller not yet
       created then joins nothing: flow's join is temporal by event time); for SYSTEM flink,
       whose regular join pairs them whenever the seller's row comes, with any seller;
  q8   (person id, name, window start) of each person who opened an auction (auction.jsonl) in
       the 10-second tumbling window they signed up in (person.jsonl);
  q11  per bidder its sessions (10 s gap): start, end (last bid + 10 s) and number of bids.
       Systems differ on a bid exactly 10 s after the previous one: flow starts a new session
       (a bid joins a session it is less than the gap away from), Flink merges it (session
       windows that touch are merged; bench/nexmark/session_gap.sh shows both). SYSTEM picks
       the rule, and the number of sessions on which the two rules differ is printed.

Outputs of the sentinel bids (auction 0, bidder 0, 60 s after the last event; they move every
partition's watermark past the last window) are ignored: rows with auction or bidder 0, and
windows that start after the last event. Timestamps may be integer milliseconds (flow) or
ISO-8601 strings in UTC (Flink). Prints "check QUERY SYSTEM: ok ..." or "... FAILED ..." (exit 1).
"""
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone

GAP_MS = 10_000


def ms(v):
    if isinstance(v, int):
        return v
    s = str(v).strip().replace(" ", "T")
    if s.endswith("Z"):
        s = s[:-1]
    d = datetime.fromisoformat(s).replace(tzinfo=timezone.utc)
    return int(round(d.timestamp() * 1000))


HOT_CHANNELS = {"apple": "0", "google": "1", "facebook": "2", "baidu": "3"}
CHANNEL_ID = re.compile(r"(&|^)channel_id=([^&]*)")


Q15_FIELDS = ["total_bids", "rank1_bids", "rank2_bids", "rank3_bids", "total_bidders", "rank1_bidders",
              "rank2_bidders", "rank3_bidders", "total_auctions", "rank1_auctions", "rank2_auctions",
              "rank3_auctions"]


def time_type(t):
    hour = (t // 3_600_000) % 24
    return "dayTime" if 8 <= hour <= 18 else "nightTime" if hour <= 6 or hour >= 20 else "otherTime"


def read_meta(refdir):
    meta = {}
    for line in open(f"{refdir}/meta.txt"):
        k, v = line.split()
        meta[k] = int(v)
    return meta


def events(refdir, kind):
    for line in open(f"{refdir}/{kind}.jsonl"):
        yield json.loads(line)


def bids(refdir):
    return events(refdir, "bid")


def outputs(path):
    rows, bad = [], 0
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            bad += 1
    return rows, bad


def sessions(times, inclusive):
    """Sessions of sorted event times: (start, end, count), end = last + gap."""
    out = []
    for t in sorted(times):
        if out and (t <= out[-1][1] if inclusive else t < out[-1][1]):
            s, _, n = out[-1]
            out[-1] = (s, t + GAP_MS, n + 1)
        else:
            out.append((t, t + GAP_MS, 1))
    return out


def reference(q, refdir, system):
    last = read_meta(refdir)["last_ms"]
    note = ""
    if q == "q0":
        ref = Counter((b["auction"], b["bidder"], b["price"], b["dateTime"], b["extra"]) for b in bids(refdir))
    elif q == "q1":
        ref = Counter((b["auction"], b["bidder"], round(b["price"] * 908 / 1000, 3), b["dateTime"], b["extra"])
                      for b in bids(refdir))
    elif q == "q2":
        ref = Counter((b["auction"], b["price"]) for b in bids(refdir) if b["auction"] % 123 == 0)
    elif q == "q5":
        per = defaultdict(Counter)  # window end -> auction -> bids
        for b in bids(refdir):
            t = b["dateTime"]
            first = (t // 2000) * 2000
            for k in range(5):
                start = first - 2000 * k
                if start <= t < start + 10_000:
                    per[start + 10_000][b["auction"]] += 1
        ref = Counter((end, max(c.values()), len(c)) for end, c in per.items() if end - 10_000 <= last)
    elif q == "q3":
        joined = {p["id"]: p["dateTime"] for p in events(refdir, "person")}
        persons = {p["id"]: p for p in events(refdir, "person")}
        # flow joins the seller's row as of the auction's time; Flink's regular join pairs them
        # whenever the row comes, so a seller created after the auction joins too.
        temporal = system != "flink"
        ref = Counter((persons[a["seller"]]["name"], persons[a["seller"]]["city"], persons[a["seller"]]["state"], a["id"])
                      for a in events(refdir, "auction")
                      if a["category"] == 10 and a["seller"] in persons
                      and (not temporal or joined[a["seller"]] <= a["dateTime"])
                      and persons[a["seller"]]["state"] in ("OR", "ID", "CA"))
    elif q == "q8":
        sellers = {(a["seller"], a["dateTime"] // 10_000) for a in events(refdir, "auction")}
        ref = Counter((p["id"], p["name"], (p["dateTime"] // 10_000) * 10_000) for p in events(refdir, "person")
                      if (p["id"], p["dateTime"] // 10_000) in sellers)
    elif q == "q7":
        top = {}  # window end -> (price, {(auction, bidder)})
        for b in bids(refdir):
            end = (b["dateTime"] // 10_000) * 10_000 + 10_000
            p = b["price"]
            cur = top.get(end)
            if cur is None or p > cur[0]:
                top[end] = (p, {(b["auction"], b["bidder"])})
            elif p == cur[0]:
                cur[1].add((b["auction"], b["bidder"]))
        ref = top
    elif q == "q11":
        per = defaultdict(list)
        for b in bids(refdir):
            per[b["bidder"]].append(b["dateTime"])
        inclusive = system.startswith("flink")
        ref = Counter()
        other = Counter()
        for bidder, times in per.items():
            for s in sessions(times, inclusive):
                ref[(bidder,) + s] += 1
            for s in sessions(times, not inclusive):
                other[(bidder,) + s] += 1
        differ = sum((ref - other).values())
        note = f"; {differ} sessions differ between flow's and Flink's rule for a bid exactly 10 s after the last"
    elif q == "q14":
        ref = Counter((b["auction"], b["bidder"], round(b["price"] * 908 / 1000, 3), time_type(b["dateTime"]),
                       b["dateTime"], b["extra"], b["extra"].count("c"))
                      for b in bids(refdir) if 10**9 < b["price"] * 908 < 5 * 10**10)
    elif q == "q15":
        meta = read_meta(refdir)
        sentinels = [{"auction": 0, "bidder": 0, "price": 0, "dateTime": meta["sentinel_ms"]}] * meta["sentinels"]
        days = defaultdict(lambda: [0, 0, 0, 0, set(), set(), set(), set(), set(), set(), set(), set()])
        for b in list(bids(refdir)) + sentinels:
            d = days[(b["dateTime"] // 86_400_000) * 86_400_000]
            p = b["price"]
            rank = 1 if p < 10_000 else 2 if p < 1_000_000 else 3
            d[0] += 1
            d[rank] += 1
            d[4].add(b["bidder"])
            d[4 + rank].add(b["bidder"])
            d[8].add(b["auction"])
            d[8 + rank].add(b["auction"])
        ref = Counter((day,) + tuple(len(v) if isinstance(v, set) else v for v in d) for day, d in days.items())
    elif q == "q21":
        ref = Counter()
        for b in bids(refdir):
            cid = HOT_CHANNELS.get(b["channel"].lower())
            if cid is None:
                m = CHANNEL_ID.search(b["url"])
                cid = m.group(2) if m else None
            if cid is not None:
                ref[(b["auction"], b["bidder"], b["price"], b["channel"], cid)] += 1
    elif q == "q22":
        ref = Counter()
        for b in bids(refdir):
            parts = b["url"].split("/")
            dirs = tuple(parts[k] if k < len(parts) else "" for k in (3, 4, 5))
            ref[(b["auction"], b["bidder"], b["price"], b["channel"]) + dirs] += 1
    else:
        raise SystemExit(f"check.py: unknown query {q} (q0 q1 q2 q3 q5 q7 q8 q11 q14 q15 q21 q22)")
    return ref, last, note


def got_of(q, rows, last):
    got = Counter()
    ignored = 0
    for r in rows:
        if q in ("q0", "q1", "q2", "q14", "q21", "q22") and r["auction"] == 0:
            ignored += 1
        elif q == "q0":
            got[(r["auction"], r["bidder"], r["price"], ms(r["dateTime"]), r["extra"])] += 1
        elif q == "q1":
            got[(r["auction"], r["bidder"], round(float(r["price"]), 3), ms(r["dateTime"]), r["extra"])] += 1
        elif q == "q2":
            got[(r["auction"], r["price"])] += 1
        elif q == "q14":
            got[(r["auction"], r["bidder"], round(float(r["price"]), 3), r["bidTimeType"], ms(r["dateTime"]),
                 r["extra"], r["c_counts"])] += 1
        elif q == "q15":
            got[(ms(r["day"]),) + tuple(r[k] for k in Q15_FIELDS)] += 1
        elif q == "q21":
            got[(r["auction"], r["bidder"], r["price"], r["channel"], r["channel_id"])] += 1
        elif q == "q22":
            got[(r["auction"], r["bidder"], r["price"], r["channel"]) +
                tuple(r[k] if r[k] is not None else "" for k in ("dir1", "dir2", "dir3"))] += 1
        elif q == "q5":
            end = ms(r["window_end"])
            if end - 10_000 > last:
                ignored += 1
            else:
                got[(end, r["top_bids"], r["auctions"])] += 1
        elif q == "q7":
            end = ms(r["window_end"])
            if end - 10_000 > last:
                ignored += 1
            else:
                got[(end, r["price"], r["auction"], r["bidder"])] += 1
        elif q == "q3":
            got[(r["name"], r["city"], r["state"], r["id"])] += 1
        elif q == "q8":
            got[(r["person_id"], r["name"], ms(r["window_start"]))] += 1
        elif q == "q11":
            if r["bidder"] == 0:
                ignored += 1
            else:
                got[(r["bidder"], ms(r["window_start"]), ms(r["window_end"]), r["bid_count"])] += 1
    return got, ignored


def main(q, system, refdir, out):
    ref, last, note = reference(q, refdir, system)
    rows, bad = outputs(out)
    try:
        got, ignored = got_of(q, rows, last)
    except (KeyError, TypeError, ValueError) as e:
        print(f"check {q} {system}: FAILED an output row lacks or mistypes a field ({e!r}): {rows[:1]}")
        return 1
    n = sum(got.values())
    if q == "q7":
        wrong, example = 0, ""
        seen = Counter(end for (end, _, _, _) in got.elements())
        for (end, price, auction, bidder) in got:
            exp = ref.get(end)
            if exp is None or exp[0] != price or (auction, bidder) not in exp[1] or seen[end] != 1:
                wrong += 1
                example = example or f"window ending {end}: got price {price} by ({auction}, {bidder}), expected {exp}"
        missing = [end for end in ref if end not in seen]
        ok = bad == 0 and wrong == 0 and not missing
        msg = f"{n} windows, reference {len(ref)}: {wrong} wrong, {len(missing)} missing"
        if example or missing:
            msg += "; e.g. " + (example or f"window ending {missing[0]} missing")
    else:
        missing, extra = ref - got, got - ref
        ok = bad == 0 and not missing and not extra
        msg = (f"{n} rows, reference {sum(ref.values())}: {sum(missing.values())} missing, "
               f"{sum(extra.values())} unexpected")
        if missing:
            msg += f"; e.g. missing {next(iter(missing))}"
        if extra:
            msg += f"; e.g. unexpected {next(iter(extra))}"
    if bad:
        msg += f"; {bad} lines are not JSON"
    print(f"check {q} {system}: {'ok' if ok else 'FAILED'} {msg} ({ignored} rows of the sentinels ignored){note}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    sys.exit(main(*sys.argv[1:]))
