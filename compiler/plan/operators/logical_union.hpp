// Union: several sources feed one keyed stream (`from clicks key by user, orders key by buyer`).
// Each input keeps its own schema; the `process` handler `on SOURCE` sees that source's fields.
#pragma once

#include "compiler/plan/bound_expr.hpp"
#include "compiler/plan/logical_operator.hpp"

namespace flow::compiler::plan {

struct UnionInput {
  std::string source;
  std::string topic;
  Schema schema;
  BoundExpr key;  //!< over that source's schema
  Span span;
};

struct LogicalUnion final : LogicalOperator {
  LogicalUnion() : LogicalOperator(OperatorKind::Union) {}
  std::string name() const override { return "Union"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;

  std::vector<UnionInput> inputs;
  Type key_type;
};

}  // namespace flow::compiler::plan
