// The stream–table join's state (runtime/state/temporal_join_operator): answers by event time,
// waiting for the watermark, tombstones, history, ttl, max_rows, restarts, and a randomized test
// that the answers do not depend on how the two sides' records interleave (a brute-force
// reference: each record with the last version of its key at or before its time).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <random>

#include "runtime/state/temporal_join_operator.hpp"
#include "tests/unit/support/temp_store.hpp"

using flow::runtime::StateOutput;
using flow::runtime::StateStore;
using flow::runtime::StateTallies;
using flow::runtime::TableFull;
using flow::runtime::TemporalJoinOperator;
using flow::runtime::TemporalJoinSpec;
using flow::runtime::eval::Value;
using flow::testing::TempStore;

namespace {

//! Stream rows {user, page}; table rows {id, plan}, keyed by id.
TemporalJoinSpec spec(bool left = false) {
  TemporalJoinSpec s;
  s.keyspace = "q";
  s.table = "users";
  s.stream_fields = 2;
  s.table_fields = 2;
  s.table_key_index = 0;
  s.left = left;
  return s;
}

std::vector<Value> view(const std::string& user, const std::string& page) {
  return {Value::string(user), Value::string(page)};
}
std::vector<Value> row(const std::string& id, const std::string& plan) { return {Value::string(id), Value::string(plan)}; }

//! "user page plan@time" per output (plan `null` when none).
std::vector<std::string> texts(const std::vector<StateOutput>& out) {
  std::vector<std::string> lines;
  for (const auto& o : out)
    lines.push_back(o.record.at(0).to_json() + " " + o.record.at(1).to_json() + " " + o.record.at(2).to_json() + "@" +
                    std::to_string(o.event_time_ms));
  return lines;
}

}  // namespace

TEST_CASE("temporal join: a record joins the row current at its event time, once the watermark passes it") {
  TempStore t;
  TemporalJoinOperator join(*t.store, spec());
  std::vector<StateOutput> out;
  StateTallies tallies;
  auto free = row("u1", "free");
  join.on_table(Value::string("u1"), &free, 100);
  auto pro = row("u1", "pro");
  join.on_table(Value::string("u1"), &pro, 300);
  join.on_stream(Value::string("u1"), view("u1", "/a"), 200, out);
  join.on_stream(Value::string("u1"), view("u1", "/b"), 400, out);
  join.on_stream(Value::string("u1"), view("u1", "/c"), 50, out);  // before any row: inner drops it
  CHECK(out.empty());  // nothing before the watermark
  join.advance_watermark(200, out, tallies);
  CHECK(out.empty());  // a table row at 200 may still come
  join.advance_watermark(250, out, tallies);
  CHECK(texts(out) == std::vector<std::string>{"\"u1\" \"/a\" \"free\"@200"});
  out.clear();
  join.advance_watermark(INT64_MAX, out, tallies);
  CHECK(texts(out) == std::vector<std::string>{"\"u1\" \"/b\" \"pro\"@400"});
  CHECK(join.live_keys() == 1);
}

TEST_CASE("temporal join: a record at the watermark's own time waits: a table row at that time may still come") {
  TempStore t;
  TemporalJoinOperator join(*t.store, spec());
  std::vector<StateOutput> out;
  StateTallies tallies;
  auto free = row("u1", "free"), pro = row("u1", "pro");
  join.on_table(Value::string("u1"), &free, 100);
  join.advance_watermark(200, out, tallies);
  join.on_stream(Value::string("u1"), view("u1", "/a"), 200, out);
  CHECK(out.empty());
  join.on_table(Value::string("u1"), &pro, 200);  // not late: the watermark is 200
  join.advance_watermark(201, out, tallies);
  CHECK(texts(out) == std::vector<std::string>{"\"u1\" \"/a\" \"pro\"@200"});
}

TEST_CASE("temporal join: left join keeps a record without a row, a tombstone ends the row") {
  TempStore t;
  TemporalJoinOperator join(*t.store, spec(true));
  std::vector<StateOutput> out;
  StateTallies tallies;
  auto free = row("u1", "free");
  join.on_table(Value::string("u1"), &free, 100);
  join.on_table(Value::string("u1"), nullptr, 300);
  CHECK(join.live_keys() == 0);
  join.on_stream(Value::string("u1"), view("u1", "/a"), 200, out);
  join.on_stream(Value::string("u1"), view("u1", "/b"), 300, out);  // the tombstone's own time: no row
  join.on_stream(Value::string("u2"), view("u2", "/c"), 250, out);
  join.on_stream(Value(), view("?", "/d"), 260, out);  // a null key matches no row
  join.advance_watermark(INT64_MAX, out, tallies);
  CHECK(texts(out) == std::vector<std::string>{"\"u1\" \"/a\" \"free\"@200", "\"u2\" \"/c\" null@250",
                                               "\"?\" \"/d\" null@260", "\"u1\" \"/b\" null@300"});
}

TEST_CASE("temporal join: a record older than the watermark minus history is late, within it, it is answered") {
  TempStore t;
  TemporalJoinSpec s = spec();
  s.history_ms = 100;
  TemporalJoinOperator join(*t.store, s);
  std::vector<StateOutput> out;
  StateTallies tallies;
  auto free = row("u1", "free"), pro = row("u1", "pro");
  join.on_table(Value::string("u1"), &free, 100);
  join.advance_watermark(150, out, tallies);
  join.on_table(Value::string("u1"), &pro, 200);  // replaces free from 200 on
  join.advance_watermark(260, out, tallies);
  join.on_stream(Value::string("u1"), view("u1", "/in-history"), 170, out);  // 260 - 100 <= 170: free
  CHECK_FALSE(join.last_was_late());
  join.on_stream(Value::string("u1"), view("u1", "/too-late"), 150, out);
  CHECK(join.last_was_late());
  CHECK(join.late_records() == 1);
  CHECK(texts(out) == std::vector<std::string>{"\"u1\" \"/in-history\" \"free\"@170"});
}

TEST_CASE("temporal join: a row not replaced for the ttl expires, and the key is dropped") {
  TempStore t;
  TemporalJoinSpec s = spec(true);
  s.ttl_ms = 1000;
  TemporalJoinOperator join(*t.store, s);
  std::vector<StateOutput> out;
  StateTallies tallies;
  auto free = row("u1", "free");
  join.on_table(Value::string("u1"), &free, 100);
  join.on_stream(Value::string("u1"), view("u1", "/fresh"), 1099, out);
  join.on_stream(Value::string("u1"), view("u1", "/stale"), 1100, out);
  join.advance_watermark(5000, out, tallies);
  CHECK(texts(out) == std::vector<std::string>{"\"u1\" \"/fresh\" \"free\"@1099", "\"u1\" \"/stale\" null@1100"});
  CHECK(join.live_keys() == 0);
  CHECK(t.store->keys() < 8);  // the key's versions are gone, only the operator's counters stay
}

TEST_CASE("temporal join: more keys than max_rows stops the run with the reason") {
  TempStore t;
  TemporalJoinSpec s = spec();
  s.max_rows = 2;
  TemporalJoinOperator join(*t.store, s);
  auto a = row("a", "x"), b = row("b", "x"), c = row("c", "x");
  join.on_table(Value::string("a"), &a, 1);
  join.on_table(Value::string("b"), &b, 2);
  join.on_table(Value::string("a"), &a, 3);  // an update adds no key
  CHECK_THROWS_AS(join.on_table(Value::string("c"), &c, 4), TableFull);
  join.on_table(Value::string("a"), nullptr, 5);  // a deleted key frees its place
  CHECK_NOTHROW(join.on_table(Value::string("c"), &c, 6));
}

TEST_CASE("temporal join: waiting records and versions survive a restart") {
  TempStore t;
  std::vector<StateOutput> out;
  StateTallies tallies;
  {
    TemporalJoinOperator join(*t.store, spec());
    auto free = row("u1", "free");
    join.on_table(Value::string("u1"), &free, 100);
    join.on_stream(Value::string("u1"), view("u1", "/a"), 200, out);
    join.advance_watermark(150, out, tallies);
    REQUIRE(t.store->commit({}).empty());
  }
  t.open();
  TemporalJoinOperator join(*t.store, spec());
  CHECK(join.watermark() == 150);
  CHECK(join.live_keys() == 1);
  join.advance_watermark(INT64_MAX, out, tallies);
  CHECK(texts(out) == std::vector<std::string>{"\"u1\" \"/a\" \"free\"@200"});
}

TEST_CASE("temporal join: a store written for another join shape is refused") {
  TempStore t;
  { TemporalJoinOperator join(*t.store, spec()); }
  CHECK_THROWS(TemporalJoinOperator(*t.store, spec(true)));
}

TEST_CASE("temporal join: answers do not depend on how the two sides interleave (brute-force reference)") {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 random(seed);
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
    struct Event {
      bool table = false;
      std::string key;
      std::optional<std::string> plan;  // table: none is a tombstone
      std::string page;
      int64_t time = 0;
    };
    std::vector<Event> table, stream;
    for (int i = 0; i < 40; ++i)
      table.push_back({true, "u" + std::to_string(pick(6)), pick(5) ? std::optional<std::string>("p" + std::to_string(pick(4))) : std::nullopt, "", pick(120)});
    for (int i = 0; i < 60; ++i) stream.push_back({false, "u" + std::to_string(pick(7)), std::nullopt, "/" + std::to_string(i), pick(120)});
    auto by_time = [](const Event& a, const Event& b) { return a.time < b.time; };
    std::stable_sort(table.begin(), table.end(), by_time);
    std::stable_sort(stream.begin(), stream.end(), by_time);
    // The reference: the last version at or before the record's time (later in table order wins).
    std::multiset<std::string> expected;
    for (const Event& s : stream) {
      std::optional<std::string> current;
      for (const Event& r : table)
        if (r.key == s.key && r.time <= s.time) current = r.plan;
      expected.insert("\"" + s.key + "\" \"" + s.page + "\" " + (current ? "\"" + *current + "\"" : "null") + "@" +
                      std::to_string(s.time));
    }
    for (int interleaving = 0; interleaving < 5; ++interleaving) {
      TempStore t;
      TemporalJoinOperator join(*t.store, spec(true));
      std::vector<StateOutput> out;
      StateTallies tallies;
      size_t ti = 0, si = 0;
      int64_t table_seen = INT64_MIN, stream_seen = INT64_MIN;
      while (ti < table.size() || si < stream.size()) {
        bool take_table = si == stream.size() || (ti < table.size() && pick(2) == 0);
        if (take_table) {
          const Event& r = table[ti++];
          auto fields = row(r.key, r.plan.value_or(""));
          join.on_table(Value::string(r.key), r.plan ? &fields : nullptr, r.time);
          table_seen = r.time;
        } else {
          const Event& s = stream[si++];
          join.on_stream(Value::string(s.key), view(s.key, s.page), s.time, out);
          stream_seen = s.time;
        }
        // Each side's records come in time order; a side read to its end holds nothing back.
        int64_t table_mark = ti == table.size() ? INT64_MAX : table_seen;
        int64_t stream_mark = si == stream.size() ? INT64_MAX : stream_seen;
        // A side's next record may have the time it last delivered: only what is before it is answered.
        int64_t mark = std::min(table_mark, stream_mark);
        if (mark != INT64_MIN && mark != INT64_MAX) join.advance_watermark(mark, out, tallies);
        if (pick(7) == 0) {
          REQUIRE(t.store->commit({}).empty());
        }
      }
      join.advance_watermark(INT64_MAX, out, tallies);
      std::vector<std::string> lines = texts(out);
      CHECK_MESSAGE(std::multiset<std::string>(lines.begin(), lines.end()) == expected,
                    "seed " << seed << ", interleaving " << interleaving);
      CHECK(join.late_records() == 0);
    }
  }
}
