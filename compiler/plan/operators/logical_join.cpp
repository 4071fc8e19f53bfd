#include "compiler/plan/operators/logical_join.hpp"

#include <fmt/format.h>

namespace flow::compiler::plan {

std::string LogicalJoin::describe() const {
  if (windowed) {
    std::string window = before_ms == after_ms ? fmt::format("within {}", duration_to_source(before_ms))
                                               : fmt::format("from {} before to {} after", duration_to_source(before_ms),
                                                             duration_to_source(after_ms));
    return fmt::format("{} on {} = {}.{} ({} each record's event time)", other, to_source(key), other,
                       to_source(other_key), window);
  }
  std::string bounds;
  if (max_rows) bounds += fmt::format(", max_rows {}", *max_rows);
  if (ttl_ms) bounds += fmt::format(", ttl {}", duration_to_source(*ttl_ms));
  return fmt::format("{} on {} = {}.{} (as of each record's event time; history {}{})", other, to_source(key), other,
                     other_schema.at(other_key_index).name, duration_to_source(history_ms), bounds);
}

void LogicalJoin::write_json(JsonWriter& json) const {
  if (windowed) {
    json.key("stream").value(other);
    json.key("topic").value(topic);
    json.key("key").value(to_source(key));
    json.key("other_key").value(to_source(other_key));
    json.key("type").value(full ? "full" : left ? "left" : "inner");
    json.key("before_ms").value(before_ms);
    json.key("after_ms").value(after_ms);
    json.key("stream_schema");
    write_schema(json, other_schema);
    return;
  }
  json.key("table").value(other);
  json.key("topic").value(topic);
  json.key("key").value(to_source(key));
  json.key("table_key").value(other_schema.at(other_key_index).name);
  json.key("left").value(left);
  json.key("history_ms").value(history_ms);
  if (ttl_ms) json.key("ttl_ms").value(*ttl_ms);
  if (max_rows) json.key("max_rows").value(*max_rows);
  json.key("table_schema");
  write_schema(json, other_schema);
}

}  // namespace flow::compiler::plan
