// The physical plan's lookups and the core budget (physical_plan.hpp).
#include "compiler/physical/physical_plan.hpp"

#include <algorithm>

namespace flow::compiler::physical {

using plan::OperatorKind;

bool Query::reads_stream(const std::string& source) const {
  return !operators.empty() && operators.front().kind == OperatorKind::Source && !source_names.empty() &&
         source_names.front() == source;
}

const Join* Query::join() const {
  for (const auto& op : operators)
    if (const auto* join = std::get_if<Join>(&op.body)) return join;
  return nullptr;
}

const Operator* Query::stateful_operator() const {
  return stages.empty() ? nullptr : &operators[stages.front().operator_index];
}

size_t Query::process_index() const {
  for (size_t k = 1; k < operators.size(); ++k)
    if (operators[k].kind == OperatorKind::Process) return k;
  return 0;
}

const plan::Schema* Query::operator_input_schema(size_t op, const std::string& source) const {
  if (op == 0 || op >= operators.size()) return nullptr;
  // A join's other input reaches it straight from its topic; the stream through the operators before.
  if (const auto* join = std::get_if<Join>(&operators[op].body); join && source == join->other)
    return &join->other_schema;
  const Operator& feeding = operators[op - 1];
  if (const auto* union_op = std::get_if<Union>(&feeding.body)) {
    for (const auto& input : union_op->inputs)
      if (input.source == source) return &input.schema;
    return nullptr;
  }
  return std::find(source_names.begin(), source_names.end(), source) != source_names.end() ? &feeding.output
                                                                                            : nullptr;
}

int64_t PhysicalPlan::task_count() const {
  int64_t tasks = 0;
  for (const auto& group : task_groups) tasks += group.partitions;
  return tasks;
}

std::optional<size_t> PhysicalPlan::source_index(const std::string& name) const {
  for (size_t s = 0; s < sources.size(); ++s)
    if (sources[s].name == name) return s;
  return std::nullopt;
}

const plan::SourcePlan* PhysicalPlan::find_source(const std::string& name) const {
  auto s = source_index(name);
  return s ? &sources[*s] : nullptr;
}

CoreBudget core_budget(const PhysicalPlan& physical) {
  CoreBudget budget;
  for (const auto& query : physical.queries)
    for (size_t s : query.sources) budget.spark_cores += physical.sources[s].partitions;
  budget.tasks = physical.task_count();
  budget.spark_cores += budget.producer_threads;
  return budget;
}

const char* scope_text(StateScope scope) {
  return scope == StateScope::Task ? "per task" : "shared by the query's tasks";
}

}  // namespace flow::compiler::physical
