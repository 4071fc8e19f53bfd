// Statement execution for `process` handlers, over one key's state.
#include "runtime/eval/process_handler.hpp"

#include <stdexcept>

#include "runtime/eval/evaluator.hpp"
#include "runtime/eval/list_calls.hpp"
#include "runtime/eval/operators.hpp"

namespace flow::runtime::eval {

namespace {

using plan::BoundStmt;
using plan::BoundStmtKind;
using plan::TypeKind;

Value zero(const plan::Type& type) {
  if (type.nullable) return Value::null();
  switch (type.kind) {
    case TypeKind::Bool: return Value::boolean(false);
    case TypeKind::Int: return Value::integer(0);
    case TypeKind::Float: return Value::floating(0.0);
    case TypeKind::String: return Value::string("");
    case TypeKind::Timestamp: return Value::timestamp(0);
    case TypeKind::Duration: return Value::duration(0);
    case TypeKind::List: return Value::list({});
    default: throw std::logic_error("eval: no initial value for a state field of type " + type.to_string());
  }
}

struct Run {
  const compiler::physical::Process& process;
  ProcessState& state;
  const Value& key;
  const std::vector<Value>* record;
  std::vector<Value> locals;
  HandlerResult result;

  Environment env() const { return {record, &state.fields, &key, &locals}; }

  Value& field(const BoundStmt& statement) {
    if (statement.slot < 0 || static_cast<size_t>(statement.slot) >= state.fields.size())
      throw std::logic_error("eval: no state field " + std::to_string(statement.slot));
    return state.fields[statement.slot];
  }

  const plan::Type& field_type(const BoundStmt& statement) { return process.state.at(statement.slot).type; }

  void block(const std::vector<BoundStmt>& body) {
    for (const auto& statement : body) execute(statement);
  }

  void execute(const BoundStmt& s) {
    switch (s.kind) {
      case BoundStmtKind::Let: locals.at(s.slot) = evaluate(s.value, env()); return;
      case BoundStmtKind::Assign: {
        Value value = conform(evaluate(s.value, env()), field_type(s));
        // A longer list keeps its newest elements, as `append` would have: the bound holds.
        int64_t bound = field_type(s).kind == TypeKind::List ? field_type(s).max_length : 0;
        if (bound > 0 && static_cast<int64_t>(value.items.size()) > bound)
          value.items.erase(value.items.begin(), value.items.end() - bound);
        field(s) = std::move(value);
        result.cleared = false;
        return;
      }
      case BoundStmtKind::AddAssign:
      case BoundStmtKind::SubAssign: {
        Value value = evaluate(s.value, env());
        const char* op = s.kind == BoundStmtKind::AddAssign ? "+" : "-";
        field(s) = conform(apply_binary(op, field(s), value), field_type(s));
        result.cleared = false;
        return;
      }
      case BoundStmtKind::If:
        block(is_true(evaluate(s.value, env())) ? s.body : s.else_body);
        return;
      case BoundStmtKind::Emit: {
        Value emitted = conform(evaluate(s.value, env()), plan::Type::record(process.output));
        result.emitted.push_back(std::move(emitted.items));
        return;
      }
      case BoundStmtKind::ClearState:
        state = ProcessState::initial(process);
        result.cleared = true;
        return;
      case BoundStmtKind::Tally: add_tally(result.tallies, s.name); return;
      case BoundStmtKind::Append: {
        const plan::Type& type = field_type(s);
        Value element = conform(evaluate(s.value, env()), type.element.front());
        Value& list = field(s);
        if (list.is_null()) list = Value::list({});
        list.items.push_back(std::move(element));
        if (type.max_length > 0 && static_cast<int64_t>(list.items.size()) > type.max_length)
          list.items.erase(list.items.begin(), list.items.end() - type.max_length);
        result.cleared = false;
        return;
      }
      case BoundStmtKind::SetAdd:
      case BoundStmtKind::SetRemove: {
        const plan::Type& type = field_type(s);
        Value element = conform(evaluate(s.value, env()), type.element.front());
        field(s) = s.kind == BoundStmtKind::SetAdd ? set_add(field(s), element, type)
                                                   : set_remove(field(s), element, type);
        result.cleared = false;
        return;
      }
      case BoundStmtKind::For: {
        // The list as it is now: the body may write the field it came from without changing
        // what the loop goes over.
        Value list = evaluate(s.value, env());
        if (list.is_null()) return;
        for (const Value& element : list.items) {
          locals.at(s.slot) = element;
          block(s.body);
        }
        return;
      }
    }
  }
};

}  // namespace

ProcessState ProcessState::initial(const compiler::physical::Process& process) {
  ProcessState state;
  Environment constants;  // initial values are constant expressions: no record, state or key
  for (const auto& field : process.state)
    state.fields.push_back(field.initial ? conform(evaluate(*field.initial, constants), field.type) : zero(field.type));
  return state;
}

HandlerResult run_handler(const compiler::physical::Process& process, const plan::HandlerPlan& handler, ProcessState& state,
                          const Value& key, const std::vector<Value>* record) {
  if (state.fields.size() != process.state.size())
    throw std::logic_error("eval: the state has " + std::to_string(state.fields.size()) + " fields, the plan " +
                           std::to_string(process.state.size()));
  Run run{process, state, key, record, std::vector<Value>(handler.locals), {}};
  run.block(handler.body);
  return std::move(run.result);
}

const plan::HandlerPlan* find_handler(const compiler::physical::Process& process, const std::string& event) {
  for (const auto& handler : process.handlers)
    if (handler.event == event) return &handler;
  return nullptr;
}

}  // namespace flow::runtime::eval
