// Filter, Project, Tally and KeyBy on one record, in plan order.
#include "runtime/eval/stateless_pipeline.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "runtime/eval/evaluator.hpp"
#include "compiler/plan/operators/logical_filter.hpp"
#include "compiler/plan/operators/logical_key_by.hpp"
#include "compiler/plan/operators/logical_project.hpp"
#include "compiler/plan/operators/logical_tally.hpp"
#include "compiler/plan/operators/logical_union.hpp"

namespace flow::runtime::eval {

namespace {

using plan::OperatorKind;

std::vector<Value> conform_record(const std::vector<Value>& record, const plan::Schema& schema) {
  if (record.size() != schema.size())
    throw std::logic_error(fmt::format("eval: a record of {} fields for schema {}", record.size(),
                                       plan::schema_to_string(schema)));
  std::vector<Value> out;
  for (size_t i = 0; i < record.size(); ++i) {
    if (record[i].is_null() && !schema[i].type.nullable)
      throw std::logic_error(fmt::format("eval: field `{}` of type `{}` is null in the input record", schema[i].name,
                                         schema[i].type.to_string()));
    out.push_back(conform(record[i], schema[i].type));
  }
  return out;
}

//! Runs operators [first, …) of `query` on `result` (its record and key), until the record is
//! dropped (passed stays false) or reaches keyed state or the sink (passed becomes true).
void run_operators(const plan::QueryPlan& query, size_t first, StatelessResult& result) {
  for (size_t i = first; i < query.operators.size(); ++i) {
    const plan::LogicalOperator& op = *query.operators[i];
    Environment env{&result.output, nullptr, result.key ? &*result.key : nullptr, nullptr};
    switch (op.kind) {
      case OperatorKind::Filter:
        if (!is_true(evaluate(static_cast<const plan::LogicalFilter&>(op).condition, env))) return;
        break;
      case OperatorKind::Project: {
        std::vector<Value> projected;
        for (const auto& value : static_cast<const plan::LogicalProject&>(op).values)
          projected.push_back(evaluate(value, env));
        result.output = std::move(projected);
        break;
      }
      case OperatorKind::Tally: {
        const auto& tally = static_cast<const plan::LogicalTally&>(op);
        if (!tally.condition || is_true(evaluate(*tally.condition, env))) add_tally(result.tallies, tally.metric);
        break;
      }
      case OperatorKind::KeyBy: result.key = evaluate(static_cast<const plan::LogicalKeyBy&>(op).key, env); break;
      case OperatorKind::Aggregate:
      case OperatorKind::Process:
      case OperatorKind::Sink: result.passed = true; return;
      case OperatorKind::Source:
      case OperatorKind::Union: throw std::logic_error("eval: a source in the middle of query `" + query.name + "`");
    }
  }
  result.passed = true;
}

}  // namespace

void add_tally(Tallies& tallies, const std::string& metric, int64_t count) {
  for (auto& [name, total] : tallies)
    if (name == metric) {
      total += count;
      return;
    }
  tallies.emplace_back(metric, count);
}

StatelessResult run_stateless(const plan::QueryPlan& query, const std::vector<Value>& input_record,
                              size_t union_input) {
  if (query.operators.empty()) throw std::logic_error("eval: query `" + query.name + "` has no operators");
  StatelessResult result;
  const plan::LogicalOperator& first = *query.operators.front();
  if (first.kind == OperatorKind::Union) {
    const auto& inputs = static_cast<const plan::LogicalUnion&>(first).inputs;
    if (union_input >= inputs.size()) throw std::logic_error("eval: no union input " + std::to_string(union_input));
    const plan::UnionInput& input = inputs[union_input];
    result.output = conform_record(input_record, input.schema);
    Environment env{&result.output, nullptr, nullptr, nullptr};
    result.key = evaluate(input.key, env);
    result.passed = true;
    return result;
  }
  if (first.kind != OperatorKind::Source) throw std::logic_error("eval: query `" + query.name + "` has no source");
  result.output = conform_record(input_record, first.output);

  run_operators(query, 1, result);
  return result;
}

StatelessResult run_after_state(const plan::QueryPlan& query, size_t first_operator, std::vector<Value> record,
                                std::optional<Value> key) {
  StatelessResult result;
  result.output = std::move(record);
  result.key = std::move(key);
  run_operators(query, first_operator, result);
  return result;
}

}  // namespace flow::runtime::eval