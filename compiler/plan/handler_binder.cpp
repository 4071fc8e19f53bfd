// Handler statements. `let` bindings are block scoped; assignments write state fields only;
// every `emit` of one query produces records of one shape, because a sink has one schema.
#include "compiler/plan/handler_binder.hpp"

#include <fmt/format.h>

#include "compiler/plan/planner.hpp"
#include "compiler/syntax/did_you_mean.hpp"

namespace flow::compiler::plan {

std::unique_ptr<LogicalProcess> HandlerBinder::bind(const ast::Operator& op, const Type& key,
                                                    const std::vector<std::pair<std::string, const Schema*>>& sources,
                                                    bool is_union) {
  auto process = std::make_unique<LogicalProcess>();
  process_ = process.get();
  process->span = op.span;
  process->key_type = key;
  process->processing_time = op.processing_time;
  if (op.timeout) {
    if (op.timeout->kind != ast::ExprKind::Duration || op.timeout->int_value <= 0)
      sink_.error(ErrorCode::NotPositive, op.timeout->span, "a timeout must be a positive duration such as `30m`",
                  "not a positive duration");
    else
      process->timeout_ms = op.timeout->int_value;
  }

  Scope constant_scope;
  constant_scope.where = "in a state field's initial value";
  for (const auto& field : op.state) {
    StateFieldPlan plan{field.name.name, resolve_type(field.type), std::nullopt, field.span};
    for (const auto& other : process->state)
      if (other.name == plan.name)
        sink_.error(ErrorCode::DuplicateName, field.name.span, fmt::format("state field `{}` is declared twice", plan.name),
                    "again here");
    if (field.initial) {
      BoundExpr initial = binder_.bind(*field.initial, constant_scope);
      if (!assignable(initial.type, plan.type))
        sink_.error(ErrorCode::TypeMismatch, field.initial->span,
                    fmt::format("state field `{}` is `{}` but its initial value is `{}`", plan.name,
                                plan.type.to_string(), initial.type.to_string()),
                    "wrong type");
      plan.initial = std::move(initial);
    }
    process->state.push_back(std::move(plan));
  }

  Type key_type = key;
  for (const auto& handler : op.handlers) {
    const std::string& event = handler.event.name;
    HandlerPlan bound{event, {}, 0, handler.span};
    locals_.clear();
    max_locals_ = 0;
    scope_ = Scope{};
    scope_.state = &process->state;
    scope_.key = &key_type;
    scope_.locals = &locals_;
    scope_.where = fmt::format("in `on {}`", event);
    if (event == "timeout") {
      if (!process->timeout_ms)
        sink_.error(ErrorCode::MisplacedOperator, handler.event.span, "`on timeout` without a `timeout`",
                    "never runs")
            .with_help("declare one after the state: `process state { … } timeout 30m { … }`");
    } else if (event == "event") {
      if (is_union)
        sink_.error(ErrorCode::MisplacedOperator, handler.event.span,
                    "`on event` is ambiguous in a query that reads several sources", "which source?")
            .with_help("write one handler per source: `on SOURCE { … }`");
      else
        scope_.input = sources.front().second;
    } else {
      for (const auto& [name, schema] : sources)
        if (name == event) scope_.input = schema;
    }
    bind_block(handler.body, bound.body);
    bound.locals = max_locals_;
    process->handlers.push_back(std::move(bound));
  }
  return process;
}

void HandlerBinder::bind_block(const std::vector<ast::Stmt>& body, std::vector<BoundStmt>& out) {
  size_t outer = locals_.size();
  for (const auto& statement : body) bind_statement(statement, out);
  locals_.resize(outer);
}

int32_t HandlerBinder::state_field_index(const ast::Expr& target) {
  if (target.kind == ast::ExprKind::Member && target.children[0].kind == ast::ExprKind::Name &&
      target.children[0].text == "state") {
    for (size_t i = 0; i < process_->state.size(); ++i)
      if (process_->state[i].name == target.text) return static_cast<int32_t>(i);
    std::vector<std::string> names;
    for (const auto& field : process_->state) names.push_back(field.name);
    sink_.error(ErrorCode::UnknownName, target.span, fmt::format("the state has no field `{}`", target.text),
                "not a state field")
        .with_help(did_you_mean(target.text, names, "declare it in `process state { … }`"));
    return -2;
  }
  sink_.error(ErrorCode::NotAssignable, target.span, "only state fields can be assigned", "not a state field")
      .note("record fields are read-only; `let` bindings are constants")
      .with_help("declare a state field and assign it: `state.total += bytes`");
  return -2;
}

void HandlerBinder::bind_assignment(const ast::Stmt& statement, std::vector<BoundStmt>& out) {
  BoundStmt bound;
  bound.span = statement.span;
  bound.kind = statement.kind == ast::StmtKind::Assign      ? BoundStmtKind::Assign
               : statement.kind == ast::StmtKind::AddAssign ? BoundStmtKind::AddAssign
                                                            : BoundStmtKind::SubAssign;
  bound.slot = state_field_index(statement.target);
  bound.value = binder_.bind(statement.value, scope_);
  if (bound.slot < 0) return;
  const StateFieldPlan& field = process_->state[bound.slot];
  bound.name = field.name;
  const Type& type = field.type;
  if (bound.kind != BoundStmtKind::Assign && !type.is_numeric() && type.kind != TypeKind::Duration &&
      !type.is_error()) {
    sink_.error(ErrorCode::TypeMismatch, statement.span,
                fmt::format("`{}` needs a number or duration field; `state.{}` is `{}`",
                            bound.kind == BoundStmtKind::AddAssign ? "+=" : "-=", field.name, type.to_string()),
                "not a number");
  } else if (!assignable(bound.value.type, type)) {
    sink_.error(ErrorCode::TypeMismatch, statement.value.span,
                fmt::format("`state.{}` is `{}` but the value is `{}`", field.name, type.to_string(),
                            bound.value.type.to_string()),
                "wrong type")
        .label(field.span, "declared here");
  }
  out.push_back(std::move(bound));
}

void HandlerBinder::bind_emit(const ast::Stmt& statement, std::vector<BoundStmt>& out) {
  BoundStmt bound;
  bound.kind = BoundStmtKind::Emit;
  bound.span = statement.span;
  bound.value = binder_.bind(statement.value, scope_);
  process_->emits = true;
  const Type& type = bound.value.type;
  if (!type.is_error() && type.kind != TypeKind::Record) {
    sink_.error(ErrorCode::TypeMismatch, statement.value.span, fmt::format("`emit` takes a record, not `{}`", type.to_string()),
                "not a record")
        .with_help("emit a record literal: `emit { user: key, clicks: state.clicks }`");
  } else if (type.kind == TypeKind::Record) {
    if (!first_emit_) {
      first_emit_ = &statement;
      process_->output = type.fields;
    } else if (!assignable(type, Type::record(process_->output)) &&
               !assignable(Type::record(process_->output), type)) {
      sink_.error(ErrorCode::EmitShapes, statement.value.span,
                  fmt::format("this `emit` produces {}", type.to_string()), "different shape")
          .label(first_emit_->value.span, fmt::format("this one produces {}", schema_to_string(process_->output)))
          .note("the records of one query go to one sink, so they need one shape")
          .with_help("emit the same fields with the same types everywhere (use `null` with a nullable type for a "
                     "missing value)");
    }
  }
  out.push_back(std::move(bound));
}

void HandlerBinder::bind_statement(const ast::Stmt& statement, std::vector<BoundStmt>& out) {
  switch (statement.kind) {
    case ast::StmtKind::Let: {
      BoundStmt bound;
      bound.kind = BoundStmtKind::Let;
      bound.span = statement.span;
      bound.name = statement.name.name;
      bound.value = binder_.bind(statement.value, scope_);
      bound.slot = static_cast<int32_t>(locals_.size());
      locals_.push_back({bound.name, bound.value.type});
      max_locals_ = std::max<int32_t>(max_locals_, static_cast<int32_t>(locals_.size()));
      out.push_back(std::move(bound));
      return;
    }
    case ast::StmtKind::Assign:
    case ast::StmtKind::AddAssign:
    case ast::StmtKind::SubAssign: bind_assignment(statement, out); return;
    case ast::StmtKind::If: {
      BoundStmt bound;
      bound.kind = BoundStmtKind::If;
      bound.span = statement.span;
      bound.value = binder_.bind_condition(statement.value, scope_, "`if`");
      bind_block(statement.body, bound.body);
      bind_block(statement.else_body, bound.else_body);
      out.push_back(std::move(bound));
      return;
    }
    case ast::StmtKind::Emit: bind_emit(statement, out); return;
    case ast::StmtKind::ClearState: {
      process_->clears_state = true;
      BoundStmt bound;
      bound.kind = BoundStmtKind::ClearState;
      bound.span = statement.span;
      out.push_back(std::move(bound));
      return;
    }
    case ast::StmtKind::Tally: {
      if (!plan_.find_metric(statement.name.name)) {
        std::vector<std::string> names;
        for (const auto& m : plan_.metrics) names.push_back(m.name);
        sink_.error(ErrorCode::UnknownMetric, statement.name.span,
                    fmt::format("unknown metric `{}`", statement.name.name), "not declared")
            .with_help(did_you_mean(statement.name.name, names,
                                    fmt::format("declare it: `metric {};`", statement.name.name)));
      }
      BoundStmt bound;
      bound.kind = BoundStmtKind::Tally;
      bound.span = statement.span;
      bound.name = statement.name.name;
      out.push_back(std::move(bound));
      return;
    }
    case ast::StmtKind::Call: {
      const ast::Expr& call = statement.value;
      if (call.kind != ast::ExprKind::Method) return;  // reported by the syntax checks (E0111)
      if (call.text != "append") {
        sink_.error(ErrorCode::UnknownFunction, call.span, fmt::format("unknown method `{}`", call.text),
                    "not a method")
            .with_help("lists have `append(value)`");
        return;
      }
      BoundStmt bound;
      bound.kind = BoundStmtKind::Append;
      bound.span = statement.span;
      bound.slot = state_field_index(call.children[0]);
      if (call.children.size() != 2) {
        sink_.error(ErrorCode::BadArguments, call.span, "`append` takes one value", "wrong arguments");
        return;
      }
      bound.value = binder_.bind(call.children[1], scope_);
      if (bound.slot < 0) return;
      const StateFieldPlan& field = process_->state[bound.slot];
      bound.name = field.name;
      if (field.type.kind != TypeKind::List) {
        sink_.error(ErrorCode::TypeMismatch, call.span,
                    fmt::format("`append` needs a list; `state.{}` is `{}`", field.name, field.type.to_string()),
                    "not a list");
        return;
      }
      if (!assignable(bound.value.type, field.type.element.front()))
        sink_.error(ErrorCode::TypeMismatch, call.children[1].span,
                    fmt::format("`state.{}` holds `{}`, not `{}`", field.name,
                                field.type.element.front().to_string(), bound.value.type.to_string()),
                    "wrong type");
      out.push_back(std::move(bound));
      return;
    }
  }
}

}  // namespace flow::compiler::plan
