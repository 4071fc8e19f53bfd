#include "compiler/plan/operators/logical_join.hpp"

#include <fmt/format.h>

namespace flow::compiler::plan {

std::string LogicalJoin::describe() const {
  std::string bounds;
  if (max_rows) bounds += fmt::format(", max_rows {}", *max_rows);
  if (ttl_ms) bounds += fmt::format(", ttl {}", duration_to_source(*ttl_ms));
  return fmt::format("{} on {} = {}.{} (as of each record's event time; history {}{})", table, to_source(key), table,
                     table_schema.at(table_key_index).name, duration_to_source(history_ms), bounds);
}

void LogicalJoin::write_json(JsonWriter& json) const {
  json.key("table").value(table);
  json.key("topic").value(topic);
  json.key("key").value(to_source(key));
  json.key("table_key").value(table_schema.at(table_key_index).name);
  json.key("left").value(left);
  json.key("history_ms").value(history_ms);
  if (ttl_ms) json.key("ttl_ms").value(*ttl_ms);
  if (max_rows) json.key("max_rows").value(*max_rows);
  json.key("table_schema");
  write_schema(json, table_schema);
}

}  // namespace flow::compiler::plan
