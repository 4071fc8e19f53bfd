// Typing rules of operators: arithmetic on numbers (int op int is int, else float), time
// arithmetic (timestamp ± duration, timestamp − timestamp, duration ± duration, duration × int),
// comparisons of compatible types, `and`/`or`/`not` on bools. Nullable operands give a nullable
// result. An Error-typed operand suppresses follow-up errors.
#include "compiler/plan/expression_binder.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/plan/builtin_functions.hpp"
#include "compiler/syntax/did_you_mean.hpp"
#include "stdlib/flow_stdlib.h"
#include "stdlib/regex.hpp"

namespace flow::compiler::plan {

namespace {

using K = TypeKind;

std::string quoted_type(const Type& t) { return "`" + t.to_string() + "`"; }

BoundExpr node(BoundKind kind, Type type, Span span, std::string name = {}) {
  BoundExpr e;
  e.kind = kind;
  e.type = std::move(type);
  e.span = span;
  e.name = std::move(name);
  return e;
}

//! The type of `lhs op rhs` for arithmetic, or nullopt if the operator does not apply.
std::optional<Type> arithmetic_type(const std::string& op, const Type& a, const Type& b) {
  bool nullable = a.nullable || b.nullable;
  auto result = [&](K kind) { return Type::scalar(kind, nullable); };
  if (a.is_numeric() && b.is_numeric()) {
    if (op == "%" && (a.kind != K::Int || b.kind != K::Int)) return std::nullopt;
    return result(a.kind == K::Int && b.kind == K::Int ? K::Int : K::Float);
  }
  if (op == "+") {
    if (a.kind == K::Timestamp && b.kind == K::Duration) return result(K::Timestamp);
    if (a.kind == K::Duration && b.kind == K::Timestamp) return result(K::Timestamp);
    if (a.kind == K::Duration && b.kind == K::Duration) return result(K::Duration);
  } else if (op == "-") {
    if (a.kind == K::Timestamp && b.kind == K::Duration) return result(K::Timestamp);
    if (a.kind == K::Timestamp && b.kind == K::Timestamp) return result(K::Duration);
    if (a.kind == K::Duration && b.kind == K::Duration) return result(K::Duration);
  } else if (op == "*") {
    if (a.kind == K::Duration && b.kind == K::Int) return result(K::Duration);
    if (a.kind == K::Int && b.kind == K::Duration) return result(K::Duration);
  } else if (op == "/") {
    if (a.kind == K::Duration && b.kind == K::Int) return result(K::Duration);
  }
  return std::nullopt;
}

bool comparable(const Type& a, const Type& b) {
  if (a.kind == K::Null || b.kind == K::Null) return true;
  if (a.is_numeric() && b.is_numeric()) return true;
  return a.kind == b.kind && a.kind != K::List && a.kind != K::Record;
}


bool is_string_literal(const BoundExpr& e) { return e.kind == BoundKind::Literal && e.type.kind == K::String; }

std::string groups_text(int groups) {
  return groups == 1 ? std::string("1 capturing group") : fmt::format("{} capturing groups", groups);
}

//! The checks of the regexp_* functions beyond types: the pattern is a literal RE2 compiles (it is
//! compiled once, when the program is built), regexp_extract's group and regexp_replace's
//! replacement are literals that fit the pattern's groups. False after reporting a problem.
bool check_regex_arguments(DiagnosticSink& sink, const std::string& name, const BoundExpr& call) {
  const BoundExpr& pattern = call.children[1];
  if (!is_string_literal(pattern)) {
    sink.error(ErrorCode::BadArguments, pattern.span, fmt::format("the pattern of `{}` must be a string literal", name),
               "not a literal")
        .with_help("flow compiles each pattern once, when the program is built, never per record: write it in the "
                   "call, e.g. `regexp_matches(url, \"^/api/v[0-9]+/\")`");
    return false;
  }
  stdlib::RegexInfo regex = stdlib::compile_regex(pattern.text);
  if (!regex.ok) {
    std::string where = regex.fragment.empty() ? std::string() : fmt::format(" at `{}`", regex.fragment);
    sink.error(ErrorCode::BadPattern, pattern.span, fmt::format("invalid regular expression: {}{}", regex.error, where),
               "RE2 cannot compile this")
        .with_help(regex.too_large
                       ? "the compiled pattern is larger than RE2's limit (8 MiB): use smaller repetition counts "
                         "(`{1000}`) or fewer alternatives"
                       : "the syntax is RE2's (no backreferences or lookaround); a backslash is written twice in a "
                         "flow string: `\"\\\\d+\"` is the pattern \\d+");
    return false;
  }
  if (name == "regexp_extract") {
    const BoundExpr& group = call.children[2];
    if (group.kind != BoundKind::Literal || group.type.kind != K::Int) {
      sink.error(ErrorCode::BadArguments, group.span, "the group of `regexp_extract` must be an integer literal",
                 "not a literal")
          .with_help(regex.groups == 0 ? std::string("0 is the whole match (the pattern has no capturing group)")
                     : regex.groups == 1
                         ? std::string("0 is the whole match, 1 the pattern's capturing group `( … )`")
                         : fmt::format("0 is the whole match, 1 to {} a capturing group `( … )` of the pattern",
                                       regex.groups));
      return false;
    }
    if (group.int_value > regex.groups) {
      sink.error(ErrorCode::BadArguments, group.span,
                 fmt::format("`regexp_extract` asks for group {}, but the pattern has {}", group.int_value,
                             groups_text(regex.groups)),
                 "no such group")
          .label(pattern.span, groups_text(regex.groups))
          .with_help("0 is the whole match; each `( … )` of the pattern is a group, counted from 1 by its `(`");
      return false;
    }
  }
  if (name == "regexp_replace") {
    const BoundExpr& replacement = call.children[2];
    if (!is_string_literal(replacement)) {
      sink.error(ErrorCode::BadArguments, replacement.span, "the replacement of `regexp_replace` must be a string literal",
                 "not a literal")
          .with_help("it is checked against the pattern's groups when the program is built; to put a field's value "
                     "around a match, use `concat` with `regexp_extract`");
      return false;
    }
    std::string problem = stdlib::check_replacement(replacement.text, regex.groups);
    if (!problem.empty()) {
      sink.error(ErrorCode::BadArguments, replacement.span, "invalid replacement of `regexp_replace`: " + problem,
                 "in this replacement")
          .with_help("in a replacement \\0 is the whole match, \\1 to \\9 a group and \\\\ a backslash; a flow "
                     "string writes each backslash twice: `\"<\\\\1>\"`");
      return false;
    }
  }
  return true;
}

}  // namespace

BoundExpr ExpressionBinder::error_node(const ast::Expr& expr) {
  return node(BoundKind::Literal, Type::scalar(K::Error), expr.span);
}

BoundExpr ExpressionBinder::bind(const ast::Expr& expr, const Scope& scope) {
  switch (expr.kind) {
    case ast::ExprKind::Int: {
      BoundExpr e = node(BoundKind::Literal, Type::scalar(K::Int), expr.span);
      e.int_value = expr.int_value;
      return e;
    }
    case ast::ExprKind::Float: {
      BoundExpr e = node(BoundKind::Literal, Type::scalar(K::Float), expr.span);
      e.float_value = expr.float_value;
      return e;
    }
    case ast::ExprKind::String: {
      BoundExpr e = node(BoundKind::Literal, Type::scalar(K::String), expr.span);
      e.text = expr.text;
      return e;
    }
    case ast::ExprKind::Bool: {
      BoundExpr e = node(BoundKind::Literal, Type::scalar(K::Bool), expr.span);
      e.int_value = expr.int_value;
      return e;
    }
    case ast::ExprKind::Null: return node(BoundKind::Literal, Type::scalar(K::Null, true), expr.span);
    case ast::ExprKind::Duration: {
      BoundExpr e = node(BoundKind::Literal, Type::scalar(K::Duration), expr.span);
      e.int_value = expr.int_value;
      return e;
    }
    case ast::ExprKind::Name: return bind_name(expr, scope);
    case ast::ExprKind::Member: return bind_member(expr, scope);
    case ast::ExprKind::Call: return bind_call(expr, scope);
    case ast::ExprKind::Method:
      sink_.error(ErrorCode::MisplacedOperator, expr.span,
                  fmt::format("`.{}(…)` is a statement, not a value", expr.text), "used as a value")
          .with_help("call it on a line of its own in a handler: `state.pages.append(url)`");
      return error_node(expr);
    case ast::ExprKind::Index: return bind_index(expr, scope);
    case ast::ExprKind::Unary: return bind_unary(expr, scope);
    case ast::ExprKind::Binary: return bind_binary(expr, scope);
    case ast::ExprKind::If: return bind_if(expr, scope);
    case ast::ExprKind::Record: return bind_record(expr, scope);
  }
  return error_node(expr);
}

BoundExpr ExpressionBinder::bind_condition(const ast::Expr& expr, const Scope& scope, const char* what) {
  BoundExpr condition = bind(expr, scope);
  if (!condition.type.is_error() && condition.type.kind != K::Bool)
    sink_.error(ErrorCode::NotBoolean, expr.span,
                fmt::format("the condition of {} is {}, not `bool`", what, quoted_type(condition.type)),
                "not a bool")
        .with_help("compare it with something: `x != \"\"`, `n > 0`");
  return condition;
}

BoundExpr ExpressionBinder::bind_name(const ast::Expr& expr, const Scope& scope) {
  const std::string& name = expr.text;
  if (scope.locals) {
    for (int i = static_cast<int>(scope.locals->size()) - 1; i >= 0; --i) {
      if ((*scope.locals)[i].name != name) continue;
      BoundExpr e = node(BoundKind::Local, (*scope.locals)[i].type, expr.span, name);
      e.index = i;
      return e;
    }
  }
  if (scope.input) {
    int index = find_field(*scope.input, name);
    if (index >= 0) {
      BoundExpr e = node(BoundKind::InputField, (*scope.input)[index].type, expr.span, name);
      e.index = index;
      return e;
    }
  }
  if (name == "key") {
    if (scope.key) return node(BoundKind::Key, *scope.key, expr.span, "key");
    sink_.error(ErrorCode::KeyOutsideKeyedContext, expr.span, fmt::format("`key` is not defined {}", scope.where),
                "no key here")
        .with_help("`key` is what `| key by FIELD` (or `group by`) sets: add one before this operator, or use the "
                   "field itself");
    return error_node(expr);
  }
  if (name == "state" && scope.state) {
    sink_.error(ErrorCode::UnknownName, expr.span, "`state` is not a value by itself", "the whole state")
        .with_help("use one of its fields: `state.field`");
    return error_node(expr);
  }
  std::vector<std::string> candidates;
  if (scope.input)
    for (const auto& field : *scope.input) candidates.push_back(field.name);
  if (scope.locals)
    for (const auto& local : *scope.locals) candidates.push_back(local.name);
  if (scope.state)
    for (const auto& field : *scope.state)
      if (field.name == name) {
        sink_.error(ErrorCode::UnknownName, expr.span, fmt::format("unknown name `{}` {}", name, scope.where),
                    "not a field of the record")
            .with_help(fmt::format("`{}` is a state field: write `state.{}`", name, name));
        return error_node(expr);
      }
  std::string fields = scope.input && !scope.input->empty()
                           ? fmt::format("the record's fields are {}", schema_to_string(*scope.input))
                           : std::string("no record fields are visible here");
  sink_.error(ErrorCode::UnknownName, expr.span, fmt::format("unknown name `{}` {}", name, scope.where),
              "not found")
      .with_help(did_you_mean(name, candidates, fields));
  return error_node(expr);
}

BoundExpr ExpressionBinder::bind_member(const ast::Expr& expr, const Scope& scope) {
  const ast::Expr& object = expr.children[0];
  if (object.kind == ast::ExprKind::Name && object.text == "state" && scope.state) {
    for (size_t i = 0; i < scope.state->size(); ++i) {
      if ((*scope.state)[i].name != expr.text) continue;
      BoundExpr e = node(BoundKind::StateField, (*scope.state)[i].type, expr.span, expr.text);
      e.index = static_cast<int32_t>(i);
      return e;
    }
    std::vector<std::string> names;
    for (const auto& field : *scope.state) names.push_back(field.name);
    sink_.error(ErrorCode::UnknownName, expr.span, fmt::format("the state has no field `{}`", expr.text),
                "not a state field")
        .with_help(did_you_mean(expr.text, names, "declare it in `process state { … }`"));
    return error_node(expr);
  }
  if (object.kind == ast::ExprKind::Name && object.text == "state" && !scope.state &&
      !(scope.input && find_field(*scope.input, "state") >= 0)) {
    sink_.error(ErrorCode::UnknownName, object.span, fmt::format("there is no keyed state {}", scope.where),
                "no state here")
        .with_help("`state` exists inside the handlers of `process`");
    return error_node(expr);
  }
  BoundExpr record = bind(object, scope);
  if (record.type.is_error()) return error_node(expr);
  if (record.type.kind != K::Record) {
    sink_.error(ErrorCode::TypeMismatch, expr.span,
                fmt::format("`.{}` needs a record, but this is {}", expr.text, quoted_type(record.type)),
                "not a record");
    return error_node(expr);
  }
  int index = find_field(record.type.fields, expr.text);
  if (index < 0) {
    sink_.error(ErrorCode::UnknownName, expr.span, fmt::format("the record has no field `{}`", expr.text),
                "no such field")
        .with_help(fmt::format("its fields are {}", schema_to_string(record.type.fields)));
    return error_node(expr);
  }
  BoundExpr e = node(BoundKind::Member, record.type.fields[index].type, expr.span, expr.text);
  e.index = index;
  e.children.push_back(std::move(record));
  return e;
}

BoundExpr ExpressionBinder::bind_call(const ast::Expr& expr, const Scope& scope) {
  const std::string& name = expr.text;
  bool aggregate = is_aggregate_function(name);
  if (!is_scalar_function(name) && !aggregate) {
    sink_.error(ErrorCode::UnknownFunction, expr.span, fmt::format("unknown function `{}`", name), "not a built-in")
        .with_help(did_you_mean(name, function_names(), "the built-in functions are listed in docs/stdlib.md"));
    return error_node(expr);
  }
  BoundExpr call = node(BoundKind::Call, Type::scalar(K::Error), expr.span, name);
  std::vector<Type> types;
  bool had_error = false;
  auto bind_arguments = [&] {
    for (const auto& argument : expr.children) {
      call.children.push_back(bind(argument, scope));
      types.push_back(call.children.back().type);
      had_error |= types.back().is_error();
    }
  };
  // `sum(list)` adds a list's elements; `sum(x)` of anything else is the aggregate.
  if (name == "sum" && expr.children.size() == 1) {
    bind_arguments();
    if (had_error) return error_node(expr);
    if (is_list_sum(types)) {
      CallCheck check = check_list_sum(types);
      if (!check.result) {
        sink_.error(ErrorCode::BadArguments, expr.span, fmt::format("`sum` cannot take ({})", types[0].to_string()),
                    "wrong arguments")
            .with_help(check.error);
        return error_node(expr);
      }
      call.type = *check.result;
      return call;
    }
  }
  if (aggregate) {
    sink_.error(ErrorCode::MisplacedOperator, expr.span,
                fmt::format("`{}` is an aggregate; it belongs in `aggregate`", name), "aggregate used here")
        .with_help(name == "sum"
                       ? std::string("write `| group by … | aggregate sum(…) as name`; `sum(list)` adds the elements "
                                     "of a list")
                       : fmt::format("write `| group by … | aggregate {}(…) as name`", name));
    return error_node(expr);
  }
  bind_arguments();
  CallCheck check = check_scalar_call(name, types);
  if (!check.result) {
    std::string given;
    for (size_t i = 0; i < types.size(); ++i) given += (i ? ", " : "") + types[i].to_string();
    sink_.error(ErrorCode::BadArguments, expr.span, fmt::format("`{}` cannot take ({})", name, given),
                "wrong arguments")
        .with_help(check.error);
    return error_node(expr);
  }
  if (name == "date_trunc" && !had_error) {
    // Read as the runtime and the generated code read it (any case): one parser of unit names.
    const BoundExpr& unit = call.children[0];
    if (unit.kind != BoundKind::Literal ||
        flow_time_unit_parse(flow_str{unit.text.data(), static_cast<int64_t>(unit.text.size())}) ==
            FLOW_TIME_UNIT_INVALID) {
      sink_.error(ErrorCode::BadArguments, expr.children[0].span,
                  "the unit of `date_trunc` must be a literal unit name", "not a known unit")
          .with_help("one of \"second\", \"minute\", \"hour\", \"day\", \"week\", \"month\", \"quarter\", \"year\" "
                     "(in any case)");
      return error_node(expr);
    }
  }
  if (name == "split" && !had_error && !(is_string_literal(call.children[1]) && !call.children[1].text.empty())) {
    bool literal = is_string_literal(call.children[1]);
    sink_.error(ErrorCode::BadArguments, expr.children[1].span,
                literal ? std::string("the separator of `split` is empty")
                        : std::string("the separator of `split` must be a string literal"),
                literal ? "empty" : "not a literal")
        .with_help(literal ? "an empty separator would not split anything: write the text between the pieces, as "
                             "in `split(tags, \",\")`; to split at every match of a pattern, use `regexp_split`"
                           : "the separator is matched literally and fixed when the program is built: write it in "
                             "the call, as in `split(tags, \",\")`");
    return error_node(expr);
  }
  if (name.starts_with("regexp_") && !had_error && !check_regex_arguments(sink_, name, call)) return error_node(expr);
  call.type = *check.result;
  return call;
}

BoundExpr ExpressionBinder::bind_index(const ast::Expr& expr, const Scope& scope) {
  BoundExpr list = bind(expr.children[0], scope);
  BoundExpr index = bind(expr.children[1], scope);
  if (list.type.is_error() || index.type.is_error()) return error_node(expr);
  if (list.type.kind != K::List) {
    sink_.error(ErrorCode::TypeMismatch, expr.children[0].span,
                fmt::format("`[…]` reads an element of a list, but this is {}", quoted_type(list.type)),
                "not a list")
        .with_help(list.type.kind == K::String ? "for a part of a string use `substr(s, start, length)`"
                                               : "index a list: `state.pages[0]` is its oldest element");
    return error_node(expr);
  }
  if (index.type.kind != K::Int) {
    sink_.error(ErrorCode::TypeMismatch, expr.children[1].span,
                fmt::format("a list index is an `int`, not {}", quoted_type(index.type)), "not an int")
        .with_help("`l[0]` is the first element, `l[len(l) - 1]` the last");
    return error_node(expr);
  }
  // Outside the list (negative, past the end) the element is null, whatever the element type.
  BoundExpr e = node(BoundKind::Index, list.type.element.front().as_nullable(true), expr.span);
  e.children.push_back(std::move(list));
  e.children.push_back(std::move(index));
  return e;
}

BoundExpr ExpressionBinder::bind_unary(const ast::Expr& expr, const Scope& scope) {
  BoundExpr operand = bind(expr.children[0], scope);
  BoundExpr e = node(BoundKind::Unary, operand.type, expr.span, expr.text);
  bool ok = operand.type.is_error() ||
            (expr.text == "not" ? operand.type.kind == K::Bool
                                : operand.type.is_numeric() || operand.type.kind == K::Duration);
  if (!ok) {
    sink_.error(ErrorCode::TypeMismatch, expr.span,
                fmt::format("`{}` cannot apply to {}", expr.text, quoted_type(operand.type)), "wrong type")
        .with_help(expr.text == "not" ? "`not` takes a bool" : "`-` takes a number or a duration");
    e.type = Type::scalar(K::Error);
  }
  e.children.push_back(std::move(operand));
  return e;
}

BoundExpr ExpressionBinder::bind_binary(const ast::Expr& expr, const Scope& scope) {
  BoundExpr lhs = bind(expr.children[0], scope);
  BoundExpr rhs = bind(expr.children[1], scope);
  const std::string& op = expr.text;
  const Type& a = lhs.type;
  const Type& b = rhs.type;
  BoundExpr e = node(BoundKind::Binary, Type::scalar(K::Error), expr.span, op);
  if (!a.is_error() && !b.is_error()) {
    std::optional<Type> result;
    std::string help;
    if (op == "and" || op == "or") {
      if (a.kind == K::Bool && b.kind == K::Bool) result = Type::scalar(K::Bool, a.nullable || b.nullable);
      help = fmt::format("`{}` takes two bools", op);
    } else if (op == "==" || op == "!=") {
      if (comparable(a, b)) result = Type::scalar(K::Bool);
      help = "compare values of the same type";
    } else if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      if (comparable(a, b) && a.kind != K::Null && b.kind != K::Null && (a.is_ordered() || a.is_numeric()))
        result = Type::scalar(K::Bool, a.nullable || b.nullable);
      help = "order compares two numbers, strings, timestamps or durations of the same type";
    } else {
      result = arithmetic_type(op, a, b);
      help = a.kind == K::String && b.kind == K::String && op == "+"
                 ? "join strings with `concat(a, b)`"
                 : "arithmetic takes numbers; time arithmetic takes timestamp ± duration, timestamp − timestamp, "
                   "duration ± duration and duration × int";
    }
    if (result) {
      e.type = *result;
    } else {
      sink_.error(ErrorCode::TypeMismatch, expr.span,
                  fmt::format("`{}` cannot apply to {} and {}", op, quoted_type(a), quoted_type(b)), "wrong types")
          .label(lhs.span, a.to_string())
          .label(rhs.span, b.to_string())
          .with_help(help);
    }
  }
  e.children.push_back(std::move(lhs));
  e.children.push_back(std::move(rhs));
  return e;
}

BoundExpr ExpressionBinder::bind_if(const ast::Expr& expr, const Scope& scope) {
  BoundExpr condition = bind_condition(expr.children[0], scope, "`if`");
  BoundExpr then = bind(expr.children[1], scope);
  BoundExpr otherwise = bind(expr.children[2], scope);
  Type type = unify(then.type, otherwise.type);
  if (type.is_error() && !then.type.is_error() && !otherwise.type.is_error())
    sink_.error(ErrorCode::TypeMismatch, expr.span,
                fmt::format("the branches of `if` have different types: {} and {}", quoted_type(then.type),
                            quoted_type(otherwise.type)),
                "branches disagree")
        .with_help("both branches must give values of one type");
  BoundExpr e = node(BoundKind::If, type, expr.span);
  e.children.push_back(std::move(condition));
  e.children.push_back(std::move(then));
  e.children.push_back(std::move(otherwise));
  return e;
}

BoundExpr ExpressionBinder::bind_record(const ast::Expr& expr, const Scope& scope) {
  std::vector<Field> fields;
  BoundExpr e = node(BoundKind::Record, Type::scalar(K::Error), expr.span);
  for (size_t i = 0; i < expr.children.size(); ++i) {
    const std::string& name = expr.field_names[i].name;
    if (find_field(fields, name) >= 0)
      sink_.error(ErrorCode::DuplicateName, expr.field_names[i].span,
                  fmt::format("field `{}` appears twice in this record", name), "again here");
    e.children.push_back(bind(expr.children[i], scope));
    // A bare `null` stays `null`: the `emit`s of a query unify it with the other emits' type.
    fields.push_back({name, e.children.back().type});
  }
  e.type = Type::record(std::move(fields));
  return e;
}

}  // namespace flow::compiler::plan
