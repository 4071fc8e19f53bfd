// KeyBy: sets the key of every record; keyed state and the sink's message key use it.
#pragma once

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::plan {

struct LogicalKeyBy final : LogicalOperator, KeyBySpec {
  LogicalKeyBy() : LogicalOperator(OperatorKind::KeyBy) {}
  std::string name() const override { return "KeyBy"; }
  std::string describe() const override { return to_source(key) + " (" + key.type.to_string() + ")"; }
  void write_json(JsonWriter& json) const override {
    json.key("key").value(to_source(key));
    json.key("key_type").value(key.type.to_string());
  }
};

}  // namespace flow::compiler::plan
