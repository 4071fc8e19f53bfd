// Filter (`where`): passes the records whose condition is true (null counts as false).
#pragma once

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::plan {

struct LogicalFilter final : LogicalOperator, FilterSpec {
  LogicalFilter() : LogicalOperator(OperatorKind::Filter) {}
  std::string name() const override { return "Filter"; }
  std::string describe() const override { return to_source(condition); }
  void write_json(JsonWriter& json) const override { json.key("condition").value(to_source(condition)); }
};

}  // namespace flow::compiler::plan
