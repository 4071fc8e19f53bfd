// Tally: counts records into a metric (an accumulator), optionally only those matching a
// condition, and passes every record on unchanged. Counting never needs an action.
#pragma once

#include <optional>

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::plan {

struct LogicalTally final : LogicalOperator, TallySpec {
  LogicalTally() : LogicalOperator(OperatorKind::Tally) {}
  std::string name() const override { return "Tally"; }
  std::string describe() const override {
    return metric + (condition ? " when " + to_source(*condition) : "");
  }
  void write_json(JsonWriter& json) const override {
    json.key("metric").value(metric);
    if (condition) json.key("when").value(to_source(*condition));
  }
};

}  // namespace flow::compiler::plan
