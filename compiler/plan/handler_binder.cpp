// Handler statements. `let` bindings are block scoped; assignments write state fields only;
// every `emit` of one query produces records of one shape, because a sink has one schema.
#include "compiler/plan/handler_binder.hpp"

#include <fmt/format.h>

#include "compiler/plan/planner.hpp"
#include "compiler/syntax/did_you_mean.hpp"

namespace flow::compiler::plan {

namespace {

std::string quoted(const Schema& schema) { return "`" + schema_to_string(schema) + "`"; }

//! The one record shape of two `emit`s: the same field names in the same order, each field of a
//! type both values fit (`int` and `null` make `int?`); nullopt if there is none.
std::optional<Schema> common_shape(const Schema& a, const Schema& b) {
  if (a.size() != b.size()) return std::nullopt;
  Schema shape;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name) return std::nullopt;
    Type type = unify(a[i].type, b[i].type);
    if (type.is_error() && !a[i].type.is_error() && !b[i].type.is_error()) return std::nullopt;
    shape.push_back({a[i].name, type});
  }
  return shape;
}

}  // namespace

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
                    "again here")
            .label(other.span, "first declared here")
            .with_help("remove one of them, or rename it");
    if (field.initial) {
      BoundExpr initial = binder_.bind(*field.initial, constant_scope);
      if (!assignable(initial.type, plan.type))
        sink_.error(ErrorCode::TypeMismatch, field.initial->span,
                    fmt::format("state field `{}` is `{}` but its initial value is `{}`", plan.name,
                                plan.type.to_string(), initial.type.to_string()),
                    "wrong type")
            .with_help(
                fmt::format("start it with a value of type `{}`, or change the field's type", plan.type.to_string()));
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
      if (!op.timeout)
        sink_.error(ErrorCode::MisplacedOperator, handler.event.span, "`on timeout` without a `timeout`",
                    "never runs")
            .with_help("declare one after the state: `process state { … } timeout 30m { … }`");
    } else if (event == "event") {
      if (is_union) {
        std::string handlers;
        for (const auto& source : sources)
          handlers += fmt::format("{}`on {} {{ … }}`", handlers.empty() ? "" : ", ", source.first);
        sink_.error(ErrorCode::MisplacedOperator, handler.event.span,
                    "`on event` is ambiguous in a query that reads several sources", "which source?")
            .note("the records of each source have their own fields")
            .with_help(fmt::format("write one handler per source: {}", handlers));
      }
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
  bool is_local = false, is_field = false;
  if (target.kind == ast::ExprKind::Name) {
    for (const auto& local : locals_) is_local |= local.name == target.text;
    is_field = !is_local && scope_.input && find_field(*scope_.input, target.text) >= 0;
  }
  if (is_local)
    sink_.error(ErrorCode::NotAssignable, target.span,
                fmt::format("`{}` is a `let` binding and cannot be assigned", target.text), "a constant")
        .with_help(fmt::format("bind the new value to a new name (`let next = …`), or keep a value that changes in a "
                               "state field: `state.{} = …`",
                               target.text));
  else if (is_field)
    sink_.error(ErrorCode::NotAssignable, target.span,
                fmt::format("`{}` is a field of the incoming record and cannot be assigned", target.text),
                "read-only")
        .with_help(fmt::format("keep the value in a state field (`state.{} = …`), or `emit` a record with the new "
                               "value",
                               target.text));
  else
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
    std::optional<Schema> shape = first_emit_ ? common_shape(process_->output, type.fields) : type.fields;
    if (!first_emit_) first_emit_ = &statement;
    if (shape) {
      process_->output = std::move(*shape);
    } else {
      sink_.error(ErrorCode::EmitShapes, statement.value.span,
                  fmt::format("this `emit` produces {}", quoted(type.fields)), "different shape")
          .label(first_emit_->value.span, fmt::format("this one produces {}", quoted(process_->output)))
          .note("the records of one query go to one sink, so they need one shape")
          .with_help("emit the same fields, in the same order, with the same types everywhere (write `null` where "
                     "a value is missing)");
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
      for (const auto& local : locals_)
        if (local.loop_element && local.name == bound.name)
          sink_.error(ErrorCode::DuplicateName, statement.name.span,
                      fmt::format("`let {}` would hide the element of the `for` around it", bound.name),
                      "name already in use")
              .with_help(fmt::format("give the binding a name of its own: `let {}_value = …`", bound.name));
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
    case ast::StmtKind::Call: bind_method_call(statement, out); return;
    case ast::StmtKind::For: bind_for(statement, out); return;
  }
}

void HandlerBinder::bind_for(const ast::Stmt& statement, std::vector<BoundStmt>& out) {
  BoundStmt bound;
  bound.kind = BoundStmtKind::For;
  bound.span = statement.span;
  bound.name = statement.name.name;
  bound.value = binder_.bind(statement.value, scope_);
  const Type& type = bound.value.type;
  Type element = Type::scalar(TypeKind::Error);
  if (!type.is_error() && type.kind != TypeKind::List) {
    sink_.error(ErrorCode::TypeMismatch, statement.value.span,
                fmt::format("`for` goes over a list or a set, but this is `{}`", type.to_string()), "not a list")
        .with_help(type.kind == TypeKind::String ? "split a string into parts with `split_part`, or keep the parts "
                                                   "in a list state field"
                                                 : "iterate a list: `for page in state.pages { … }`");
  } else if (type.kind == TypeKind::List) {
    element = type.element.front();
  }
  // The element's name may not hide another: a reader could not tell which one a name means.
  const std::string& name = statement.name.name;
  bool is_local = false;
  for (const auto& local : locals_) is_local |= local.name == name;
  bool is_field = scope_.input && find_field(*scope_.input, name) >= 0;
  if (is_local || is_field || name == "key" || name == "state")
    sink_.error(ErrorCode::DuplicateName, statement.name.span,
                fmt::format("the `for` element `{}` has the name of {}", name,
                            is_local   ? "a `let` binding or an enclosing `for` element"
                            : is_field ? "a field of the record"
                                       : fmt::format("`{}`", name)),
                "name already in use")
        .with_help(fmt::format("give the element a name of its own: `for {}_item in …`", name));
  size_t outer = locals_.size();
  bound.slot = static_cast<int32_t>(locals_.size());
  locals_.push_back({name, element, true});
  max_locals_ = std::max<int32_t>(max_locals_, static_cast<int32_t>(locals_.size()));
  bind_block(statement.body, bound.body);
  locals_.resize(outer);
  out.push_back(std::move(bound));
}

void HandlerBinder::bind_method_call(const ast::Stmt& statement, std::vector<BoundStmt>& out) {
  const ast::Expr& call = statement.value;
  if (call.kind != ast::ExprKind::Method) return;  // reported by the syntax checks (E0111)
  const std::string& method = call.text;
  if (method != "append" && method != "add" && method != "remove") {
    sink_.error(ErrorCode::UnknownFunction, call.span, fmt::format("unknown method `{}`", method), "not a method")
        .with_help("lists have `append(value)`; sets have `add(value)` and `remove(value)`");
    return;
  }
  BoundStmt bound;
  bound.kind = method == "append" ? BoundStmtKind::Append
               : method == "add"  ? BoundStmtKind::SetAdd
                                  : BoundStmtKind::SetRemove;
  bound.span = statement.span;
  bound.slot = state_field_index(call.children[0]);
  if (call.children.size() != 2) {
    sink_.error(ErrorCode::BadArguments, call.span, fmt::format("`{}` takes one value", method), "wrong arguments");
    return;
  }
  bound.value = binder_.bind(call.children[1], scope_);
  if (bound.slot < 0) return;
  const StateFieldPlan& field = process_->state[bound.slot];
  bound.name = field.name;
  bool wants_set = bound.kind != BoundStmtKind::Append;
  if (field.type.kind != TypeKind::List || field.type.set != wants_set) {
    std::string help = field.type.kind != TypeKind::List ? std::string()
                       : wants_set ? fmt::format("`state.{}` is a list: `append` adds to it; declare it as "
                                                 "`set<{}>(max N)` to keep each value once",
                                                 field.name, field.type.element.front().to_string())
                                   : fmt::format("`state.{}` is a set: `add` puts a value in it once", field.name);
    auto& error = sink_.error(ErrorCode::TypeMismatch, call.span,
                              fmt::format("`{}` needs a {}; `state.{}` is `{}`", method, wants_set ? "set" : "list",
                                          field.name, field.type.to_string()),
                              wants_set ? "not a set" : "not a list");
    if (!help.empty()) error.with_help(help);
    return;
  }
  if (!assignable(bound.value.type, field.type.element.front()))
    sink_.error(ErrorCode::TypeMismatch, call.children[1].span,
                fmt::format("`state.{}` holds `{}`, not `{}`", field.name, field.type.element.front().to_string(),
                            bound.value.type.to_string()),
                "wrong type");
  out.push_back(std::move(bound));
}

}  // namespace flow::compiler::plan
