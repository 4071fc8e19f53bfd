// The abstract syntax tree of a `.flow` file. Every node carries the Span of source text it came
// from, so later stages (checks, plan, codegen) can point at it in a diagnostic. Nodes are plain
// value types; the tree owns no iterators into the source text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/diagnostics/source_file.hpp"

namespace flow::compiler::ast {

struct Identifier {
  Span span;
  std::string name;

  bool operator==(const Identifier& other) const { return name == other.name; }
};

// ---------------------------------------------------------------------------------------------
// Expressions: one node type with a kind, because every kind is small and passes share walkers.
// ---------------------------------------------------------------------------------------------

enum class ExprKind : uint8_t {
  Int,       //!< text = digits as written, int_value = value
  Float,     //!< text = as written, float_value = value
  String,    //!< text = decoded value
  Bool,      //!< int_value = 0 or 1
  Null,
  Duration,  //!< text = as written ("30s"), int_value = milliseconds
  Name,      //!< text = identifier (a field, a `let`, a `for` variable, `key`, `state`)
  Member,    //!< children[0].text; text = member name
  Call,      //!< text = function; children = arguments
  Method,    //!< children[0] = receiver, children[1..] = arguments; text = method name
  Index,     //!< children[0][children[1]]: a list's element, 0-based
  Unary,     //!< text = "-" or "not"; children[0]
  Binary,    //!< text = operator; children[0], children[1]
  If,        //!< children = condition, then, else
  Record,    //!< field_names[i] names children[i]
};

struct Expr {
  ExprKind kind = ExprKind::Null;
  Span span;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  std::vector<Expr> children;
  std::vector<Identifier> field_names;
  uint32_t height = 1;  //!< longest path to a leaf; the parser bounds it so no pass recurses too deep

  //! Structural equality: same shape and values, spans ignored (fmt round-trips compare this).
  bool operator==(const Expr& other) const {
    return kind == other.kind && text == other.text && int_value == other.int_value &&
           (float_value == other.float_value) && children == other.children && field_names == other.field_names;
  }
};

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

struct TypeRef {
  Span span;
  Identifier name;                   //!< int, float, bool, string, timestamp, duration, list, set
  std::vector<TypeRef> arguments;    //!< list<T>, set<T>: one argument
  std::optional<Expr> max_length;    //!< list<T>(max N), set<T>(max N)
  bool nullable = false;             //!< T?

  bool operator==(const TypeRef& o) const {
    return name == o.name && arguments == o.arguments && max_length == o.max_length && nullable == o.nullable;
  }
};

struct FieldDecl {
  Span span;
  Identifier name;
  TypeRef type;
  bool operator==(const FieldDecl& o) const { return name == o.name && type == o.type; }
};

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

struct SourceOption {
  Span span;
  Identifier name;
  Expr value;
  bool operator==(const SourceOption& o) const { return name == o.name && value == o.value; }
};

//! `source …` and `table …` (a table: the latest row per key of a topic, read by `join`).
struct SourceDecl {
  Span span;
  bool table = false;
  Identifier name;
  Expr topic;  //!< a String expression
  Identifier format;
  std::vector<FieldDecl> fields;
  std::vector<SourceOption> options;
  bool operator==(const SourceDecl& o) const {
    return table == o.table && name == o.name && topic == o.topic && format == o.format && fields == o.fields &&
           options == o.options;
  }
};

struct SinkDecl {
  Span span;
  Identifier name;
  Identifier kind;             //!< kafka or stdout
  std::optional<Expr> topic;   //!< kafka only
  std::optional<Identifier> format;
  bool operator==(const SinkDecl& o) const {
    return name == o.name && kind == o.kind && topic == o.topic && format == o.format;
  }
};

struct MetricDecl {
  Span span;
  Identifier name;
  bool operator==(const MetricDecl& o) const { return name == o.name; }
};

// Statements inside `process` handlers.
enum class StmtKind : uint8_t {
  Let,         //!< let name = value
  Assign,      //!< target = value
  AddAssign,   //!< target += value
  SubAssign,   //!< target -= value
  If,          //!< if value { body } else { else_body }
  Emit,        //!< emit value
  ClearState,  //!< clear state
  Tally,       //!< tally metric
  Call,        //!< value is a method call such as state.pages.append(x)
  For,         //!< for name in value { body }
};

struct Stmt {
  StmtKind kind = StmtKind::Call;
  Span span;
  Identifier name;  //!< Let: the new name; For: the element's name; Tally: the metric
  Expr target;      //!< assignments
  Expr value;
  std::vector<Stmt> body;
  std::vector<Stmt> else_body;
  bool has_else = false;

  bool operator==(const Stmt& o) const {
    return kind == o.kind && name == o.name && target == o.target && value == o.value && body == o.body &&
           else_body == o.else_body && has_else == o.has_else;
  }
};

struct Handler {
  Span span;
  Identifier event;  //!< `event`, `timeout` or a source name
  std::vector<Stmt> body;
  bool operator==(const Handler& o) const { return event == o.event && body == o.body; }
};

struct StateField {
  Span span;
  Identifier name;
  TypeRef type;
  std::optional<Expr> initial;
  bool operator==(const StateField& o) const { return name == o.name && type == o.type && initial == o.initial; }
};

//! `select` and `aggregate` items: `name`, or `expression as name`.
struct NamedExpr {
  Span span;
  Expr value;
  std::optional<Identifier> alias;
  bool operator==(const NamedExpr& o) const { return value == o.value && alias == o.alias; }
};

struct Window {
  Span span;
  Identifier kind;  //!< tumbling, hopping or session
  std::vector<Expr> arguments;
  bool processing_time = false;  //!< `… in processing time`: windows of the wall clock
  bool operator==(const Window& o) const {
    return kind == o.kind && arguments == o.arguments && processing_time == o.processing_time;
  }
};

//! `top N by EXPR [asc|desc], …`: one ordering value and its direction.
struct OrderItem {
  Span span;
  Expr value;
  bool descending = false;  //!< `desc`; `asc` or nothing: ascending
  bool operator==(const OrderItem& o) const { return value == o.value && descending == o.descending; }
};

enum class OpKind : uint8_t { Where, Select, Tally, Explode, KeyBy, GroupBy, Aggregate, Emit, Process, Into, Top, Join };

//! One `| operator` of a query pipeline. Fields unused by a kind stay empty.
struct Operator {
  OpKind kind = OpKind::Where;
  Span span;
  std::optional<Expr> condition;     //!< where; tally ... when
  std::vector<Expr> keys;            //!< key by (one), group by (one or more), join … on (one, or two: `L = R`)
  std::vector<NamedExpr> items;      //!< select, aggregate; explode: one (the list `as` the element)
  Identifier target;                 //!< tally: the metric; into: the sink; emit: final or changes; join: the table
  std::optional<Window> window;      //!< group by ... window
  std::vector<StateField> state;     //!< process
  std::optional<Expr> timeout;       //!< process ... timeout D
  bool processing_time = false;      //!< process ... timeout D in processing time
  std::vector<Handler> handlers;     //!< process
  std::optional<Expr> limit;         //!< top N
  std::vector<OrderItem> order;      //!< top N by …
  bool left = false;                 //!< `left join`
  bool full = false;                 //!< `full join`
  //! `join STREAM within …`: how long before and after a record's event time the other stream's
  //! records match (durations; `within D` is D both ways, `within D before`/`after` one way).
  std::optional<Expr> within_before;
  std::optional<Expr> within_after;

  bool operator==(const Operator& o) const {
    return kind == o.kind && condition == o.condition && keys == o.keys && items == o.items &&
           target == o.target && window == o.window && state == o.state && timeout == o.timeout &&
           processing_time == o.processing_time && handlers == o.handlers && limit == o.limit && order == o.order &&
           left == o.left && full == o.full && within_before == o.within_before && within_after == o.within_after;
  }
};

//! `from clicks key by user`
struct QueryInput {
  Span span;
  Identifier source;
  std::optional<Expr> key;
  bool operator==(const QueryInput& o) const { return source == o.source && key == o.key; }
};

struct QueryDecl {
  Span span;
  Identifier name;
  std::vector<QueryInput> inputs;
  std::vector<Operator> operators;
  bool operator==(const QueryDecl& o) const {
    return name == o.name && inputs == o.inputs && operators == o.operators;
  }
};

//! A top-level declaration.
using Declaration = std::variant<SourceDecl, SinkDecl, MetricDecl, QueryDecl>;

inline Span span_of(const Declaration& declaration) {
  return std::visit([](const auto& d) { return d.span; }, declaration);
}

struct Comment {
  Span span;  //!< from `//` to the end of the line
};

struct Program {
  std::vector<Declaration> declarations;
  std::vector<Comment> comments;
  bool operator==(const Program& o) const { return declarations == o.declarations; }
};

}  // namespace flow::compiler::ast
