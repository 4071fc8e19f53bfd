#include "compiler/plan/operators/logical_union.hpp"

namespace flow::compiler::plan {

std::string LogicalUnion::describe() const {
  std::string out;
  for (const auto& input : inputs) {
    if (!out.empty()) out += ", ";
    out += input.source + " key by " + to_source(input.key);
  }
  return out + " (key: " + key_type.to_string() + ")";
}

void LogicalUnion::write_json(JsonWriter& json) const {
  json.key("key_type").value(key_type.to_string());
  json.key("inputs").begin_array();
  for (const auto& input : inputs) {
    json.begin_object();
    json.key("source").value(input.source);
    json.key("topic").value(input.topic);
    json.key("key").value(to_source(input.key));
    json.key("schema");
    write_schema(json, input.schema);
    json.end_object();
  }
  json.end_array();
}

}  // namespace flow::compiler::plan
