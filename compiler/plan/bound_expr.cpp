// Printing bound expressions for explain. Nested operators are always parenthesised: explain
// shows how the checker grouped an expression, not how the user spaced it.
#include "compiler/plan/bound_expr.hpp"

#include <fmt/format.h>

namespace flow::compiler::plan {

namespace {

std::string literal(const BoundExpr& e) {
  switch (e.type.kind) {
    case TypeKind::Null: return "null";
    case TypeKind::Bool: return e.int_value ? "true" : "false";
    case TypeKind::Float: return fmt::format("{}", e.float_value);
    case TypeKind::String: {
      std::string out = "\"";
      for (char c : e.text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      return out + "\"";
    }
    case TypeKind::Duration: return duration_to_source(e.int_value);
    case TypeKind::Error: return "{error}";
    default: return std::to_string(e.int_value);
  }
}

std::string operand(const BoundExpr& e) {
  bool compound = e.kind == BoundKind::Binary || e.kind == BoundKind::Unary || e.kind == BoundKind::If;
  return compound ? "(" + to_source(e) + ")" : to_source(e);
}

}  // namespace

std::string duration_to_source(int64_t ms) {
  static constexpr std::pair<int64_t, const char*> units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  for (auto [size, unit] : units)
    if (ms != 0 && ms % size == 0) return fmt::format("{}{}", ms / size, unit);
  return fmt::format("{}ms", ms);
}

std::string to_source(const BoundExpr& e) {
  switch (e.kind) {
    case BoundKind::Literal: return literal(e);
    case BoundKind::InputField:
    case BoundKind::Local: return e.name;
    case BoundKind::StateField: return "state." + e.name;
    case BoundKind::Key: return "key";
    case BoundKind::Member: return operand(e.children[0]) + "." + e.name;
    case BoundKind::Index: return operand(e.children[0]) + "[" + to_source(e.children[1]) + "]";
    case BoundKind::Call: {
      std::string out = e.name + "(";
      for (size_t i = 0; i < e.children.size(); ++i) out += (i ? ", " : "") + to_source(e.children[i]);
      return out + ")";
    }
    case BoundKind::Unary: return e.name == "not" ? "not " + operand(e.children[0]) : "-" + operand(e.children[0]);
    case BoundKind::Binary: return operand(e.children[0]) + " " + e.name + " " + operand(e.children[1]);
    case BoundKind::If:
      return "if " + to_source(e.children[0]) + " then " + to_source(e.children[1]) + " else " +
             to_source(e.children[2]);
    case BoundKind::Record: {
      std::string out = "{ ";
      for (size_t i = 0; i < e.children.size(); ++i)
        out += (i ? ", " : "") + e.type.fields[i].name + ": " + to_source(e.children[i]);
      return out + " }";
    }
  }
  return "";
}

}  // namespace flow::compiler::plan
