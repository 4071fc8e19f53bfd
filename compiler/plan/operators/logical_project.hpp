// Project (`select`): each output field is a named expression over the input record.
#pragma once

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::plan {

struct LogicalProject final : LogicalOperator, ProjectSpec {
  LogicalProject() : LogicalOperator(OperatorKind::Project) {}
  std::string name() const override { return "Project"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;
};

}  // namespace flow::compiler::plan
