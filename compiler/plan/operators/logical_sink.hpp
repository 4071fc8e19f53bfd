// Sink (`into`): the query's one action. Writes each record as JSON to a Kafka topic (message key:
// the query's key, when it has one) or to stdout.
#pragma once

#include "compiler/plan/logical_operator.hpp"

namespace flow::compiler::plan {

struct LogicalSink final : LogicalOperator {
  LogicalSink() : LogicalOperator(OperatorKind::Sink) {}
  std::string name() const override { return "Sink"; }
  std::string describe() const override {
    return sink + (kind == "kafka" ? " (topic \"" + topic + "\")" : " (stdout)") + (keyed ? ", keyed" : "");
  }
  void write_json(JsonWriter& json) const override {
    json.key("sink").value(sink);
    json.key("target").value(kind);
    if (kind == "kafka") json.key("topic").value(topic);
    json.key("keyed").value(keyed);
  }

  std::string sink;
  std::string kind;  //!< kafka or stdout
  std::string topic;
  bool keyed = false;  //!< the message key is the query's key
};

}  // namespace flow::compiler::plan
