#include "compiler/plan/operators/logical_source.hpp"

namespace flow::compiler::plan {

std::string LogicalSource::describe() const { return source + " (topic \"" + topic + "\")"; }

void LogicalSource::write_json(JsonWriter& json) const {
  json.key("source").value(source);
  json.key("topic").value(topic);
}

}  // namespace flow::compiler::plan
