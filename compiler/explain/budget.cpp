// The core budget. Spark Structured Streaming runs each query with its own consumer, so M queries
// on an N-partition topic need M×N task slots plus a producer thread per executor; too few cores
// there means fetches time out and 40-second stalls. flow reads each source partition once for
// all the queries that use it. Sources joined by a union are co-partitioned and meet in one keyed
// state, so partition i of each of them is one task: tasks are the partitions of each group of
// sources that unions join.
#include "compiler/explain/explain.hpp"
#include "compiler/physical/physical_plan.hpp"

namespace flow::compiler::explain {

Budget compute_budget(const plan::Plan& plan) {
  Budget budget;
  for (const auto& query : plan.queries)
    for (const auto& name : query.sources)
      if (const plan::SourcePlan* source = plan.find_source(name)) budget.spark_cores += source->partitions;
  // The tasks are the physical plan's: the runtime starts exactly these.
  budget.tasks = physical::build_physical_plan(plan).task_count();
  budget.spark_cores += budget.producer_threads;
  return budget;
}

}  // namespace flow::compiler::explain
