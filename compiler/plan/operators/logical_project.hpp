// Project (`select`): each output field is a named expression over the input record.
#pragma once

#include "compiler/plan/bound_expr.hpp"
#include "compiler/plan/logical_operator.hpp"

namespace flow::compiler::plan {

struct LogicalProject final : LogicalOperator {
  LogicalProject() : LogicalOperator(OperatorKind::Project) {}
  std::string name() const override { return "Project"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;

  std::vector<BoundExpr> values;  //!< values[i] computes output[i]
};

}  // namespace flow::compiler::plan
