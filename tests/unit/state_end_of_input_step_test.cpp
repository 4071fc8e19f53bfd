// The end of input in bounded steps (StatefulOperator::set_end_of_input_step): at the end of time
// a `process` times out, and an aggregate closes, at most a step's entries per call, expiring()
// says whether more are due, and a commit between steps keeps what each step changed. The rows
// are those of one unbounded step, each once — also when the run stops between two steps and
// starts again from the last commit.
#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "runtime/eval/stateless_pipeline.hpp"
#include "runtime/state/keyed_state.hpp"
#include "tests/unit/support/checked_plan.hpp"
#include "tests/unit/support/temp_store.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;
using flow::runtime::KeyedStateOperator;
using flow::runtime::StateOutput;
using flow::runtime::StateTallies;

namespace {

const char* kClicks = R"(
source clicks from kafka "clicks" as json { user: string, url: string, bytes: int, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 1s);
sink out to stdout;
)";

const char* kSessions = R"(
query sessions {
    from clicks
    | key by user
    | process state { clicks: int = 0 } timeout 30m {
        on event { state.clicks += 1 }
        on timeout { emit { user: key, clicks: state.clicks } }
    }
    | into out
}
)";

const char* kWindows = R"(
query per_minute {
    from clicks
    | group by user window tumbling(1m)
    | aggregate count() as clicks, sum(bytes) as bytes
    | emit final
    | into out
}
)";

const char* kGroupTimeouts = R"(
query per_user {
    from clicks
    | key by user
    | aggregate count() as clicks timeout 10m
    | emit changes
    | into out
}
)";

//! One query's keyed state in a fresh store, fed `users` users' clicks (three each, some in a
//! second window), then taken to the end of time in steps of `step`.
struct Run {
  flow::testing::TempStore temp;
  physical::PhysicalPlan plan;
  std::unique_ptr<KeyedStateOperator> state;
  StateTallies tallies;

  explicit Run(const std::string& query)
      : plan(testing::checked_physical_plan(std::string(kClicks) + query, {.allow_unbounded_state = true})) {
    open();
  }
  ~Run() { state.reset(); }
  void open() { state = std::make_unique<KeyedStateOperator>(plan, 0, *temp.store, [] { return int64_t{0}; }); }
  //! The run stops (operator and store closed) and starts again from the last commit.
  void reopen() {
    state.reset();
    temp.open();
    open();
  }
  void commit() { REQUIRE(temp.store->commit({}).empty()); }

  void feed(int users) {
    std::vector<StateOutput> out;
    for (int round = 0; round < 3; ++round)
      for (int u = 0; u < users; ++u) {
        int64_t ts = round * 40'000 + u;  // rounds 0, 1 in the first minute, round 2 in the second
        eval::StatelessResult result = eval::run_stateless(
            plan.queries.at(0),
            {Value::string("u" + std::to_string(u)), Value::string("/"), Value::integer(u), Value::timestamp(ts)});
        REQUIRE(result.passed);
        state->on_record("clicks", result.key.value_or(Value::null()), result.output, ts, out, tallies);
      }
    commit();
    rows_before_end = out.size();
  }
  //! One step at the end of time: its rows, as JSON.
  std::vector<std::string> step() {
    std::vector<StateOutput> out;
    state->advance_watermark(INT64_MAX, out, tallies);
    state->advance_processing_time(INT64_MAX, out, tallies);
    std::vector<std::string> rows;
    for (const StateOutput& output : out) rows.push_back(eval::to_json(output.record));
    return rows;
  }

  size_t rows_before_end = 0;
};

//! Every row the end of time gives `query` over `users` users in steps of `step`, sorted; each
//! step's row count in `sizes`. With `restart_after` > 0, the run stops after that many committed
//! steps (the operator and its store closed) and goes on from the last commit.
std::vector<std::string> end_rows(const char* query, int users, size_t step, std::vector<size_t>& sizes,
                                  size_t restart_after = 0) {
  Run run(query);
  run.feed(users);
  run.state->set_end_of_input_step(step);
  std::vector<std::string> all;
  for (int guard = 0; guard < 10'000; ++guard) {
    std::vector<std::string> rows = run.step();
    sizes.push_back(rows.size());
    all.insert(all.end(), rows.begin(), rows.end());
    if (!run.state->expiring()) break;
    run.commit();
    if (restart_after && sizes.size() == restart_after) {
      run.reopen();
      run.state->set_end_of_input_step(step);
    }
  }
  run.commit();
  CHECK(run.state->live_keys() == 0);  // nothing is left open
  std::sort(all.begin(), all.end());
  return all;
}

void check_steps(const char* query, int users, size_t step, size_t rows_per_entry) {
  std::vector<size_t> one_step, steps, restarted;
  std::vector<std::string> whole = end_rows(query, users, SIZE_MAX, one_step);
  REQUIRE(one_step.size() == 1);
  CHECK(!whole.empty());
  std::vector<std::string> stepped = end_rows(query, users, step, steps);
  CHECK(stepped == whole);
  CHECK(steps.size() > 2);
  for (size_t rows : steps) CHECK(rows <= step * rows_per_entry);
  std::vector<std::string> again = end_rows(query, users, step, restarted, 2);
  CHECK(again == whole);  // no row lost or given twice across the restart
  CHECK(std::adjacent_find(again.begin(), again.end()) == again.end());
}

}  // namespace

TEST_CASE("end of input in steps: a process times its keys out a step at a time, committed between steps") {
  check_steps(kSessions, 2'500, 700, 1);
}

TEST_CASE("end of input in steps: an aggregate closes its windows a step at a time") {
  check_steps(kWindows, 1'200, 500, 1);
}

TEST_CASE("end of input in steps: an aggregate's group timeouts expire a step at a time") {
  // Its rows at the end are none (`emit changes` rows come with the records); the groups go.
  std::vector<size_t> steps;
  end_rows(kGroupTimeouts, 1'500, 400, steps);
  CHECK(steps.size() == 4);  // 1,500 groups in steps of 400, 300 in the last
}

TEST_CASE("end of input in steps: before the end of time a watermark expires everything due at once") {
  Run run(kSessions);
  run.feed(300);
  run.state->set_end_of_input_step(10);
  std::vector<StateOutput> out;
  run.state->advance_watermark(int64_t{24} * 3'600'000, out, run.tallies);
  CHECK(out.size() == 300);
  CHECK_FALSE(run.state->expiring());
}
