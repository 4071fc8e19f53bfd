// Union: several sources feed one keyed stream (`from clicks key by user, orders key by buyer`).
// Each input keeps its own schema; the `process` handler `on SOURCE` sees that source's fields.
#pragma once

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::plan {

struct LogicalUnion final : LogicalOperator, UnionSpec {
  LogicalUnion() : LogicalOperator(OperatorKind::Union) {}
  std::string name() const override { return "Union"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;
};

}  // namespace flow::compiler::plan
