// Source: the query reads one declared source (a Kafka topic with a schema).
#pragma once

#include "compiler/plan/logical_operator.hpp"

namespace flow::compiler::plan {

struct LogicalSource final : LogicalOperator {
  LogicalSource() : LogicalOperator(OperatorKind::Source) {}
  std::string name() const override { return "Source"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;

  std::string source;  //!< the declared source's name
  std::string topic;
};

}  // namespace flow::compiler::plan
