// Source: the query reads one declared source (a Kafka topic with a schema).
#pragma once

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::plan {

struct LogicalSource final : LogicalOperator, SourceSpec {
  LogicalSource() : LogicalOperator(OperatorKind::Source) {}
  std::string name() const override { return "Source"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;
};

}  // namespace flow::compiler::plan
