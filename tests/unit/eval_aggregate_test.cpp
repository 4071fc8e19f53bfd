// Unit tests of the reference evaluator's aggregates: window assignment (tumbling, hopping,
// session) and the aggregate functions' folds, with their null and overflow rules.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "runtime/eval/aggregate.hpp"
#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "tests/unit/support/checked_plan.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;
using eval::Window;

namespace {

physical::PhysicalPlan compile(const std::string& text) { return testing::checked_physical_plan(text, {.allow_unbounded_state = true}); }

const char* kClicks = R"(
source clicks from kafka "clicks" as json {
    user: string,
    bytes: int,
    ratio: float?,
    ts: timestamp,
} with (partitions = 1, event_time = ts, watermark = 1s);
sink out to stdout;
)";

//! The query's Aggregate and, for each record, its input to the Aggregate (after the stateless
//! part, with the record's `ts` as event time).
struct Batch {
  physical::PhysicalPlan plan;
  const physical::Aggregate* aggregate = nullptr;
  std::vector<eval::AggregateInput> inputs;

  Batch(const std::string& query) : plan(compile(std::string(kClicks) + query)) {
    aggregate = &plan.queries.at(0).stateful_operator()->as<physical::Aggregate>();
    REQUIRE(aggregate != nullptr);
  }

  void add(std::string user, int64_t bytes, Value ratio, int64_t ts) {
    eval::StatelessResult result =
        eval::run_stateless(plan.queries.at(0), {Value::string(std::move(user)), Value::integer(bytes), ratio,
                                                 Value::timestamp(ts)});
    if (result.passed) inputs.push_back({result.output, result.key, ts});
  }

  std::vector<std::vector<Value>> run() const { return eval::run_aggregate(*aggregate, inputs); }
};

Value ts(int64_t ms) { return Value::timestamp(ms); }
Value integer(int64_t v) { return Value::integer(v); }

}  // namespace

TEST_CASE("eval: tumbling and hopping windows contain the record's time, also before 1970") {
  plan::WindowSpec tumbling{plan::WindowKind::Tumbling, 60'000, 0, 0, false, {}};
  CHECK(eval::windows_of(tumbling, 61'000) == std::vector<Window>{{60'000, 120'000}});
  CHECK(eval::windows_of(tumbling, 60'000) == std::vector<Window>{{60'000, 120'000}});
  CHECK(eval::windows_of(tumbling, -1) == std::vector<Window>{{-60'000, 0}});
  plan::WindowSpec hopping{plan::WindowKind::Hopping, 3'000, 1'000, 0, false, {}};
  CHECK(eval::windows_of(hopping, 2'500) == std::vector<Window>{{0, 3'000}, {1'000, 4'000}, {2'000, 5'000}});
  CHECK(eval::windows_of(hopping, 3'000) == std::vector<Window>{{1'000, 4'000}, {2'000, 5'000}, {3'000, 6'000}});
  plan::WindowSpec equal{plan::WindowKind::Hopping, 1'000, 1'000, 0, false, {}};
  CHECK(eval::windows_of(equal, -500) == std::vector<Window>{{-1'000, 0}});
}

TEST_CASE("eval: windows at the ends of the int64 range saturate: a window never ends before it starts") {
  constexpr int64_t max = INT64_MAX, min = INT64_MIN;
  plan::WindowSpec tumbling{plan::WindowKind::Tumbling, 60'000, 0, 0, false, {}};
  for (int64_t ts : {max, max - 1, min, min + 1}) {
    for (const Window& w : eval::windows_of(tumbling, ts)) {
      CHECK(w.start <= ts);
      CHECK(w.end >= w.start);
    }
  }
  CHECK(eval::windows_of(tumbling, max) == std::vector<Window>{{max - max % 60'000, max}});
  CHECK(eval::windows_of(tumbling, min) == std::vector<Window>{{min, min - min % 60'000}});
  plan::WindowSpec hopping{plan::WindowKind::Hopping, 3'000, 1'000, 0, false, {}};
  std::vector<Window> top = eval::windows_of(hopping, max);
  REQUIRE(top.size() == 3);
  for (const Window& w : top) CHECK(w.end == max);  // each reaches past the last event time
  std::vector<Window> bottom = eval::windows_of(hopping, min);
  REQUIRE(!bottom.empty());
  CHECK(bottom.front().start == min);
  for (size_t i = 1; i < bottom.size(); ++i) CHECK(bottom[i].start > bottom[i - 1].start);  // distinct windows
  CHECK(eval::sessions_of(10, {max - 5, max}) == std::vector<Window>{{max - 5, max}});
  CHECK(eval::sessions_of(10, {min, min + 3}) == std::vector<Window>{{min, min + 13}});
}

TEST_CASE("eval: sessions join records less than the gap apart") {
  CHECK(eval::sessions_of(10, {49, 0, 30, 5, 39}) == std::vector<Window>{{0, 15}, {30, 49}, {49, 59}});
  CHECK(eval::sessions_of(10, {}).empty());
  CHECK(eval::sessions_of(10, {7, 7}) == std::vector<Window>{{7, 17}});
}

TEST_CASE("eval: a tumbling aggregate computes count, sum, min, max, avg, first, last per group and window") {
  Batch batch(R"(
query q {
    from clicks
    | group by user window tumbling(1m)
    | aggregate count() as n, count(ratio) as rated, sum(bytes) as bytes, min(bytes) as smallest,
                max(ratio) as best, avg(ratio) as mean, first(ratio) as first_ratio, last(bytes) as last_bytes
    | into out
})");
  batch.add("ann", 10, Value::floating(0.5), 1'000);
  batch.add("bob", 7, Value::null(), 2'000);
  batch.add("ann", 30, Value::null(), 59'999);
  batch.add("ann", 20, Value::floating(1.5), 3'000);
  batch.add("ann", 5, Value::null(), 60'000);
  std::vector<std::vector<Value>> rows = batch.run();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == std::vector<Value>{Value::string("ann"), ts(0), ts(60'000), integer(3), integer(2), integer(60),
                                      integer(10), Value::floating(1.5), Value::floating(1.0), Value::floating(0.5),
                                      integer(20)});
  CHECK(rows[1] == std::vector<Value>{Value::string("bob"), ts(0), ts(60'000), integer(1), integer(0), integer(7),
                                      integer(7), Value::null(), Value::null(), Value::null(), integer(7)});
  CHECK(rows[2] == std::vector<Value>{Value::string("ann"), ts(60'000), ts(120'000), integer(1), integer(0),
                                      integer(5), integer(5), Value::null(), Value::null(), Value::null(), integer(5)});
}

TEST_CASE("eval: sums wrap, float min and max treat NaN as the largest, and a keyed aggregate groups by key") {
  Batch batch(R"(
query q {
    from clicks key by user
    | aggregate sum(bytes) as total, min(ratio) as low, max(ratio) as high, sum(ratio) as ratios
    | into out
})");
  double nan = std::numeric_limits<double>::quiet_NaN();
  batch.add("ann", std::numeric_limits<int64_t>::max(), Value::floating(nan), 0);
  batch.add("ann", 2, Value::floating(2.0), 0);
  batch.add("ann", 0, Value::floating(-1.0), 0);
  std::vector<std::vector<Value>> rows = batch.run();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0] == Value::string("ann"));
  CHECK(rows[0][1] == integer(std::numeric_limits<int64_t>::min() + 1));
  CHECK(rows[0][2] == Value::floating(-1.0));
  CHECK(std::isnan(rows[0][3].float_value));
  CHECK(std::isnan(rows[0][4].float_value));
}

TEST_CASE("eval: a session aggregate ends a session at a gap of at least its size") {
  Batch batch(R"(
query q {
    from clicks
    | group by user window session(10s)
    | aggregate count() as n, sum(bytes) as bytes
    | into out
})");
  batch.add("ann", 1, Value::null(), 0);
  batch.add("ann", 2, Value::null(), 9'999);
  batch.add("ann", 4, Value::null(), 19'999);  // exactly 10s after the previous: a new session
  batch.add("bob", 8, Value::null(), 5'000);
  CHECK(batch.run() == std::vector<std::vector<Value>>{
                           {Value::string("ann"), ts(0), ts(19'999), integer(2), integer(3)},
                           {Value::string("bob"), ts(5'000), ts(15'000), integer(1), integer(8)},
                           {Value::string("ann"), ts(19'999), ts(29'999), integer(1), integer(4)},
                       });
}
