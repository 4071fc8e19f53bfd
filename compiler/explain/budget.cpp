// The core budget. Spark Structured Streaming runs each query with its own consumer, so M queries
// on an N-partition topic need M×N task slots plus a producer thread per executor; too few cores
// there means fetches time out and 40-second stalls. flow reads each source partition once for
// all the queries that use it. Sources joined by a union are co-partitioned and meet in one keyed
// state, so partition i of each of them is one task: tasks are the partitions of each group of
// sources that unions join.
#include <map>
#include <set>

#include "compiler/explain/explain.hpp"

namespace flow::compiler::explain {

namespace {

//! Groups of sources that unions join (union-find over source names).
class SourceGroups {
 public:
  const std::string& root(const std::string& name) {
    auto it = parent_.try_emplace(name, name).first;
    if (it->second != name) it->second = root(it->second);
    return it->second;
  }
  void join(const std::string& a, const std::string& b) { parent_[root(a)] = root(b); }

 private:
  std::map<std::string, std::string> parent_;
};

}  // namespace

Budget compute_budget(const plan::Plan& plan) {
  Budget budget;
  SourceGroups groups;
  for (const auto& query : plan.queries) {
    for (const auto& name : query.sources) {
      const plan::SourcePlan* source = plan.find_source(name);
      if (!source) continue;
      budget.spark_cores += source->partitions;
      groups.join(name, query.sources.front());
    }
  }
  std::set<std::string> counted;
  for (const auto& query : plan.queries) {
    for (const auto& name : query.sources) {
      const plan::SourcePlan* source = plan.find_source(name);
      if (source && counted.insert(groups.root(name)).second) budget.tasks += source->partitions;
    }
  }
  budget.spark_cores += budget.producer_threads;
  return budget;
}

}  // namespace flow::compiler::explain
