// The physical plan (compiler/physical): task groups whatever the order of the queries, stateful
// stages with their stores and scopes, chained sources and their levels.
#include <doctest/doctest.h>

#include "compiler/physical/physical_planner.hpp"
#include "tests/unit/support/checked_plan.hpp"

using namespace flow::compiler;

namespace {

const char* kSources = R"(
source clicks from kafka "clicks" as json { user: string, url: string, ts: timestamp }
    with (partitions = 4, event_time = ts, watermark = 1m);
source orders from kafka "orders" as json { user: string, total: float, ts: timestamp }
    with (partitions = 4, event_time = ts, watermark = 1m);
source clean from kafka "clean" as json { user: string, url: string, ts: timestamp }
    with (partitions = 2, event_time = ts, watermark = 1m);
sink out to stdout;
sink clean_out to kafka "clean" as json;
sink counts to kafka "counts" as json;
)";

const char* kUnion = R"(
query carts {
    from clicks key by user, orders key by user
    | process state { n: int = 0 } timeout 30m {
        on clicks { state.n += 1 }
        on orders { clear state }
        on timeout { emit { user: key, n: state.n } }
    }
    | into out
}
)";

}  // namespace

TEST_CASE("physical plan: a union joins its sources' tasks whatever order the queries come in") {
  // The union last: the single-source queries came first and each would have started a group.
  std::string text = std::string(kSources) +
                     "query a { from clicks | into out }\nquery b { from orders | into out }\n" + kUnion;
  plan::Plan p = testing::checked_plan(text);
  physical::PhysicalPlan physical = physical::build_physical_plan(p);
  REQUIRE(physical.task_groups.size() == 1);  // clean is read by no query: no group
  CHECK(physical.task_groups[0].sources == std::vector<size_t>{0, 1});
  CHECK(physical.task_count() == 4);
  CHECK(physical.queries[0].task_group == physical.queries[2].task_group);
  CHECK(physical.queries[1].task_group == physical.queries[2].task_group);
  CHECK_FALSE(physical.group_of_source[2].has_value());
}

TEST_CASE("physical plan: every aggregate and process is a stage with its own store") {
  std::string text = std::string(kSources) + R"(
query hot {
    from clicks
    | group by url window tumbling(1m)
    | aggregate count() as n
    | emit final
    | where n > 1
    | key by window_end
    | process state { best: int = 0 } timeout 1s {
        on event { state.best = n }
        on timeout { emit { at: key, best: state.best } }
    }
    | into out
}
query per_user {
    from clicks
    | key by user
    | aggregate count() as n
    | emit changes
    | into out
}
)";
  plan::Plan p = testing::checked_plan(text, {true});
  physical::PhysicalPlan physical = physical::build_physical_plan(p);
  const auto& hot = physical.queries[0];
  CHECK(hot.stateless_end == 1);
  REQUIRE(hot.stages.size() == 2);
  CHECK(hot.stages[0].operator_index == 1);
  CHECK(hot.stages[0].store == "hot");
  CHECK(hot.stages[0].scope == physical::StateScope::Shared);  // grouped by a field
  CHECK(hot.stages[0].next_operator == 4);                      // `where`, `key by`, then the process
  CHECK(hot.stages[1].kind == plan::OperatorKind::Process);
  CHECK(hot.stages[1].store == "hot.2");
  CHECK(hot.stages[1].scope == physical::StateScope::Shared);  // fed by every task's first stage
  CHECK(hot.stages[1].next_operator == 5);                      // the sink
  const auto& per_user = physical.queries[1];
  REQUIRE(per_user.stages.size() == 1);
  CHECK(per_user.stages[0].scope == physical::StateScope::Task);  // grouped by the partitioning key
  CHECK(per_user.stateless_end == 2);
}

TEST_CASE("physical plan: a source reading another query's topic is chained, one level further") {
  std::string text = std::string(kSources) + R"(
query tidy { from clicks | where url != "/health" | into clean_out }
query count_clean {
    from clean
    | group by user window tumbling(1m)
    | aggregate count() as n
    | into counts
}
)";
  plan::Plan p = testing::checked_plan(text);
  physical::PhysicalPlan physical = physical::build_physical_plan(p);
  CHECK(physical.chained == std::vector<bool>{false, false, true});
  CHECK(physical.source_level == std::vector<int>{0, 0, 1});
  CHECK(physical.levels == 2);
  CHECK(physical.queries[0].level == 0);
  CHECK(physical.queries[1].level == 1);
  CHECK(physical.task_groups[*physical.group_of_source[2]].level == 1);
  // explain's JSON carries it, and says what the runtime will start
  std::string json = physical::plan_and_physical_json(p);
  CHECK(json.find("\"chained_sources\": [") != std::string::npos);
  CHECK(physical::core_budget(physical).tasks == 4 + 2);
}
