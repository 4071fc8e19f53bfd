#include "compiler/plan/operators/logical_aggregate.hpp"

#include <fmt/format.h>

namespace flow::compiler::plan {

namespace {

std::string call_text(const AggregateCall& call) {
  return call.function + "(" + (call.argument ? to_source(*call.argument) : "") +
         (call.by ? ", " + to_source(*call.by) : "") +
         (call.max_distinct ? ", " + std::to_string(call.max_distinct) : "") + ")";
}

std::string top_text(const TopSpec& top) {
  std::string out = fmt::format("top {} by ", top.limit);
  for (size_t i = 0; i < top.order.size(); ++i)
    out += (i ? ", " : "") + to_source(top.order[i].value) + (top.order[i].descending ? " desc" : " asc");
  return out + fmt::format(" (keeps at most {} rows per group and window)", top.limit);
}

}  // namespace

std::string LogicalAggregate::describe() const {
  std::string out = keys.empty() ? "all records" : "by ";
  for (size_t i = 0; i < keys.size(); ++i) out += (i ? ", " : "") + to_source(keys[i]);
  if (window.kind != WindowKind::None) out += " window " + window_to_source(window);
  out += ": ";
  if (top) out += top_text(*top);
  for (size_t i = 0; i < aggregates.size(); ++i)
    out += (i ? ", " : "") + call_text(aggregates[i]) + " as " + aggregates[i].output_name;
  out += emit == EmitMode::Final ? ", emit final" : ", emit changes";
  if (timeout_ms)
    out += fmt::format(", timeout {}{}", duration_to_source(*timeout_ms), processing_time ? " in processing time" : "");
  return out;
}

void LogicalAggregate::write_json(JsonWriter& json) const {
  json.key("keys").begin_array();
  for (const auto& key : keys) json.value(to_source(key));
  json.end_array();
  if (window.kind == WindowKind::None) {
    json.key("window").null();
  } else {
    json.key("window").begin_object();
    const char* kinds[] = {"none", "tumbling", "hopping", "session"};
    json.key("kind").value(kinds[static_cast<int>(window.kind)]);
    if (window.size_ms) json.key("size_ms").value(window.size_ms);
    if (window.slide_ms) json.key("slide_ms").value(window.slide_ms);
    if (window.gap_ms) json.key("gap_ms").value(window.gap_ms);
    if (window.processing_time) json.key("clock").value("processing");
    json.end_object();
  }
  json.key("aggregates").begin_array();
  for (const auto& call : aggregates) {
    json.begin_object();
    json.key("name").value(call.output_name);
    json.key("function").value(call.function);
    if (call.argument) json.key("argument").value(to_source(*call.argument));
    if (call.by) json.key("by").value(to_source(*call.by));
    if (call.max_distinct) json.key("max_distinct").value(call.max_distinct);
    json.key("type").value(call.type.to_string());
    json.end_object();
  }
  json.end_array();
  if (top) {
    json.key("top").begin_object();
    json.key("limit").value(top->limit);
    json.key("order").begin_array();
    for (const auto& key : top->order) {
      json.begin_object();
      json.key("value").value(to_source(key.value));
      json.key("direction").value(key.descending ? "desc" : "asc");
      json.end_object();
    }
    json.end_array();
    json.end_object();
  }
  json.key("emit").value(emit == EmitMode::Final ? "final" : "changes");
  if (timeout_ms) {
    json.key("timeout_ms").value(*timeout_ms);
    json.key("timeout_clock").value(processing_time ? "processing" : "event");
  }
}

}  // namespace flow::compiler::plan
