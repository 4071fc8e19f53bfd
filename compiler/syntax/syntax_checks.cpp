// Shape checks on the AST. They run after parsing so that one pass reports every problem in a
// declaration rather than stopping at the first, and so the grammar stays about syntax only.
#include "compiler/syntax/syntax_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "compiler/syntax/did_you_mean.hpp"

namespace flow::compiler::syntax {

namespace {

const std::vector<std::string> kScalarTypes = {"int", "float", "bool", "string", "timestamp", "duration"};

struct WindowShape {
  const char* kind;
  size_t arguments;
  const char* usage;
};
constexpr WindowShape kWindows[] = {
    {"tumbling", 1, "tumbling(size)"}, {"hopping", 2, "hopping(size, slide)"}, {"session", 1, "session(gap)"}};

class SyntaxChecker {
 public:
  explicit SyntaxChecker(DiagnosticSink& sink) : sink_(sink) {}

  void check(const ast::Program& program) {
    for (const auto& declaration : program.declarations) std::visit([&](const auto& d) { check(d); }, declaration);
  }

 private:
  void check(const ast::SourceDecl& source) {
    check_format(source.format);
    for (const auto& field : source.fields) {
      check_type(field.type);
      check_no_set(field.type);
    }
    std::map<std::string, Span> seen;
    const char* what = source.table ? "table" : "source";
    for (const auto& option : source.options) {
      const auto& known = source.table ? known_table_options() : known_source_options();
      if (std::find(known.begin(), known.end(), option.name.name) == known.end()) {
        std::string list;
        for (size_t i = 0; i < known.size(); ++i)
          list += (i == 0 ? "" : i + 1 == known.size() ? " and " : ", ") + known[i];
        sink_
            .error(ErrorCode::UnknownOption, option.name.span,
                   fmt::format("{} `{}` has an unknown option `{}`", what, source.name.name, option.name.name),
                   "unknown option")
            .with_help(did_you_mean(option.name.name, known, "the options are " + list));
      } else if (auto [first, inserted] = seen.emplace(option.name.name, option.name.span); !inserted) {
        sink_.error(ErrorCode::UnknownOption, option.name.span,
                    fmt::format("option `{}` is given twice for {} `{}`", option.name.name, what, source.name.name),
                    "given again here")
            .label(first->second, "first given here")
            .with_help("keep one of them");
      }
    }
  }

  void check(const ast::SinkDecl& sink) {
    if (sink.format) check_format(*sink.format);
  }

  void check(const ast::MetricDecl&) {}

  void check(const ast::QueryDecl& query) {
    for (const auto& op : query.operators) check(op, query);
  }

  void check(const ast::Operator& op, const ast::QueryDecl& query) {
    switch (op.kind) {
      case ast::OpKind::Select:
        for (const auto& item : op.items)
          if (!item.alias && item.value.kind != ast::ExprKind::Name)
            sink_.error(ErrorCode::UnnamedItem, item.value.span, "a computed field in `select` needs a name",
                        "no name")
                .with_help("name it with `as`: `select … as new_name`");
        break;
      case ast::OpKind::Explode:
        for (const auto& item : op.items)
          if (!item.alias)
            sink_.error(ErrorCode::UnnamedItem, item.value.span, "`explode` needs a name for the element",
                        "no name")
                .with_help("name each element with `as`, for example `| explode split(line, \" \") as word`");
        break;
      case ast::OpKind::Aggregate:
        for (const auto& item : op.items)
          if (!item.alias)
            sink_.error(ErrorCode::UnnamedItem, item.value.span, "an aggregate needs a name", "no name")
                .with_help("name it with `as`, for example `count() as views`");
        break;
      case ast::OpKind::GroupBy:
        if (op.window) check_window(*op.window);
        break;
      case ast::OpKind::Process:
        for (const auto& field : op.state) check_type(field.type);
        for (const auto& handler : op.handlers) {
          check_handler_name(handler, query);
          check_block(handler.body);
        }
        break;
      default:
        break;
    }
  }

  void check_format(const ast::Identifier& format) {
    if (format.name != "json")
      sink_.error(ErrorCode::UnknownFormat, format.span, fmt::format("unknown record format `{}`", format.name),
                  "unknown format")
          .with_help("flow reads and writes `json` records");
  }

  //! A set is keyed state that `add` keeps free of repeats; a record's field is a list (a JSON
  //! array may hold a value twice).
  void check_no_set(const ast::TypeRef& type) {
    if (type.name.name == "set")
      sink_.error(ErrorCode::UnknownType, type.name.span, "a source field cannot be a `set`", "not a field type")
          .with_help("declare it as `list<…>`; sets are `process` state fields: `seen: set<string>(max 100)`");
    for (const auto& argument : type.arguments) check_no_set(argument);
  }

  void check_type(const ast::TypeRef& type) {
    const std::string& name = type.name.name;
    if (name == "list" || name == "set") {
      if (type.arguments.size() != 1) {
        sink_.error(ErrorCode::UnknownType, type.name.span, fmt::format("`{}` needs an element type", name),
                    "no element type")
            .with_help(fmt::format("write `{}<string>(max 20)`", name));
        return;
      }
      check_type(type.arguments.front());
      const ast::TypeRef& element = type.arguments.front();
      if (name == "set" && (element.name.name == "list" || element.name.name == "set" || element.nullable))
        sink_.error(ErrorCode::UnknownType, element.span,
                    fmt::format("a set holds non-null scalar values, not `{}{}`", element.name.name,
                                element.nullable ? "?" : ""),
                    "not a scalar")
            .with_help("write `set<string>(max 100)`: elements are int, float, bool, string, timestamp or duration");
      if (type.max_length && type.max_length->int_value <= 0)
        sink_.error(ErrorCode::InvalidListBound, type.max_length->span,
                    fmt::format("a {} bound must be positive, not {}", name, type.max_length->int_value),
                    "not positive")
            .with_help(fmt::format("write the most elements the {} keeps, for example `(max 20)`", name));
      return;
    }
    bool known = std::find(kScalarTypes.begin(), kScalarTypes.end(), name) != kScalarTypes.end();
    if (!known) {
      std::vector<std::string> candidates = kScalarTypes;
      candidates.push_back("list");
      candidates.push_back("set");
      sink_.error(ErrorCode::UnknownType, type.name.span, fmt::format("unknown type `{}`", name), "unknown type")
          .with_help(did_you_mean(name, candidates,
                                  "the types are int, float, bool, string, timestamp, duration, list<T>(max N) and "
                                  "set<T>(max N)"));
      return;
    }
    if (!type.arguments.empty() || type.max_length)
      sink_.error(ErrorCode::UnknownType, type.span, fmt::format("type `{}` takes no arguments", name),
                  "only `list` and `set` have an element type and a bound")
          .with_help(fmt::format("write `{}{}`", name, type.nullable ? "?" : ""));
  }

  void check_window(const ast::Window& window) {
    for (const auto& shape : kWindows) {
      if (window.kind.name != shape.kind) continue;
      if (window.arguments.size() != shape.arguments)
        sink_.error(ErrorCode::UnknownWindow, window.span,
                    fmt::format("`{}` takes {} argument{}, not {}", shape.kind, shape.arguments,
                                shape.arguments == 1 ? "" : "s", window.arguments.size()),
                    "wrong number of arguments")
            .with_help(fmt::format("write `window {}`", shape.usage));
      return;
    }
    sink_.error(ErrorCode::UnknownWindow, window.kind.span, fmt::format("unknown window `{}`", window.kind.name),
                "unknown window")
        .with_help(did_you_mean(window.kind.name, {"tumbling", "hopping", "session"},
                                "the windows are tumbling(size), hopping(size, slide) and session(gap)"));
  }

  void check_handler_name(const ast::Handler& handler, const ast::QueryDecl& query) {
    const std::string& name = handler.event.name;
    std::vector<std::string> allowed = {"event", "timeout"};
    for (const auto& input : query.inputs) allowed.push_back(input.source.name);
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) return;
    sink_.error(ErrorCode::UnknownHandler, handler.event.span,
                fmt::format("`on {}` is not a handler of query `{}`", name, query.name.name), "unknown handler")
        .with_help(did_you_mean(name, allowed,
                                "handlers are `on event`, `on timeout` and `on SOURCE` for a source in `from`"));
  }

  void check_block(const std::vector<ast::Stmt>& body) {
    for (const auto& statement : body) {
      switch (statement.kind) {
        case ast::StmtKind::Assign:
        case ast::StmtKind::AddAssign:
        case ast::StmtKind::SubAssign:
          if (statement.target.kind != ast::ExprKind::Name && statement.target.kind != ast::ExprKind::Member)
            sink_.error(ErrorCode::InvalidAssignmentTarget, statement.target.span,
                        "the left side of an assignment must be a state field", "not assignable")
                .with_help("assign to a field of the keyed state, for example `state.count += 1`");
          break;
        case ast::StmtKind::Call:
          if (statement.value.kind != ast::ExprKind::Method)
            sink_.error(ErrorCode::ExpressionStatement, statement.value.span,
                        "this expression does nothing on its own", "value is not used")
                .with_help("a statement is `let`, an assignment, `if`, `emit`, `tally`, `clear state` or a call "
                           "such as `state.pages.append(url)`");
          break;
        case ast::StmtKind::If:
          check_block(statement.body);
          check_block(statement.else_body);
          break;
        case ast::StmtKind::For: check_block(statement.body); break;
        default:
          break;
      }
    }
  }

  DiagnosticSink& sink_;
};

}  // namespace

const std::vector<std::string>& known_source_options() {
  static const std::vector<std::string> options = {"partitions", "max_records_per_trigger", "max_record_bytes",
                                                   "event_time", "watermark",  "max_event_time_ahead",
                                                   "dead_letter", "late"};
  return options;
}

const std::vector<std::string>& known_table_options() {
  // No `late`: a table row is never dropped as late (a later one replaces it whenever it comes).
  static const std::vector<std::string> options = {"partitions", "key", "max_rows", "ttl", "history",
                                                   "max_records_per_trigger", "max_record_bytes", "event_time",
                                                   "watermark", "max_event_time_ahead", "dead_letter"};
  return options;
}

void check_syntax(const ast::Program& program, const SourceFile&, DiagnosticSink& sink) {
  SyntaxChecker(sink).check(program);
}

}  // namespace flow::compiler::syntax
