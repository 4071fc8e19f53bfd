#include "compiler/plan/operators/logical_project.hpp"

namespace flow::compiler::plan {

std::string LogicalProject::describe() const {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    std::string value = to_source(values[i]);
    out += value == output[i].name ? value : value + " as " + output[i].name;
  }
  return out;
}

void LogicalProject::write_json(JsonWriter& json) const {
  json.key("fields").begin_array();
  for (size_t i = 0; i < values.size(); ++i) {
    json.begin_object();
    json.key("name").value(output[i].name);
    json.key("value").value(to_source(values[i]));
    json.end_object();
  }
  json.end_array();
}

}  // namespace flow::compiler::plan
