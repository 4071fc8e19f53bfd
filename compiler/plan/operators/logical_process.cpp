#include "compiler/plan/operators/logical_process.hpp"

#include <fmt/format.h>

namespace flow::compiler::plan {

namespace {

const char* statement_kind(BoundStmtKind kind) {
  switch (kind) {
    case BoundStmtKind::Let: return "let";
    case BoundStmtKind::Assign: return "assign";
    case BoundStmtKind::AddAssign: return "add";
    case BoundStmtKind::SubAssign: return "subtract";
    case BoundStmtKind::If: return "if";
    case BoundStmtKind::Emit: return "emit";
    case BoundStmtKind::ClearState: return "clear_state";
    case BoundStmtKind::Tally: return "tally";
    case BoundStmtKind::Append: return "append";
    case BoundStmtKind::For: return "for";
    case BoundStmtKind::SetAdd: return "set_add";
    case BoundStmtKind::SetRemove: return "set_remove";
  }
  return "";
}

void write_statements(JsonWriter& json, const std::vector<BoundStmt>& body) {
  json.begin_array();
  for (const auto& s : body) {
    json.begin_object();
    json.key("kind").value(statement_kind(s.kind));
    if (!s.name.empty()) json.key("name").value(s.name);
    if (s.slot >= 0) json.key("slot").value(s.slot);
    if (s.kind != BoundStmtKind::ClearState && s.kind != BoundStmtKind::Tally)
      json.key(s.kind == BoundStmtKind::If ? "condition" : "value").value(to_source(s.value));
    if (s.kind == BoundStmtKind::For) {
      json.key("body");
      write_statements(json, s.body);
    }
    if (s.kind == BoundStmtKind::If) {
      json.key("then");
      write_statements(json, s.body);
      json.key("else");
      write_statements(json, s.else_body);
    }
    json.end_object();
  }
  json.end_array();
}

}  // namespace

int64_t LogicalProcess::estimated_bytes_per_key() const {
  int64_t total = estimated_bytes(key_type);
  for (const auto& field : state) total += estimated_bytes(field.type);
  return total;
}

std::string LogicalProcess::describe() const {
  std::string out = fmt::format("key {}, state {{ ", key_type.to_string());
  for (size_t i = 0; i < state.size(); ++i)
    out += (i ? ", " : "") + state[i].name + ": " + state[i].type.to_string();
  out += " }";
  if (timeout_ms)
    out += fmt::format(", timeout {}{}", duration_to_source(*timeout_ms), processing_time ? " in processing time" : "");
  out += ", on ";
  for (size_t i = 0; i < handlers.size(); ++i) out += (i ? ", " : "") + handlers[i].event;
  return out;
}

void LogicalProcess::write_json(JsonWriter& json) const {
  json.key("key_type").value(key_type.to_string());
  json.key("state").begin_array();
  for (const auto& field : state) {
    json.begin_object();
    json.key("name").value(field.name);
    json.key("type").value(field.type.to_string());
    if (field.initial) json.key("initial").value(to_source(*field.initial));
    json.end_object();
  }
  json.end_array();
  if (timeout_ms) json.key("timeout_ms").value(*timeout_ms);
  else json.key("timeout_ms").null();
  json.key("timeout_clock").value(processing_time ? "processing" : "event");
  json.key("estimated_bytes_per_key").value(estimated_bytes_per_key());
  json.key("handlers").begin_array();
  for (const auto& handler : handlers) {
    json.begin_object();
    json.key("on").value(handler.event);
    json.key("locals").value(handler.locals);
    json.key("body");
    write_statements(json, handler.body);
    json.end_object();
  }
  json.end_array();
}

}  // namespace flow::compiler::plan
