// The core budget. Spark Structured Streaming runs each query with its own consumer, so M queries
// on an N-partition topic need M×N task slots plus a producer thread per executor; too few cores
// there means fetches time out and 40-second stalls. flow reads each source partition once for
// all the queries that use it, so its tasks are the sum of partitions of the sources read.
#include <set>

#include "compiler/explain/explain.hpp"

namespace flow::compiler::explain {

Budget compute_budget(const plan::Plan& plan) {
  Budget budget;
  std::set<std::string> read;
  for (const auto& query : plan.queries) {
    for (const auto& name : query.sources) {
      const plan::SourcePlan* source = plan.find_source(name);
      if (!source) continue;
      budget.spark_cores += source->partitions;
      if (read.insert(name).second) budget.tasks += source->partitions;
    }
  }
  budget.spark_cores += budget.producer_threads;
  return budget;
}

}  // namespace flow::compiler::explain
