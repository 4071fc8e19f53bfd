// The windowed stream–stream join's state (runtime/state/window_join_operator): pairs within the
// window once the watermark passes them, outer rows once the window has closed and never before,
// late records, null keys, the watermark it passes on, restarts, and a randomized test against a
// brute-force reference: the same rows in the same order whatever the interleaving of the two
// sides and however the watermark steps.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "runtime/state/window_join_operator.hpp"
#include "tests/unit/support/temp_store.hpp"

using flow::runtime::StateOutput;
using flow::runtime::StateTallies;
using flow::runtime::WindowJoinOperator;
using flow::runtime::WindowJoinSpec;
using flow::runtime::eval::Value;
using flow::testing::TempStore;

namespace {

//! Left rows {ad, campaign}; right rows {ad, user}; joined on `ad`, the right's left out.
WindowJoinSpec spec(bool left_outer = false, bool right_outer = false, int64_t before = 0, int64_t after = 10) {
  WindowJoinSpec s;
  s.keyspace = "q";
  s.other = "clicks";
  s.left_fields = 2;
  s.right_fields = 2;
  s.right_dropped = 0;
  s.left_key_field = 0;
  s.left_outer = left_outer;
  s.right_outer = right_outer;
  s.before_ms = before;
  s.after_ms = after;
  return s;
}

std::vector<Value> two(const std::string& a, const std::string& b) { return {Value::string(a), Value::string(b)}; }

//! "ad campaign user@time" per output.
std::vector<std::string> texts(const std::vector<StateOutput>& out) {
  std::vector<std::string> lines;
  for (const auto& o : out) {
    std::string line;
    for (const auto& v : o.record) line += (line.empty() ? "" : " ") + v.to_json();
    lines.push_back(line + "@" + std::to_string(o.event_time_ms));
  }
  return lines;
}

struct Harness {
  explicit Harness(WindowJoinSpec s) : join(*store.store, std::move(s)) {}
  void left(const std::string& ad, const std::string& campaign, int64_t t) {
    join.on_side(0, Value::string(ad), two(ad, campaign), t);
  }
  void right(const std::string& ad, const std::string& user, int64_t t) {
    join.on_side(1, Value::string(ad), two(ad, user), t);
  }
  std::vector<std::string> advance(int64_t watermark) {
    out.clear();
    join.advance_watermark(watermark, out, tallies);
    auto lines = texts(out);
    out.clear();
    return lines;
  }
  TempStore store;
  WindowJoinOperator join;
  std::vector<StateOutput> out;
  StateTallies tallies;
};

}  // namespace

TEST_CASE("window join: pairs within the window come out once the watermark passes their time") {
  Harness h(spec(false, false, 0, 10));
  h.left("a1", "spring", 100);
  h.right("a1", "u1", 100);  // at the impression's own time: inside (bounds are inclusive)
  h.right("a1", "u2", 110);  // at t + after: inside
  h.right("a1", "u3", 111);  // past it
  h.right("a1", "u0", 99);   // before it (before = 0)
  h.right("a2", "u4", 105);  // another key
  CHECK(h.out.empty());      // nothing before the watermark passes
  CHECK(h.advance(100).empty());
  CHECK(h.advance(101) == std::vector<std::string>{"\"a1\" \"spring\" \"u1\"@100"});
  CHECK(h.advance(200) == std::vector<std::string>{"\"a1\" \"spring\" \"u2\"@110"});
  CHECK(h.join.late_records() == 0);
}

TEST_CASE("window join: a pair is found whichever side arrives first") {
  Harness h(spec(false, false, 5, 5));
  h.right("k", "r1", 100);
  h.left("k", "l1", 103);  // the right record came first
  h.left("k", "l2", 96);
  h.left("k", "l3", 94);   // 6 before: outside
  CHECK(h.advance(INT64_MAX) == std::vector<std::string>{"\"k\" \"l2\" \"r1\"@100", "\"k\" \"l1\" \"r1\"@103"});
}

TEST_CASE("window join: a left join emits an unmatched record with nulls once its window has closed, not before") {
  Harness h(spec(true, false, 0, 10));
  h.left("a1", "spring", 100);
  h.left("a2", "autumn", 100);
  h.right("a1", "u1", 105);
  CHECK(h.advance(106) == std::vector<std::string>{"\"a1\" \"spring\" \"u1\"@105"});
  CHECK(h.advance(110).empty());  // a click at 110 may still come for a2
  h.right("a2", "u2", 110);
  CHECK(h.advance(111) == std::vector<std::string>{"\"a2\" \"autumn\" \"u2\"@110"});
  h.left("a3", "winter", 120);
  CHECK(h.advance(130).empty());
  CHECK(h.advance(131) == std::vector<std::string>{"\"a3\" \"winter\" null@120"});  // at its own time
  CHECK(h.join.live_keys() == 0);
}

TEST_CASE("window join: a full join emits either side unmatched, the key in its place") {
  Harness h(spec(true, true, 0, 10));
  h.right("a9", "u9", 50);
  h.left("a1", "spring", 100);
  auto rows = h.advance(INT64_MAX);
  CHECK(rows == std::vector<std::string>{"\"a9\" null \"u9\"@50", "\"a1\" \"spring\" null@100"});
}

TEST_CASE("window join: a record older than the watermark is late, a null key matches nothing") {
  Harness h(spec(true, false, 0, 10));
  h.advance(100);
  h.left("a1", "old", 99);
  CHECK(h.join.last_was_late());
  CHECK(h.join.late_records() == 1);
  h.right("a1", "u1", 99);
  CHECK(h.join.late_records() == 2);
  h.join.on_side(0, Value(), two("?", "nokey"), 100);
  CHECK_FALSE(h.join.last_was_late());
  h.join.on_side(1, Value(), two("?", "u2"), 100);
  // The left side's comes out with nulls (nothing can match it); the right side's, of a left join, not.
  CHECK(h.advance(101) == std::vector<std::string>{"\"?\" \"nokey\" null@100"});
}

TEST_CASE("window join: an outer join holds the watermark it passes on back by its window") {
  TempStore t;
  WindowJoinOperator inner(*t.store, [] { auto s = spec(false, false, 3, 10); s.keyspace = "a"; return s; }());
  WindowJoinOperator left(*t.store, [] { auto s = spec(true, false, 3, 10); s.keyspace = "b"; return s; }());
  WindowJoinOperator full(*t.store, [] { auto s = spec(true, true, 3, 10); s.keyspace = "c"; return s; }());
  CHECK(inner.emitted_through(1000) == 1000);
  CHECK(left.emitted_through(1000) == 990);
  CHECK(full.emitted_through(1000) == 990);
  CHECK(full.emitted_through(INT64_MAX) == INT64_MAX);
  CHECK(full.emitted_through(INT64_MIN) == INT64_MIN);
}

TEST_CASE("window join: kept records and waiting rows survive a restart") {
  TempStore t;
  std::vector<StateOutput> out;
  StateTallies tallies;
  {
    WindowJoinOperator join(*t.store, spec(true, false, 0, 10));
    join.on_side(0, Value::string("a1"), two("a1", "spring"), 100);
    join.on_side(0, Value::string("a2"), two("a2", "autumn"), 100);
    join.on_side(1, Value::string("a1"), two("a1", "u1"), 104);  // a pair waiting for the watermark
    join.advance_watermark(102, out, tallies);
    CHECK(out.empty());
    CHECK(t.store->commit({}).empty());
  }
  t.open();
  WindowJoinOperator join(*t.store, spec(true, false, 0, 10));
  CHECK(join.watermark() == 102);
  CHECK(join.live_keys() == 2);
  join.on_side(1, Value::string("a1"), two("a1", "u2"), 110);  // still matches a1 at 100
  join.advance_watermark(INT64_MAX, out, tallies);
  // By release time (a2's unmatched row is released at 100 + 10), then by bytes (a1 before a2).
  CHECK(texts(out) == std::vector<std::string>{"\"a1\" \"spring\" \"u1\"@104", "\"a1\" \"spring\" \"u2\"@110",
                                               "\"a2\" \"autumn\" null@100"});
  CHECK(join.live_keys() == 0);
  CHECK(t.store->keys() <= 5);  // the counters only: every record and row is gone
}

TEST_CASE("window join: the same rows in the same order whatever the interleaving and watermark steps") {
  struct Rec {
    int side;
    std::string key;
    std::string value;
    int64_t time;
  };
  for (int kind = 0; kind < 3; ++kind) {
    const bool left_outer = kind >= 1, right_outer = kind == 2;
    const int64_t before = 7, after = 13;
    std::mt19937 rng(1234 + kind);
    std::vector<Rec> records;
    for (int i = 0; i < 300; ++i) {
      int side = static_cast<int>(rng() % 2);
      records.push_back({side, "k" + std::to_string(rng() % 12), (side ? "r" : "l") + std::to_string(i),
                         static_cast<int64_t>(rng() % 400)});
    }
    // The reference: every pair within the window, and the unmatched records of an outer side.
    std::multiset<std::string> expected;
    for (const Rec& l : records) {
      if (l.side != 0) continue;
      bool matched = false;
      for (const Rec& r : records)
        if (r.side == 1 && r.key == l.key && r.time >= l.time - before && r.time <= l.time + after) {
          expected.insert("\"" + l.key + "\" \"" + l.value + "\" \"" + r.value + "\"@" +
                          std::to_string(std::max(l.time, r.time)));
          matched = true;
        }
      if (!matched && left_outer) expected.insert("\"" + l.key + "\" \"" + l.value + "\" null@" + std::to_string(l.time));
    }
    if (right_outer)
      for (const Rec& r : records) {
        if (r.side != 1) continue;
        bool matched = false;
        for (const Rec& l : records)
          matched |= l.side == 0 && l.key == r.key && r.time >= l.time - before && r.time <= l.time + after;
        if (!matched) expected.insert("\"" + r.key + "\" null \"" + r.value + "\"@" + std::to_string(r.time));
      }
    std::vector<std::string> first_run;
    for (int run = 0; run < 6; ++run) {
      // Each side in order of time (as a partition would be), the two interleaved at random; the
      // watermark stepping at random but never past a record still to come.
      std::vector<Rec> sides[2];
      for (const Rec& r : records) sides[r.side].push_back(r);
      for (auto& s : sides)
        std::stable_sort(s.begin(), s.end(), [](const Rec& a, const Rec& b) { return a.time < b.time; });
      Harness h(spec(left_outer, right_outer, before, after));
      std::vector<std::string> rows;
      size_t next[2] = {0, 0};
      std::mt19937 order(run);
      while (next[0] < sides[0].size() || next[1] < sides[1].size()) {
        int side = next[0] == sides[0].size() ? 1 : next[1] == sides[1].size() ? 0 : static_cast<int>(order() % 2);
        const Rec& r = sides[side][next[side]++];
        h.join.on_side(side, Value::string(r.key), two(r.key, r.value), r.time);
        REQUIRE_FALSE(h.join.last_was_late());
        if (order() % 4 == 0) {
          int64_t safe = INT64_MAX;
          for (int s = 0; s < 2; ++s)
            if (next[s] < sides[s].size()) safe = std::min(safe, sides[s][next[s]].time);
          if (safe != INT64_MAX) {
            auto step = h.advance(safe);
            rows.insert(rows.end(), step.begin(), step.end());
          }
        }
      }
      auto last = h.advance(INT64_MAX);
      rows.insert(rows.end(), last.begin(), last.end());
      CHECK(std::multiset<std::string>(rows.begin(), rows.end()) == expected);
      if (run == 0)
        first_run = rows;
      else
        CHECK(rows == first_run);
    }
  }
}
