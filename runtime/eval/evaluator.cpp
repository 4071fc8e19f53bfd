// The tree walk: one case per bound expression kind. Every result is conformed to the node's
// type, which is where int widens to float (`if` branches, coalesce, least/greatest).
#include "runtime/eval/evaluator.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "runtime/eval/builtin_calls.hpp"
#include "runtime/eval/operators.hpp"

namespace flow::runtime::eval {

namespace {

using plan::BoundExpr;
using plan::BoundKind;
using plan::TypeKind;

[[noreturn]] void fail(const BoundExpr& expr, std::string_view why) {
  throw std::logic_error(fmt::format("eval: cannot evaluate `{}`: {}", plan::to_source(expr), why));
}

const Value& slot(const BoundExpr& expr, const std::vector<Value>* values, std::string_view what) {
  if (!values) fail(expr, fmt::format("no {} in this environment", what));
  if (expr.index < 0 || static_cast<size_t>(expr.index) >= values->size())
    fail(expr, fmt::format("{} index {} out of range (size {})", what, expr.index, values->size()));
  return (*values)[expr.index];
}

Value literal(const BoundExpr& expr) {
  switch (expr.type.kind) {
    case TypeKind::Null: return Value::null();
    case TypeKind::Bool: return Value::boolean(expr.int_value != 0);
    case TypeKind::Int: return Value::integer(expr.int_value);
    case TypeKind::Float: return Value::floating(expr.float_value);
    case TypeKind::String: return Value::string(expr.text);
    case TypeKind::Timestamp: return Value::timestamp(expr.int_value);
    case TypeKind::Duration: return Value::duration(expr.int_value);
    default: fail(expr, "a literal of type " + expr.type.to_string());
  }
}

Value evaluate_node(const BoundExpr& expr, const Environment& env) {
  if (expr.type.is_error()) fail(expr, "the plan has an error here");
  switch (expr.kind) {
    case BoundKind::Literal: return literal(expr);
    case BoundKind::InputField: return slot(expr, env.input, "input record");
    case BoundKind::StateField: return slot(expr, env.state, "state");
    case BoundKind::Local: return slot(expr, env.locals, "`let` binding");
    case BoundKind::Key:
      if (!env.key) fail(expr, "no key in this environment");
      return *env.key;
    case BoundKind::Call: {
      std::vector<Value> arguments;
      for (const auto& child : expr.children) arguments.push_back(evaluate(child, env));
      return call_builtin(expr.name, arguments, expr.type);
    }
    case BoundKind::Unary: return apply_unary(expr.name, evaluate(expr.children[0], env));
    case BoundKind::Binary:
      return apply_binary(expr.name, evaluate(expr.children[0], env), evaluate(expr.children[1], env));
    case BoundKind::If:
      return is_true(evaluate(expr.children[0], env)) ? evaluate(expr.children[1], env)
                                                       : evaluate(expr.children[2], env);
    case BoundKind::Record: {
      std::vector<std::string> names;
      std::vector<Value> fields;
      for (size_t i = 0; i < expr.children.size(); ++i) {
        names.push_back(expr.type.fields[i].name);
        fields.push_back(evaluate(expr.children[i], env));
      }
      return Value::record(std::move(names), std::move(fields));
    }
    case BoundKind::Member: {
      Value record = evaluate(expr.children[0], env);
      if (record.is_null()) return Value::null();
      if (record.kind != ValueKind::Record || expr.index < 0 || static_cast<size_t>(expr.index) >= record.items.size())
        fail(expr, "not a record with field " + std::to_string(expr.index) + ": " + record.to_json());
      return record.items[expr.index];
    }
    case BoundKind::Index: {
      Value list = evaluate(expr.children[0], env);
      Value index = evaluate(expr.children[1], env);
      if (list.is_null() || index.is_null()) return Value::null();
      if (list.kind != ValueKind::List) fail(expr, "not a list: " + list.to_json());
      if (index.int_value < 0 || static_cast<uint64_t>(index.int_value) >= list.items.size()) return Value::null();
      return list.items[static_cast<size_t>(index.int_value)];
    }
  }
  fail(expr, "unknown expression kind");
}

}  // namespace

Value evaluate(const BoundExpr& expr, const Environment& env) { return conform(evaluate_node(expr, env), expr.type); }

bool is_true(const Value& condition) { return condition.kind == ValueKind::Bool && condition.int_value != 0; }

}  // namespace flow::runtime::eval
