// Filter, Project, Tally, Explode and KeyBy on one record, in plan order.
#include "runtime/eval/stateless_pipeline.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "runtime/eval/evaluator.hpp"
#include "compiler/physical/physical_plan.hpp"

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

//! Runs operators [first, …) of `query` on `row`: each row that reaches keyed state or the sink
//! is added to `out.rows`; a dropped row adds nothing. An `explode` runs the rest once per element.
void run_operators(const compiler::physical::Query& query, size_t first, StatelessRow row, StatelessRows& out) {
  for (size_t i = first; i < query.operators.size(); ++i) {
    const compiler::physical::Operator& op = query.operators[i];
    Environment env{&row.output, nullptr, row.key ? &*row.key : nullptr, nullptr};
    switch (op.kind) {
      case OperatorKind::Filter:
        if (!is_true(evaluate(op.as<compiler::physical::Filter>().condition, env))) return;
        break;
      case OperatorKind::Project: {
        std::vector<Value> projected;
        for (const auto& value : op.as<compiler::physical::Project>().values)
          projected.push_back(evaluate(value, env));
        row.output = std::move(projected);
        break;
      }
      case OperatorKind::Tally: {
        const auto& tally = op.as<compiler::physical::Tally>();
        if (!tally.condition || is_true(evaluate(*tally.condition, env))) add_tally(out.tallies, tally.metric);
        break;
      }
      case OperatorKind::Explode: {
        const auto& explode = op.as<compiler::physical::Explode>();
        Value list = evaluate(explode.list, env);
        if (list.is_null()) return;  // no element, no record
        if (list.kind != ValueKind::List) throw std::logic_error("eval: `explode` of " + list.to_json());
        const plan::Type& element = op.output.back().type;
        for (Value& item : list.items) {
          StatelessRow each = row;
          each.output.push_back(conform(std::move(item), element));
          run_operators(query, i + 1, std::move(each), out);
        }
        return;
      }
      case OperatorKind::KeyBy: row.key = evaluate(op.as<compiler::physical::KeyBy>().key, env); break;
      case OperatorKind::Join:  // the record goes to the join's state under its join key
        row.key = evaluate(op.as<compiler::physical::Join>().key, env);
        out.rows.push_back(std::move(row));
        return;
      case OperatorKind::Aggregate:
      case OperatorKind::Process:
      case OperatorKind::Sink: out.rows.push_back(std::move(row)); return;
      case OperatorKind::Source:
      case OperatorKind::Union: throw std::logic_error("eval: a source in the middle of query `" + query.name + "`");
    }
  }
  out.rows.push_back(std::move(row));
}

//! The one row of `rows` (or none) as a StatelessResult.
StatelessResult single(const compiler::physical::Query& query, StatelessRows rows) {
  if (rows.rows.size() > 1)
    throw std::logic_error("eval: query `" + query.name + "` made " + std::to_string(rows.rows.size()) +
                           " records of one (an `explode`): use run_stateless_rows");
  StatelessResult result;
  result.tallies = std::move(rows.tallies);
  if (rows.rows.empty()) return result;
  result.passed = true;
  result.output = std::move(rows.rows.front().output);
  result.key = std::move(rows.rows.front().key);
  return result;
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

StatelessRows run_stateless_rows(const compiler::physical::Query& query, const std::vector<Value>& input_record,
                                 size_t union_input) {
  if (query.operators.empty()) throw std::logic_error("eval: query `" + query.name + "` has no operators");
  StatelessRows rows;
  const compiler::physical::Operator& first = query.operators.front();
  if (first.kind == OperatorKind::Union) {
    const auto& inputs = first.as<compiler::physical::Union>().inputs;
    if (union_input >= inputs.size()) throw std::logic_error("eval: no union input " + std::to_string(union_input));
    const plan::UnionInput& input = inputs[union_input];
    StatelessRow row;
    row.output = conform_record(input_record, input.schema);
    Environment env{&row.output, nullptr, nullptr, nullptr};
    row.key = evaluate(input.key, env);
    rows.rows.push_back(std::move(row));
    return rows;
  }
  if (first.kind != OperatorKind::Source) throw std::logic_error("eval: query `" + query.name + "` has no source");
  StatelessRow row;
  row.output = conform_record(input_record, first.output);
  run_operators(query, 1, std::move(row), rows);
  return rows;
}

StatelessResult run_stateless(const compiler::physical::Query& query, const std::vector<Value>& input_record,
                              size_t union_input) {
  return single(query, run_stateless_rows(query, input_record, union_input));
}

StatelessResult run_after_state(const compiler::physical::Query& query, size_t first_operator, std::vector<Value> record,
                                std::optional<Value> key) {
  StatelessRows rows;
  run_operators(query, first_operator, StatelessRow{std::move(record), std::move(key)}, rows);
  return single(query, std::move(rows));
}

}  // namespace flow::runtime::eval
