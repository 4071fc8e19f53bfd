// Unit tests of keyed state for `process`: handlers over stored state, event-time and
// processing-time timeouts through the expiry index, clear state, bounded lists, unions, and a
// restart from the last commit.
#include <doctest/doctest.h>

#include "tests/unit/support/checked_plan.hpp"

#include <cstdlib>
#include <filesystem>

#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/plan/operators/logical_union.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "runtime/state/keyed_state.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;
using flow::runtime::KeyedStateOperator;
using flow::runtime::StateOutput;
using flow::runtime::StateStore;
using flow::runtime::StateTallies;

namespace {

constexpr int64_t kMinute = 60'000;

const char* kDeclarations = R"(
source clicks from kafka "clicks" as json { user: string, url: string, bytes: int, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 1s);
source orders from kafka "orders" as json { id: string, amount: float, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 1s);
source payments from kafka "payments" as json { order_id: string, paid: float, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 1s);
sink out to stdout;
metric unmatched;
)";

//! One query's keyed state in a fresh store, fed as generated code feeds it: each record through
//! the query's stateless part (the reference evaluator), then to the operator.
struct Harness {
  std::string directory;
  physical::PhysicalPlan plan;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<KeyedStateOperator> state;
  StateTallies tallies;
  int64_t now_ms = 0;  // the processing clock

  explicit Harness(const std::string& query) {
    std::string pattern = (std::filesystem::temp_directory_path() / "flow-state-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    directory = pattern;
    plan = testing::checked_physical_plan(std::string(kDeclarations) + query, {.allow_unbounded_state = true});
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
    state = std::make_unique<KeyedStateOperator>(plan, 0, *store, [this] { return now_ms; });
  }
  //! As a crash would: what was not committed is lost.
  void close() {
    state.reset();
    store.reset();
  }

  std::vector<StateOutput> send(const std::string& source, std::vector<Value> record, int64_t ts) {
    const physical::Query& query = plan.queries.at(0);
    size_t input = 0;
    if (query.operators.front().kind == plan::OperatorKind::Union) {
      const auto& inputs = query.operators.front().as<physical::Union>().inputs;
      while (inputs.at(input).source != source) ++input;
    }
    eval::StatelessResult result = eval::run_stateless(query, record, input);
    std::vector<StateOutput> out;
    if (result.passed)
      state->on_record(source, result.key.value_or(Value::null()), result.output, ts, out, tallies);
    return out;
  }
  std::vector<StateOutput> click(const std::string& user, const std::string& url, int64_t ts, int64_t bytes = 1) {
    return send("clicks", {Value::string(user), Value::string(url), Value::integer(bytes), Value::timestamp(ts)}, ts);
  }
  std::vector<StateOutput> watermark(int64_t ms) {
    std::vector<StateOutput> out;
    state->advance_watermark(ms, out, tallies);
    return out;
  }
  std::vector<StateOutput> wall_clock(int64_t ms) {
    now_ms = ms;
    std::vector<StateOutput> out;
    state->advance_processing_time(ms, out, tallies);
    return out;
  }
};

Value text(const std::string& s) { return Value::string(s); }
Value strings(std::vector<std::string> items) {
  std::vector<Value> values;
  for (auto& item : items) values.push_back(Value::string(item));
  return Value::list(std::move(values));
}

const char* kSessionize = R"(
query sessionize {
    from clicks
    | key by user
    | process state {
        clicks: int = 0,
        bytes: int = 0,
        start: timestamp,
        pages: list<string>(max 2),
    } timeout 30m {
        on event {
            if state.clicks == 0 {
                state.start = ts
            }
            state.clicks += 1
            state.bytes += bytes
            state.pages.append(url)
        }
        on timeout {
            emit { user: key, clicks: state.clicks, bytes: state.bytes, start: state.start, pages: state.pages }
        }
    }
    | into out
}
)";

}  // namespace

TEST_CASE("state: an event-time timeout fires exactly when the watermark passes last event + timeout") {
  Harness h(kSessionize);
  CHECK(h.click("ann", "/a", 0, 10).empty());
  CHECK(h.click("ann", "/b", 20 * kMinute, 20).empty());
  CHECK(h.click("ann", "/c", 10 * kMinute, 30).empty());  // late: the deadline stays 20m + 30m
  CHECK(h.click("bob", "/x", 5 * kMinute, 1).empty());
  CHECK(h.state->live_keys() == 2);

  CHECK(h.watermark(35 * kMinute - 1).empty());
  std::vector<StateOutput> bob = h.watermark(35 * kMinute);
  REQUIRE(bob.size() == 1);
  CHECK(bob[0].key == text("bob"));
  CHECK(bob[0].record == std::vector<Value>{text("bob"), Value::integer(1), Value::integer(1),
                                            Value::timestamp(5 * kMinute), strings({"/x"})});
  CHECK(bob[0].event_time_ms == 35 * kMinute);
  CHECK(h.state->live_keys() == 1);

  CHECK(h.watermark(50 * kMinute - 1).empty());
  std::vector<StateOutput> ann = h.watermark(50 * kMinute);
  REQUIRE(ann.size() == 1);
  CHECK(ann[0].record == std::vector<Value>{text("ann"), Value::integer(3), Value::integer(60), Value::timestamp(0),
                                            strings({"/b", "/c"})});
  CHECK(h.state->live_keys() == 0);
  CHECK(h.watermark(100 * kMinute).empty());  // each timeout fires once

  // After its timeout the key starts again from the initial values.
  h.click("ann", "/d", 101 * kMinute, 5);
  std::vector<StateOutput> again = h.watermark(131 * kMinute);
  REQUIRE(again.size() == 1);
  CHECK(again[0].record[1] == Value::integer(1));
  CHECK(again[0].record[4] == strings({"/d"}));
}

TEST_CASE("state: clear state drops the key unless the handler writes state after it") {
  Harness h(R"(
query visits {
    from clicks
    | key by user
    | process state { views: int = 0 } {
        on event {
            state.views += 1
            if url == "/logout" {
                emit { user: key, views: state.views }
                clear state
            }
            if url == "/restart" {
                clear state
                state.views = 100
            }
        }
    }
    | into out
}
)");
  h.click("ann", "/home", 1);
  h.click("ann", "/home", 2);
  CHECK(h.state->live_keys() == 1);
  std::vector<StateOutput> out = h.click("ann", "/logout", 3);
  REQUIRE(out.size() == 1);
  CHECK(out[0].record == std::vector<Value>{text("ann"), Value::integer(3)});
  CHECK(h.state->live_keys() == 0);
  CHECK(h.store->keys() == 2);  // only the operator's live-key count and its state shape remain

  out = h.click("ann", "/logout", 4);
  REQUIRE(out.size() == 1);
  CHECK(out[0].record[1] == Value::integer(1));  // from the initial value

  h.click("ann", "/restart", 5);
  CHECK(h.state->live_keys() == 1);  // written after the clear: kept
  out = h.click("ann", "/logout", 6);
  REQUIRE(out.size() == 1);
  CHECK(out[0].record[1] == Value::integer(101));
}

TEST_CASE("state: a bounded list keeps the newest N, also after a restart") {
  Harness h(R"(
query recent {
    from clicks
    | key by user
    | process state { pages: list<string>(max 3) } timeout 1h {
        on event {
            state.pages.append(url)
            emit { user: key, pages: state.pages }
        }
    }
    | into out
}
)");
  for (std::string url : {"/1", "/2", "/3", "/4"}) h.click("ann", url, 0);
  REQUIRE(h.store->commit({}).empty());
  h.close();
  h.open();
  std::vector<StateOutput> out = h.click("ann", "/5", 0);
  REQUIRE(out.size() == 1);
  CHECK(out[0].record[1] == strings({"/3", "/4", "/5"}));
}

TEST_CASE("state: a set keeps each value once across a restart, and a list's state is not read as a set") {
  auto query = [](const char* type) {
    return std::string(R"(
query recent {
    from clicks
    | key by user
    | process state { pages: )") + type + R"( } timeout 1h {
        on event {
            state.pages.)" + (std::string(type).starts_with("set") ? "add" : "append") + R"((url)
            emit { user: key, pages: state.pages }
        }
    }
    | into out
}
)";
  };
  Harness h(query("set<string>(max 3)"));
  for (std::string url : {"/1", "/2", "/1", "/3"}) h.click("ann", url, 0);
  REQUIRE(h.store->commit({}).empty());
  h.close();
  h.open();
  std::vector<StateOutput> out = h.click("ann", "/2", 0);  // present: no change
  REQUIRE(out.size() == 1);
  CHECK(out[0].record[1] == strings({"/1", "/2", "/3"}));
  out = h.click("ann", "/4", 0);  // full: the oldest added goes
  CHECK(out[0].record[1] == strings({"/2", "/3", "/4"}));
  REQUIRE(h.store->commit({}).empty());
  h.close();
  // A bound that changes reads on (the bytes mean the same); a list where a set was stops.
  h.plan = testing::checked_physical_plan(std::string(kDeclarations) + query("set<string>(max 5)"));
  h.open();
  h.click("ann", "/5", 0);
  REQUIRE(h.store->commit({}).empty());
  h.close();
  h.plan = testing::checked_physical_plan(std::string(kDeclarations) + query("list<string>(max 5)"));
  h.open();
  try {
    h.click("bob", "/6", 0);  // a new key: its state is not read, but the store's shape is
    FAIL("a set's state was read as a list");
  } catch (const flow::runtime::StateCorruption& e) {
    CHECK(std::string(e.what()).find("declared its lists and sets otherwise when its state was written") !=
          std::string::npos);
  }
}

TEST_CASE("state: a union runs each source's `on SOURCE` handler on the key's one state") {
  Harness h(R"(
query settle {
    from orders key by id, payments key by order_id
    | process state { ordered: float = 0.0, paid: float = 0.0 } timeout 1h {
        on orders {
            state.ordered += amount
        }
        on payments {
            state.paid += paid
            if state.paid >= state.ordered {
                emit { id: key, amount: state.ordered, paid: state.paid, settled_at: ts }
                clear state
            }
        }
        on timeout {
            tally unmatched
        }
    }
    | into out
}
)");
  auto order = [&](std::string id, double amount, int64_t ts) {
    return h.send("orders", {text(id), Value::floating(amount), Value::timestamp(ts)}, ts);
  };
  auto payment = [&](std::string id, double paid, int64_t ts) {
    return h.send("payments", {text(id), Value::floating(paid), Value::timestamp(ts)}, ts);
  };
  CHECK(order("o1", 10.0, 1000).empty());
  CHECK(order("o2", 5.0, 2000).empty());
  CHECK(payment("o1", 4.0, 3000).empty());
  std::vector<StateOutput> out = payment("o1", 6.0, 4000);
  REQUIRE(out.size() == 1);
  CHECK(out[0].key == text("o1"));
  CHECK(out[0].record == std::vector<Value>{text("o1"), Value::floating(10.0), Value::floating(10.0),
                                            Value::timestamp(4000)});
  CHECK(h.state->live_keys() == 1);  // o1 settled and cleared; o2 waits

  CHECK(h.watermark(2000 + 60 * kMinute).empty());
  StateTallies unmatched;
  unmatched.add(0);  // metric `unmatched`, the plan's first
  CHECK(h.tallies == unmatched);
  CHECK(h.state->live_keys() == 0);
  // The live-key count, the watermark and the state shape: nothing of o1's timeout is left.
  CHECK(h.store->keys() == 3);
}

TEST_CASE("state: a restart resumes from the last commit: state and pending timeouts, not later changes") {
  Harness h(kSessionize);
  h.click("ann", "/a", 0, 10);
  h.click("bob", "/b", kMinute, 20);
  REQUIRE(h.store->commit({{"clicks/0", 2}}).empty());
  h.click("ann", "/lost", 2 * kMinute, 1000);  // after the commit: lost in the crash
  h.click("cid", "/lost", 2 * kMinute, 1000);
  h.watermark(40 * kMinute);                   // fires ann and bob, but is not committed either
  h.close();

  h.open();
  CHECK(h.store->committed_offsets() == std::map<std::string, int64_t>{{"clicks/0", 2}});
  CHECK(h.state->live_keys() == 2);
  CHECK(h.state->watermark() == std::numeric_limits<int64_t>::min());
  CHECK(h.watermark(30 * kMinute - 1).empty());
  std::vector<StateOutput> ann = h.watermark(30 * kMinute);  // ann's committed deadline
  REQUIRE(ann.size() == 1);
  CHECK(ann[0].record[1] == Value::integer(1));
  CHECK(ann[0].record[2] == Value::integer(10));
  h.click("bob", "/c", 3 * kMinute, 5);  // continues bob's committed state
  REQUIRE(h.store->commit({{"clicks/0", 3}}).empty());
  h.close();

  h.open();
  CHECK(h.state->watermark() == 30 * kMinute);
  std::vector<StateOutput> bob = h.watermark(33 * kMinute);
  REQUIRE(bob.size() == 1);
  CHECK(bob[0].record == std::vector<Value>{text("bob"), Value::integer(2), Value::integer(25),
                                            Value::timestamp(kMinute), strings({"/b", "/c"})});
  CHECK(h.state->live_keys() == 0);
}

TEST_CASE("state: a processing-time timeout fires on the wall clock, not the watermark") {
  Harness h(R"(
query idle_users {
    from clicks
    | key by user
    | process state { last_url: string? } timeout 5m in processing time {
        on event {
            state.last_url = url
        }
        on timeout {
            emit { user: key, last_url: state.last_url }
        }
    }
    | into out
}
)");
  h.now_ms = 1'000'000;
  h.click("ann", "/a", 7);
  h.now_ms = 1'000'000 + 2 * kMinute;
  h.click("ann", "/b", 8);  // the key's idle time starts again
  CHECK(h.watermark(std::numeric_limits<int64_t>::max()).empty());
  CHECK(h.wall_clock(1'000'000 + 7 * kMinute - 1).empty());
  std::vector<StateOutput> out = h.wall_clock(1'000'000 + 7 * kMinute);
  REQUIRE(out.size() == 1);
  CHECK(out[0].record == std::vector<Value>{text("ann"), text("/b")});
  CHECK(out[0].event_time_ms == 8);
  CHECK(h.state->live_keys() == 0);
}

TEST_CASE("state: a record after the key's event-time deadline ends the old session first, whatever the watermark") {
  Harness h(kSessionize);
  CHECK(h.click("ann", "/a", 0, 10).empty());
  CHECK(h.click("ann", "/b", 10 * kMinute, 20).empty());
  // 45 minutes later, before any watermark moved (one batch holds both sessions): the first
  // session timed out at 40m in event time, so it is emitted now and the record starts a new one.
  std::vector<StateOutput> first = h.click("ann", "/c", 55 * kMinute, 30);
  REQUIRE(first.size() == 1);
  CHECK(first[0].record == std::vector<Value>{text("ann"), Value::integer(2), Value::integer(30), Value::timestamp(0),
                                              strings({"/a", "/b"})});
  CHECK(first[0].event_time_ms == 40 * kMinute);
  CHECK(h.state->live_keys() == 1);
  std::vector<StateOutput> second = h.watermark(85 * kMinute);
  REQUIRE(second.size() == 1);
  CHECK(second[0].record == std::vector<Value>{text("ann"), Value::integer(1), Value::integer(30),
                                               Value::timestamp(55 * kMinute), strings({"/c"})});
}
