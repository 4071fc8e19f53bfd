// Unit tests of keyed state for `aggregate`: tumbling, hopping and session windows closed by the
// watermark (`emit final`), `emit changes` rows, late records, and a restart with open windows.
// Final rows are compared with the reference evaluator's run_aggregate over the same records.
#include <doctest/doctest.h>

#include "tests/unit/support/checked_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "runtime/eval/aggregate.hpp"
#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "runtime/state/aggregate_folds.hpp"
#include "runtime/state/keyed_state.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;
using flow::runtime::KeyedStateOperator;
using flow::runtime::StateOutput;
using flow::runtime::StateStore;
using flow::runtime::StateTallies;
using Rows = std::vector<std::vector<Value>>;

namespace {

const char* kClicks = R"(
source clicks from kafka "clicks" as json { user: string, url: string, bytes: int, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 1s);
sink out to stdout;
)";

//! One aggregate query in a fresh store, fed record by record as generated code feeds it; also
//! keeps every input for the reference evaluator.
struct Harness {
  std::string directory;
  physical::PhysicalPlan plan;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<KeyedStateOperator> state;
  std::vector<eval::AggregateInput> inputs;
  StateTallies tallies;
  int64_t now = 0;  //!< the processing-time clock

  explicit Harness(const std::string& query) {
    std::string pattern = (std::filesystem::temp_directory_path() / "flow-state-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    directory = pattern;
    plan = testing::checked_physical_plan(std::string(kClicks) + query, {.allow_unbounded_state = true});
    open();
  }
  ~Harness() {
    close();
    std::filesystem::remove_all(directory);
  }

  void open() {
    std::string error;
    store = StateStore::open(directory, error);
    INFO(error);
    REQUIRE(store != nullptr);
    state = std::make_unique<KeyedStateOperator>(plan, 0, *store, [this] { return now; });
  }
  void close() {
    state.reset();
    store.reset();
  }

  const physical::Aggregate& aggregate() const {
    return plan.queries.at(0).stateful_operator()->as<physical::Aggregate>();
  }

  std::vector<StateOutput> click(const std::string& user, const std::string& url, int64_t ts, int64_t bytes = 1) {
    eval::StatelessResult result = eval::run_stateless(
        plan.queries.at(0), {Value::string(user), Value::string(url), Value::integer(bytes), Value::timestamp(ts)});
    std::vector<StateOutput> out;
    REQUIRE(result.passed);
    inputs.push_back({result.output, result.key, ts});
    state->on_record("clicks", result.key.value_or(Value::null()), result.output, ts, out, tallies);
    return out;
  }
  std::vector<StateOutput> watermark(int64_t ms) {
    std::vector<StateOutput> out;
    state->advance_watermark(ms, out, tallies);
    return out;
  }
  void clock(int64_t ms) {
    now = ms;
    std::vector<StateOutput> out;
    state->advance_processing_time(ms, out, tallies);
    CHECK(out.empty());
  }
};

Rows records(const std::vector<StateOutput>& outputs) {
  Rows rows;
  for (const auto& output : outputs) rows.push_back(output.record);
  return rows;
}

//! As multisets: the order of rows closed by one watermark is the runtime's choice.
void check_same_rows(Rows actual, Rows expected) {
  auto by_text = [](const std::vector<Value>& a, const std::vector<Value>& b) {
    return eval::to_json(a) < eval::to_json(b);
  };
  std::sort(actual.begin(), actual.end(), by_text);
  std::sort(expected.begin(), expected.end(), by_text);
  CHECK(actual == expected);
}

Value text(const std::string& s) { return Value::string(s); }
Value ts(int64_t ms) { return Value::timestamp(ms); }
Value integer(int64_t v) { return Value::integer(v); }

}  // namespace

TEST_CASE("state: a tumbling window's `emit final` row comes once, when the watermark passes its end") {
  Harness h(R"(
query per_minute {
    from clicks
    | group by url window tumbling(1m)
    | aggregate count() as views, sum(bytes) as bytes
    | emit final
    | into out
}
)");
  CHECK(h.click("ann", "/a", 1'000, 10).empty());
  h.click("bob", "/a", 59'999, 20);
  h.click("ann", "/b", 30'000, 5);
  h.click("ann", "/a", 61'000, 1);
  h.click("cid", "/a", 10'000, 2);  // out of order, not late
  CHECK(h.watermark(59'999).empty());
  std::vector<StateOutput> first = h.watermark(60'000);
  check_same_rows(records(first), {{text("/a"), ts(0), ts(60'000), integer(3), integer(32)},
                                   {text("/b"), ts(0), ts(60'000), integer(1), integer(5)}});
  CHECK(first.at(0).event_time_ms == 59'999);
  CHECK(first.at(0).key.has_value());
  CHECK(h.state->live_keys() == 1);

  h.click("dan", "/a", 20'000, 100);  // its window has closed: late
  CHECK(h.state->late_records() == 1);
  h.inputs.pop_back();
  std::vector<StateOutput> second = h.watermark(200'000);
  CHECK(h.watermark(300'000).empty());
  Rows all = records(first);
  for (auto& row : records(second)) all.push_back(row);
  check_same_rows(all, eval::run_aggregate(h.aggregate(), h.inputs));
  CHECK(h.state->live_keys() == 0);
}

TEST_CASE("state: a window at the end of time closes only at the end of input, not at once") {
  // Before its bounds saturated, the window of an event time near INT64_MAX ended past the int64
  // range, wrapped to a negative end and closed at the first watermark with end < start.
  Harness h(R"(
query per_minute {
    from clicks
    | group by url window tumbling(1m)
    | aggregate count() as views
    | emit final
    | into out
}
)");
  h.click("ann", "/a", INT64_MAX, 1);
  h.click("bob", "/a", INT64_MAX - 1, 1);
  CHECK(h.watermark(1'000'000).empty());
  CHECK(h.watermark(INT64_MAX - 1).empty());
  std::vector<StateOutput> last = h.watermark(INT64_MAX);
  check_same_rows(records(last), {{text("/a"), ts(INT64_MAX - INT64_MAX % 60'000), ts(INT64_MAX), integer(2)}});
  check_same_rows(records(last), eval::run_aggregate(h.aggregate(), h.inputs));
}

TEST_CASE("state: hopping windows close one by one and agree with the reference evaluator") {
  Harness h(R"(
query rolling {
    from clicks
    | group by url window hopping(3s, 1s)
    | aggregate count() as n, min(bytes) as least, max(bytes) as most, avg(bytes) as mean, first(user) as who
    | emit final
    | into out
}
)");
  // Records up to 1.5 s out of order; the watermark trails the newest event time by 2 s.
  Rows emitted;
  int64_t newest = 0;
  uint64_t seed = 12345;
  for (int i = 0; i < 300; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    int64_t time = i * 50 + static_cast<int64_t>((seed >> 33) % 1500);
    std::string url = (seed >> 20) % 3 == 0 ? "/a" : "/b";
    h.click("u" + std::to_string(i % 7), url, time, static_cast<int64_t>((seed >> 40) % 100));
    newest = std::max(newest, time);
    for (auto& row : records(h.watermark(newest - 2'000))) emitted.push_back(row);
  }
  CHECK(h.state->late_records() == 0);
  CHECK(h.state->live_keys() > 0);
  for (auto& row : records(h.watermark(newest + 10'000))) emitted.push_back(row);
  CHECK(emitted.size() > 20);
  check_same_rows(emitted, eval::run_aggregate(h.aggregate(), h.inputs));
  CHECK(h.state->live_keys() == 0);
}

TEST_CASE("state: session windows grow, merge when a record bridges them, and close at last + gap") {
  Harness h(R"(
query visits {
    from clicks
    | group by user window session(10s)
    | aggregate count() as pages, first(url) as landing, last(url) as exit, sum(bytes) as total,
        min(bytes) as least, max(bytes) as most
    | emit final
    | into out
}
)");
  h.click("ann", "/1", 0, 7);
  h.click("ann", "/2", 18'000, 3);
  h.click("bob", "/x", 5'000, 1);
  CHECK(h.state->live_keys() == 3);  // ann's two sessions and bob's
  h.click("ann", "/3", 9'000, 3);    // less than 10 s from both of ann's: one session [0, 28 s)
  CHECK(h.state->live_keys() == 2);
  h.click("ann", "/4", 28'000, 9);   // exactly 10 s after ann's last: a new session
  std::vector<StateOutput> bob = h.watermark(15'000);
  check_same_rows(records(bob), {{text("bob"), ts(5'000), ts(15'000), integer(1), text("/x"), text("/x"), integer(1),
                                  integer(1), integer(1)}});
  CHECK(h.watermark(27'999).empty());
  std::vector<StateOutput> ann = h.watermark(28'000);
  check_same_rows(records(ann), {{text("ann"), ts(0), ts(28'000), integer(3), text("/1"), text("/3"), integer(13),
                                  integer(3), integer(7)}});
  Rows all = records(bob);
  for (auto& row : records(ann)) all.push_back(row);
  for (auto& row : records(h.watermark(100'000))) all.push_back(row);
  check_same_rows(all, eval::run_aggregate(h.aggregate(), h.inputs));
  CHECK(h.state->live_keys() == 0);
}

TEST_CASE("state: `emit changes` emits the key's updated row after every record") {
  SUBCASE("without a window, per key, for ever") {
    Harness h(R"(
query totals {
    from clicks
    | key by user
    | aggregate count() as n, sum(bytes) as total
    | into out
}
)");
    std::vector<StateOutput> out = h.click("ann", "/a", 5, 10);
    REQUIRE(out.size() == 1);
    CHECK(out[0].key == text("ann"));
    CHECK(out[0].record == std::vector<Value>{text("ann"), integer(1), integer(10)});
    CHECK(out[0].event_time_ms == 5);
    h.click("bob", "/a", 6, 1);
    out = h.click("ann", "/b", 7, 5);
    REQUIRE(out.size() == 1);
    CHECK(out[0].record == std::vector<Value>{text("ann"), integer(2), integer(15)});
    CHECK(h.watermark(1'000'000).empty());
    CHECK(h.state->live_keys() == 2);
  }
  SUBCASE("with a window: a row per record, nothing more when it closes, and its state goes") {
    Harness h(R"(
query rolling {
    from clicks
    | group by url, user window tumbling(1m)
    | aggregate count() as views
    | emit changes
    | into out
}
)");
    h.click("ann", "/a", 1'000);
    std::vector<StateOutput> out = h.click("ann", "/a", 2'000);
    REQUIRE(out.size() == 1);
    CHECK(out[0].record == std::vector<Value>{text("/a"), text("ann"), ts(0), ts(60'000), integer(2)});
    CHECK(out[0].key == Value::record({"url", "user"}, {text("/a"), text("ann")}));
    CHECK(h.watermark(60'000).empty());
    CHECK(h.state->live_keys() == 0);
  }
}

TEST_CASE("state: a restart keeps open windows and the watermark of the last commit") {
  Harness h(R"(
query per_minute {
    from clicks
    | group by url window tumbling(1m)
    | aggregate count() as views
    | emit final
    | into out
}
)");
  h.click("ann", "/a", 1'000);
  h.click("ann", "/a", 2'000);
  h.click("ann", "/old", 3'000);
  CHECK(h.watermark(0).empty());
  REQUIRE(h.store->commit({{"clicks/0", 3}}).empty());
  h.click("ann", "/a", 4'000);  // lost: not committed
  h.close();

  h.open();
  CHECK(h.state->watermark() == 0);
  CHECK(h.state->live_keys() == 2);
  h.click("bob", "/a", 5'000);
  std::vector<StateOutput> out = h.watermark(60'000);
  check_same_rows(records(out), {{text("/a"), ts(0), ts(60'000), integer(3)},
                                 {text("/old"), ts(0), ts(60'000), integer(1)}});
}

TEST_CASE("state: running aggregates equal the reference folds, also when two sessions merge") {
  Harness h(R"(
query visits {
    from clicks
    | group by user window session(10s)
    | aggregate count() as n, sum(bytes) as total, min(if url == "/neg" then -0.0 else 0.0) as least,
        max(bytes) as most, first(url) as landing, last(url) as exit, max_by(url, bytes) as biggest,
        min_by(url, if url == "/b" then null else bytes) as smallest, count_distinct(url, 10) as urls,
        approx_count_distinct(bytes) as sizes, count_distinct(if url == "/neg" then -0.0 else 0.0, 2) as zeros
    | emit final
    | into out
}
)");
  flow::runtime::AggregateFolds folds(h.aggregate());
  std::vector<std::pair<std::string, int64_t>> clicks = {{"/zero", 4}, {"/neg", 9}, {"/zero", 9}, {"/b", 1}};
  std::vector<eval::AggregateInput> all;
  std::vector<flow::runtime::Accumulator> early = folds.start(), late = folds.start(), whole = folds.start();
  for (size_t arrival = 0; arrival < clicks.size(); ++arrival) {
    std::vector<Value> record = {text("ann"), text(clicks[arrival].first), integer(clicks[arrival].second), ts(0)};
    all.push_back({record, std::nullopt, 0});
    std::vector<Value> arguments = folds.arguments(record, Value::null());
    folds.add(whole, arguments, arrival);
    folds.add(arrival % 2 == 0 ? early : late, arguments, arrival);  // two sessions, interleaved arrivals
  }
  std::vector<Value> expected = eval::aggregate_values(h.aggregate(), all);
  CHECK(expected[2] == Value::floating(0.0));  // of -0.0 and 0.0 the earlier wins
  CHECK(expected[6] == text("/neg"));          // bytes 9 twice: the earlier record's url
  CHECK(expected[7] == text("/zero"));         // "/b" (1 byte) has no ordering value
  CHECK(expected[8] == integer(3));
  CHECK(expected[9] == integer(3));
  CHECK(expected[10] == integer(1));           // -0.0 and 0.0 are one value
  CHECK(folds.results(whole) == expected);
  std::vector<flow::runtime::Accumulator> merged = late;
  folds.merge(merged, early);
  CHECK(folds.results(merged) == expected);
  merged = early;
  folds.merge(merged, late);
  CHECK(folds.results(merged) == expected);

  std::string bytes;
  folds.encode(bytes, merged);
  flow::runtime::ValueReader reader(bytes);
  CHECK(folds.results(folds.decode(reader)) == expected);
  CHECK(reader.at_end());
}

TEST_CASE("state: an aggregate without a window but with a timeout drops a group the watermark leaves behind") {
  Harness h(R"(
query per_user {
    from clicks
    | group by user
    | aggregate count() as clicks, last(url) as url timeout 10s
    | emit changes
    | into out
}
)");
  CHECK(h.aggregate().timeout_ms == 10'000);
  check_same_rows(records(h.click("ann", "/a", 1'000)), {{text("ann"), integer(1), text("/a")}});
  check_same_rows(records(h.click("bob", "/a", 2'000)), {{text("bob"), integer(1), text("/a")}});
  // ann's deadline moves to 19 s; her expiry entry stays at 11 s and moves when it comes due.
  check_same_rows(records(h.click("ann", "/b", 9'000)), {{text("ann"), integer(2), text("/b")}});
  CHECK(h.watermark(11'999).empty());
  CHECK(h.state->live_keys() == 2);
  CHECK(h.watermark(12'000).empty());  // nothing is emitted when a group goes: its last row went out
  CHECK(h.state->live_keys() == 1);    // bob (deadline 12 s) is gone, ann stays
  REQUIRE(h.store->commit({{"clicks/0", 3}}).empty());
  h.close();
  h.open();  // deadlines and expiry entries survive a restart
  CHECK(h.state->live_keys() == 1);
  check_same_rows(records(h.click("bob", "/c", 12'500)), {{text("bob"), integer(1), text("/c")}});  // again from 1
  CHECK(h.watermark(18'999).empty());
  CHECK(h.state->live_keys() == 2);
  CHECK(h.watermark(19'000).empty());
  CHECK(h.state->live_keys() == 1);  // ann's 19 s deadline passed
  // A record whose group the watermark would already have dropped is late, not a new group.
  CHECK(h.click("ann", "/old", 8'000).empty());
  CHECK(h.state->late_records() == 1);
  check_same_rows(records(h.click("ann", "/new", 20'000)), {{text("ann"), integer(1), text("/new")}});
  // At or past its deadline a group starts again, before the watermark gets there.
  check_same_rows(records(h.click("bob", "/d", 22'500)), {{text("bob"), integer(1), text("/d")}});
  CHECK(h.state->live_keys() == 2);
}

TEST_CASE("state: an aggregate with a processing-time timeout drops a group quiet for that long on the clock") {
  Harness h(R"(
query per_user {
    from clicks
    | group by user
    | aggregate count() as clicks timeout 1m in processing time
    | into out
}
)");
  h.now = 1'000;
  h.click("ann", "/a", 5);
  h.now = 30'000;
  h.click("ann", "/a", 1);  // event times do not matter
  h.click("bob", "/a", 2);
  h.clock(61'000);
  CHECK(h.state->live_keys() == 2);  // ann's deadline moved to 90 s
  h.clock(90'000);
  CHECK(h.state->live_keys() == 0);
  check_same_rows(records(h.click("ann", "/a", 3)), {{text("ann"), integer(1)}});
}

TEST_CASE("state: groups written without an aggregate's timeout are not read as groups with one, nor back") {
  const char* untimed = R"(
query per_user {
    from clicks
    | group by user
    | aggregate count() as clicks
    | into out
}
)";
  const char* timed = R"(
query per_user {
    from clicks
    | group by user
    | aggregate count() as clicks timeout 1m
    | into out
}
)";
  for (auto [first, then, says] : {std::tuple{untimed, timed, "without its aggregate's `timeout`, which it now has"},
                                   std::tuple{timed, untimed, "with its aggregate's `timeout`, which it no longer has"}}) {
    Harness h(first);
    h.click("ann", "/a", 1'000);
    REQUIRE(h.store->commit({{"clicks/0", 1}}).empty());
    h.close();
    h.plan = testing::checked_physical_plan(std::string(kClicks) + then, {.allow_unbounded_state = true});
    h.open();
    try {
      h.click("ann", "/a", 2'000);
      FAIL("the other version's state was read");
    } catch (const flow::runtime::StateCorruption& e) {
      CHECK(std::string(e.what()).find(says) != std::string::npos);
    }
  }
}

TEST_CASE("state: a processing-time window is assigned and closed by the clock, whatever the event times") {
  Harness h(R"(
query per_minute {
    from clicks
    | group by url window tumbling(1m) in processing time
    | aggregate count() as views
    | emit final
    | into out
}
)");
  CHECK(h.aggregate().window.processing_time);
  h.now = 10'000;
  CHECK(h.click("ann", "/a", 999'999'999).empty());  // event time plays no part
  h.now = 59'999;
  h.click("bob", "/a", 5);
  h.now = 60'000;
  h.click("ann", "/a", 7);  // the next minute on the clock
  CHECK(h.watermark(INT64_MAX - 1).empty());  // nor does the watermark
  CHECK(h.state->late_records() == 0);
  std::vector<StateOutput> out;
  h.state->advance_processing_time(60'000, out, h.tallies);
  check_same_rows(records(out), {{text("/a"), ts(0), ts(60'000), integer(2)}});
  out.clear();
  h.state->advance_processing_time(120'000, out, h.tallies);
  check_same_rows(records(out), {{text("/a"), ts(60'000), ts(120'000), integer(1)}});
  CHECK(out.front().event_time_ms == 119'999);  // the window's end minus 1 ms, on the clock
}

TEST_CASE("state: a processing-time timeout that is due when the group's next record comes starts it again") {
  Harness h(R"(
query per_user {
    from clicks
    | group by user
    | aggregate count() as clicks timeout 1m in processing time
    | into out
}
)");
  h.now = 0;
  h.click("ann", "/a", 1);
  h.now = 60'000;  // due, but the clock's tick has not dropped it yet
  check_same_rows(records(h.click("ann", "/a", 2)), {{text("ann"), integer(1)}});
  CHECK(h.state->live_keys() == 1);
}

TEST_CASE("state: an aggregate declared otherwise than when its state was written stops instead of misreading it") {
  Harness h(R"(
query per_minute {
    from clicks
    | group by url window tumbling(1m)
    | aggregate count() as views
    | into out
}
)");
  h.click("ann", "/a", 1'000);
  REQUIRE(h.store->commit({{"clicks/0", 1}}).empty());
  h.close();
  // Renaming an output changes no byte: the state still reads.
  h.plan = testing::checked_physical_plan(std::string(kClicks) + R"(
query per_minute {
    from clicks
    | group by url window tumbling(1m)
    | aggregate count() as hits
    | into out
}
)");
  h.open();
  h.click("bob", "/a", 2'000);
  REQUIRE(h.store->commit({{"clicks/0", 2}}).empty());
  h.close();
  // Another aggregate: the accumulators would be read as the wrong folds.
  h.plan = testing::checked_physical_plan(std::string(kClicks) + R"(
query per_minute {
    from clicks
    | group by url window tumbling(1m)
    | aggregate count() as hits, sum(bytes) as bytes
    | into out
}
)");
  h.open();
  try {
    h.click("cy", "/a", 3'000);
    FAIL("state written by another declaration was read");
  } catch (const flow::runtime::StateCorruption& e) {
    CHECK(std::string(e.what()).find("declared otherwise when its state was written") != std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------
// `top N by …`: a fold over whole records (aggregate_folds.hpp), emitted ranked when the window
// closes.
// ---------------------------------------------------------------------------------------------

namespace {

//! Top 2 per page and minute by size, largest first; a negative size stands for "no size" (null).
const char* kTopTwo = R"(
query biggest {
    from clicks
    | group by url window tumbling(1m)
    | top 2 by if bytes >= 0 then bytes else null desc
    | into out
}
)";

struct Click {
  const char* user;
  const char* url;
  int64_t ts;
  int64_t bytes;
};

//! Feeds `clicks` in order and closes every window: the rows, as emitted.
std::vector<StateOutput> top_rows(const std::vector<Click>& clicks, Rows* reference = nullptr) {
  Harness h(kTopTwo);
  for (const Click& c : clicks) CHECK(h.click(c.user, c.url, c.ts, c.bytes).empty());
  std::vector<StateOutput> out = h.watermark(1'000'000);
  if (reference) *reference = eval::run_aggregate(h.aggregate(), h.inputs);
  return out;
}

}  // namespace

TEST_CASE("state: a top emits each window's N first records ranked, ties by the fields, a null last") {
  std::vector<Click> clicks = {
      {"cy", "/a", 1'000, 5},  {"ann", "/a", 2'000, 9}, {"bob", "/a", 3'000, 5},  // 5 twice: `ann` < `bob` < `cy`
      {"dan", "/a", 4'000, 5}, {"eve", "/b", 5'000, -1}, {"fay", "/b", 6'000, 1},  // "/b": null after 1
      {"gus", "/c", 7'000, -1}, {"ann", "/a", 61'000, 3},                           // "/c" has only a null
  };
  Rows reference;
  std::vector<StateOutput> out = top_rows(clicks, &reference);
  check_same_rows(records(out), {
      {text("ann"), text("/a"), integer(9), ts(2'000), ts(0), ts(60'000), integer(1)},
      {text("bob"), text("/a"), integer(5), ts(3'000), ts(0), ts(60'000), integer(2)},
      {text("fay"), text("/b"), integer(1), ts(6'000), ts(0), ts(60'000), integer(1)},
      {text("eve"), text("/b"), integer(-1), ts(5'000), ts(0), ts(60'000), integer(2)},
      {text("gus"), text("/c"), integer(-1), ts(7'000), ts(0), ts(60'000), integer(1)},
      {text("ann"), text("/a"), integer(3), ts(61'000), ts(60'000), ts(120'000), integer(1)},
  });
  check_same_rows(records(out), reference);
  for (const StateOutput& row : out) {
    CHECK(row.key == row.record.at(1));  // keyed by the group field
    CHECK(row.event_time_ms == row.record.at(5).int_value - 1);  // the window's end minus 1 ms
  }
  // Ranks come in order within a window: rank 1 of "/a" before rank 2.
  auto rank_of = [&](size_t i) { return out[i].record.at(6).int_value; };
  for (size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i].record.at(1) == out[i + 1].record.at(1) && out[i].record.at(4) == out[i + 1].record.at(4))
      CHECK(rank_of(i) + 1 == rank_of(i + 1));

  // Any arrival order gives the same rows: ties are broken by values, not by arrival.
  std::vector<Click> reversed(clicks.rbegin(), clicks.rend());
  check_same_rows(records(top_rows(reversed)), records(out));
}

TEST_CASE("state: the rows of a top grouped by several fields are keyed by a record of them") {
  Harness h(R"(
query biggest {
    from clicks
    | group by url, user window tumbling(1m)
    | top 1 by bytes
    | into out
}
)");
  h.click("ann", "/a", 1'000, 3);
  h.click("ann", "/a", 2'000, 2);
  std::vector<StateOutput> out = h.watermark(60'000);
  REQUIRE(out.size() == 1);
  CHECK(out[0].record == std::vector<Value>{text("ann"), text("/a"), integer(2), ts(2'000), ts(0), ts(60'000), integer(1)});
  CHECK(out[0].key == Value::record({"url", "user"}, {text("/a"), text("ann")}));
}

TEST_CASE("state: a record of a top's closed window is late and counted, a processing-time top closes by the clock") {
  SUBCASE("event time") {
    Harness h(kTopTwo);
    h.click("ann", "/a", 1'000, 3);
    CHECK(h.watermark(60'000).size() == 1);
    CHECK(h.click("bob", "/a", 2'000, 9).empty());
    CHECK(h.state->late_records() == 1);
    CHECK(h.watermark(120'000).empty());
  }
  SUBCASE("processing time") {
    Harness h(R"(
query biggest {
    from clicks
    | group by url window tumbling(1m) in processing time
    | top 1 by bytes desc
    | into out
}
)");
    h.now = 5'000;
    h.click("ann", "/a", 999'999'000, 3);  // its event time plays no part
    h.click("bob", "/a", 1, 4);
    CHECK(h.watermark(INT64_MAX - 1).empty());
    std::vector<StateOutput> out;
    h.state->advance_processing_time(60'000, out, h.tallies);
    REQUIRE(out.size() == 1);
    CHECK(out[0].record == std::vector<Value>{text("bob"), text("/a"), integer(4), ts(1), ts(0), ts(60'000), integer(1)});
    CHECK(out[0].event_time_ms == 59'999);
  }
}

TEST_CASE("state: a top keeps at most N records per window, and they survive a restart") {
  Harness h(kTopTwo);
  for (int64_t i = 0; i < 50; ++i) h.click("u" + std::to_string(i), "/a", 1'000 + i, (i * 37) % 50);
  REQUIRE(h.store->commit({{"clicks/0", 50}}).empty());
  h.close();
  h.open();
  std::string window_id;
  flow::runtime::append_key_value(window_id, Value::string("/a"));
  std::optional<std::string> stored = h.store->get(flow::runtime::QueryKeyspace("biggest").state(
      window_id + flow::runtime::ordered_bytes(0)));
  REQUIRE(stored);
  flow::runtime::ValueReader reader(*stored);
  CHECK(reader.varint() == 1);                 // the version byte
  CHECK(reader.signed_varint() == 60'000);     // the window's end
  CHECK(reader.varint() == 2);                 // N records kept, not 50
  h.click("zed", "/a", 2'000, 49);
  std::vector<StateOutput> out = h.watermark(60'000);
  check_same_rows(records(out), eval::run_aggregate(h.aggregate(), h.inputs));
  REQUIRE(out.size() == 2);
}

TEST_CASE("state: a top's fold merges two sessions as one fold of all their records, and round-trips") {
  Harness h(R"(
query biggest {
    from clicks
    | group by user window session(10s)
    | top 3 by bytes desc, url
    | into out
}
)");
  flow::runtime::AggregateFolds folds(h.aggregate());
  std::vector<std::pair<std::string, int64_t>> clicks = {{"/z", 4}, {"/y", 9}, {"/x", 4}, {"/w", 1}, {"/v", 9}};
  std::vector<flow::runtime::Accumulator> early = folds.start(), late = folds.start(), whole = folds.start();
  for (size_t arrival = 0; arrival < clicks.size(); ++arrival) {
    std::vector<Value> record = {text("ann"), text(clicks[arrival].first), integer(clicks[arrival].second), ts(0)};
    std::vector<Value> arguments = folds.arguments(record, Value::null());
    folds.add(whole, arguments, arrival);
    folds.add(arrival % 2 == 0 ? early : late, arguments, arrival);
  }
  eval::Window window{0, 10'000};
  Rows expected = folds.top_rows(whole, window);
  REQUIRE(expected.size() == 3);
  CHECK(expected[0].at(1) == text("/v"));  // 9 twice: by url
  CHECK(expected[1].at(1) == text("/y"));
  CHECK(expected[2].at(1) == text("/x"));  // 4 twice: "/x" before "/z"
  std::vector<flow::runtime::Accumulator> merged = late;
  folds.merge(merged, early);
  CHECK(folds.top_rows(merged, window) == expected);

  std::string bytes;
  folds.encode(bytes, merged);
  flow::runtime::ValueReader reader(bytes);
  CHECK(folds.top_rows(folds.decode(reader), window) == expected);
  CHECK(reader.at_end());

  // A stored top longer than N is damaged state, not a longer ranking.
  std::string long_top;
  flow::runtime::append_varint(long_top, 4);
  flow::runtime::ValueReader damaged(long_top);
  CHECK_THROWS_AS(folds.decode(damaged), flow::runtime::StateCorruption);
}

TEST_CASE("state: a top declared with another N than when its state was written stops instead of misreading it") {
  Harness h(kTopTwo);
  h.click("ann", "/a", 1'000, 3);
  REQUIRE(h.store->commit({{"clicks/0", 1}}).empty());
  h.close();
  h.plan = testing::checked_physical_plan(std::string(kClicks) + R"(
query biggest {
    from clicks
    | group by url window tumbling(1m)
    | top 3 by if bytes >= 0 then bytes else null desc
    | into out
}
)");
  h.open();
  CHECK_THROWS_WITH_AS(h.click("bob", "/a", 2'000, 4), doctest::Contains("declared otherwise"),
                       flow::runtime::StateCorruption);
}

TEST_CASE("eval: the order of a top is total: nulls last, NaN after every number, -0.0 before 0.0") {
  using eval::compare_values;
  CHECK(compare_values(Value::null(), integer(1)) > 0);
  CHECK(compare_values(integer(1), Value::null()) < 0);
  CHECK(compare_values(Value::null(), Value::null()) == 0);
  double nan = std::nan("");
  CHECK(compare_values(Value::floating(nan), Value::floating(1e308)) > 0);
  CHECK(compare_values(Value::floating(-0.0), Value::floating(0.0)) < 0);
  CHECK(compare_values(Value::floating(1.5), Value::floating(1.5)) == 0);
  CHECK(compare_values(text("a\xff"), text("ab")) > 0);  // bytewise, unsigned
  CHECK(compare_values(Value::list({integer(1), integer(2)}), Value::list({integer(1)})) > 0);
  CHECK(compare_values(Value::boolean(false), Value::boolean(true)) < 0);
}
