// Sink (`into`): the query's one action. Writes each record as JSON to a Kafka topic (message key:
// the query's key, when it has one) or to stdout.
#pragma once

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::plan {

struct LogicalSink final : LogicalOperator, SinkSpec {
  LogicalSink() : LogicalOperator(OperatorKind::Sink) {}
  std::string name() const override { return "Sink"; }
  std::string describe() const override {
    return sink + (target == "kafka" ? " (topic \"" + topic + "\")" : " (stdout)") + (keyed ? ", keyed" : "");
  }
  void write_json(JsonWriter& json) const override {
    json.key("sink").value(sink);
    json.key("target").value(target);
    if (target == "kafka") json.key("topic").value(topic);
    json.key("keyed").value(keyed);
  }
};

}  // namespace flow::compiler::plan
