// The grammar of `.flow` files, written with Boost.Spirit X3. Every rule carries its EBNF as a
// comment and a name in words: when an expectation (`>`) fails, that name is what the user reads
// ("expected `{`", "expected an expression"), so names are phrased for people, not for grammarians.
// AST nodes are built by semantic actions; the source span of each node is set when its rule
// succeeds (annotate_span).
#include "compiler/syntax/grammar.hpp"

#include <boost/fusion/include/at_c.hpp>
#include <boost/spirit/home/x3.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>

namespace flow::compiler::syntax {

namespace x3 = boost::spirit::x3;
using boost::fusion::at_c;

namespace {

// =============================================================================================
// Parse state, errors raised from inside the grammar, span annotation
// =============================================================================================

struct ParseState {
  const char* begin = nullptr;
  const std::vector<ast::Comment>* comments = nullptr;  //!< the file's comments, in order
  uint32_t depth = 0;     //!< open expressions, types, blocks and statements
  uint32_t else_ifs = 0;  //!< open `else if` links of if-statement chains
};
struct parse_state_tag;

//! An error found inside a token (a bad escape, a number too large, nesting too deep). Thrown
//! from a semantic action and turned into a diagnostic by parse_declaration.
struct TokenError {
  const char* where;
  ErrorCode code;
  std::string message;
  const char* end = nullptr;  //!< end of the offending token, when it is longer than one character
  std::string help;
};

constexpr const char* kNestingHelp = "split the expression with `let` bindings or simplify it";

template <typename Context>
ParseState& state_of(const Context& context) {
  return *x3::get<parse_state_tag>(context);
}

template <typename Context>
Span span_between(const Context& context, const char* first, const char* last) {
  const char* base = state_of(context).begin;
  return {static_cast<uint32_t>(first - base), static_cast<uint32_t>(last - base)};
}

//! Moves `last` back over blanks and `//` comments, to just after the last token. The comments
//! were found once for the whole file: rescanning `last`'s line for each node's span made parsing
//! quadratic in the length of a line.
const char* trim_end(const char* text_begin, const std::vector<ast::Comment>& comments, const char* last) {
  while (true) {
    while (last > text_begin && std::isspace(static_cast<unsigned char>(last[-1]))) --last;
    const auto at = static_cast<uint32_t>(last - text_begin);
    // The last comment whose `//` lies wholly before `last`; `last` is inside it unless a line
    // break came between (a comment's span ends before its line break, blanks trimmed).
    auto after = std::partition_point(comments.begin(), comments.end(),
                                      [at](const ast::Comment& c) { return c.span.begin + 1 < at; });
    if (after == comments.begin() || at > std::prev(after)->span.end) return last;
    last = text_begin + std::prev(after)->span.begin;
  }
}

//! Where the string literal still open at `where` began (strings never span lines, so scanning
//! `where`'s line from its start finds it).
const char* opening_quote(const char* text_begin, const char* where) {
  const char* line = where;
  while (line > text_begin && line[-1] != '\n') --line;
  const char* quote = line;
  bool in_string = false;
  for (const char* p = line; p < where; ++p) {
    if (in_string) {
      if (*p == '\\') ++p;
      else if (*p == '"') in_string = false;
    } else if (*p == '"') {
      in_string = true;
      quote = p;
    }
  }
  return quote;
}

//! Length of the UTF-8 sequence that starts with `lead` (the parser has already checked the text).
uint32_t utf8_length(char lead) {
  unsigned char c = static_cast<unsigned char>(lead);
  return c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
}

//! Rule IDs derive from this: a successful rule stores its source range in the node's `span`.
struct annotate_span {
  template <typename Iterator, typename Node, typename Context>
  void on_success(const Iterator& first, const Iterator& last, Node& node, const Context& context) const {
    if constexpr (requires { node.span; }) {
      // `first` is where the rule was entered, before blanks and comments were skipped; `last`
      // may lie past blanks and comments that a failed optional tail skipped over.
      Iterator begin = first;
      x3::skip_over(begin, last, context);
      const ParseState& state = state_of(context);
      node.span = span_between(context, begin, std::max(begin, trim_end(state.begin, *state.comments, last)));
    }
  }
};

//! What a nesting_guard counts, and what the user reads when there is too much of it.
struct NestingLimit {
  uint32_t ParseState::*counter;
  const char* message;  //!< `{}` stands for kMaxNesting
  const char* help;
};
constexpr NestingLimit kNestedBlocks{&ParseState::depth, "expressions or blocks are nested more than {} deep",
                                     kNestingHelp};
constexpr NestingLimit kElseIfChain{&ParseState::else_ifs, "an `if` statement has more than {} `else if` branches",
                                    "split the chain: handle some of the cases in an `if` of their own"};

//! Wraps the recursive rules so that `((((…))))` ten thousand deep is an error, not a crash.
template <typename Subject>
struct nesting_guard : x3::unary_parser<Subject, nesting_guard<Subject>> {
  using base_type = x3::unary_parser<Subject, nesting_guard<Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;
  constexpr nesting_guard(const Subject& subject, const NestingLimit* limit) : base_type(subject), limit(limit) {}

  template <typename Iterator, typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext& rcontext,
             Attribute& attribute) const {
    uint32_t& count = state_of(context).*(limit->counter);
    if (count >= kMaxNesting)
      throw TokenError{first, ErrorCode::NestingTooDeep, fmt::format(fmt::runtime(limit->message), kMaxNesting),
                       nullptr, limit->help};
    ++count;
    struct Leave {
      uint32_t& count;
      ~Leave() { --count; }
    } leave{count};
    return this->subject.parse(first, last, context, rcontext, attribute);
  }

  const NestingLimit* limit;
};

struct nesting_guard_generator {
  const NestingLimit* limit;
  template <typename Subject>
  constexpr nesting_guard<typename x3::extension::as_parser<Subject>::value_type> operator[](
      const Subject& subject) const {
    return {x3::as_parser(subject), limit};
  }
};
constexpr nesting_guard_generator guard_nesting{&kNestedBlocks};
//! An `else if` chain nests one level deeper in the tree for each link.
constexpr nesting_guard_generator guard_else_if{&kElseIfChain};

// =============================================================================================
// Tokens. Each is a named rule so an expectation failure reads "expected `{`".
// =============================================================================================

// Character classes spelt out as ASCII sets: Spirit's `standard` classes call <cctype> with a
// plain `char`, which is undefined (and asserts) for the bytes of UTF-8 text above 0x7f.
auto const digit = x3::char_("0-9");
auto const letter = x3::char_("a-zA-Z_");
auto const ident_char = x3::char_("a-zA-Z0-9_");
auto const blank = x3::char_(" \t\r\n\f\v");

#define FLOW_TOKEN(var, text) auto const var = x3::rule<struct var##_id>{"`" text "`"} = x3::lit(text);
FLOW_TOKEN(lbrace, "{")
FLOW_TOKEN(rbrace, "}")
FLOW_TOKEN(lparen, "(")
FLOW_TOKEN(rparen, ")")
FLOW_TOKEN(rbracket, "]")
FLOW_TOKEN(langle, "<")
FLOW_TOKEN(rangle, ">")
FLOW_TOKEN(colon, ":")
FLOW_TOKEN(semicolon, ";")
FLOW_TOKEN(equals, "=")
#undef FLOW_TOKEN

#define FLOW_KEYWORD(var, word) \
  auto const var = x3::rule<struct var##_id>{"`" word "`"} = x3::lexeme[x3::lit(word) >> !ident_char];
FLOW_KEYWORD(kw_source, "source")
FLOW_KEYWORD(kw_table, "table")
FLOW_KEYWORD(kw_join, "join")
FLOW_KEYWORD(kw_left, "left")
FLOW_KEYWORD(kw_full, "full")
FLOW_KEYWORD(kw_within, "within")
FLOW_KEYWORD(kw_before, "before")
FLOW_KEYWORD(kw_after, "after")
FLOW_KEYWORD(kw_sink, "sink")
FLOW_KEYWORD(kw_metric, "metric")
FLOW_KEYWORD(kw_query, "query")
FLOW_KEYWORD(kw_from, "from")
FLOW_KEYWORD(kw_kafka, "kafka")
FLOW_KEYWORD(kw_stdout, "stdout")
FLOW_KEYWORD(kw_as, "as")
FLOW_KEYWORD(kw_with, "with")
FLOW_KEYWORD(kw_to, "to")
FLOW_KEYWORD(kw_key, "key")
FLOW_KEYWORD(kw_by, "by")
FLOW_KEYWORD(kw_where, "where")
FLOW_KEYWORD(kw_select, "select")
FLOW_KEYWORD(kw_tally, "tally")
FLOW_KEYWORD(kw_explode, "explode")
FLOW_KEYWORD(kw_when, "when")
FLOW_KEYWORD(kw_group, "group")
FLOW_KEYWORD(kw_window, "window")
FLOW_KEYWORD(kw_aggregate, "aggregate")
FLOW_KEYWORD(kw_emit, "emit")
FLOW_KEYWORD(kw_final, "final")
FLOW_KEYWORD(kw_changes, "changes")
FLOW_KEYWORD(kw_process, "process")
FLOW_KEYWORD(kw_state, "state")
FLOW_KEYWORD(kw_timeout, "timeout")
FLOW_KEYWORD(kw_in, "in")
FLOW_KEYWORD(kw_processing, "processing")
FLOW_KEYWORD(kw_time, "time")
FLOW_KEYWORD(kw_on, "on")
FLOW_KEYWORD(kw_into, "into")
FLOW_KEYWORD(kw_let, "let")
FLOW_KEYWORD(kw_if, "if")
FLOW_KEYWORD(kw_then, "then")
FLOW_KEYWORD(kw_else, "else")
FLOW_KEYWORD(kw_clear, "clear")
FLOW_KEYWORD(kw_and, "and")
FLOW_KEYWORD(kw_or, "or")
FLOW_KEYWORD(kw_not, "not")
FLOW_KEYWORD(kw_true, "true")
FLOW_KEYWORD(kw_false, "false")
FLOW_KEYWORD(kw_null, "null")
FLOW_KEYWORD(kw_max, "max")
FLOW_KEYWORD(kw_top, "top")
FLOW_KEYWORD(kw_asc, "asc")
FLOW_KEYWORD(kw_desc, "desc")
FLOW_KEYWORD(kw_for, "for")
#undef FLOW_KEYWORD

// Words that can never name a field, source or variable.
bool is_reserved(std::string_view word) {
  static constexpr std::string_view reserved[] = {"and", "or",   "not",  "if", "then",
                                                  "else", "true", "false", "null", "as"};
  for (auto r : reserved)
    if (r == word) return true;
  return false;
}

// The skipper: blanks and `//` comments.
auto const skipper = blank | x3::lexeme["//" >> *(x3::char_ - x3::eol)];

// =============================================================================================
// Rule declarations
// =============================================================================================

// Each rule comes in two layers. `name##_body` holds the definition with its semantic actions; X3
// parses a rule whose definition has actions without passing the attribute to on_success, so the
// outer `name` (no actions, attribute passed through) is where annotate_span records the span.
#define FLOW_RULE(name, Attribute, description)                       \
  struct name##_id : annotate_span {};                                \
  struct name##_body_id {};                                           \
  x3::rule<name##_id, Attribute> const name = description;            \
  x3::rule<name##_body_id, Attribute> const name##_body = description; \
  auto const name##_def = name##_body;

FLOW_RULE(identifier, ast::Identifier, "a name")
FLOW_RULE(expr, ast::Expr, "an expression")
FLOW_RULE(if_expr, ast::Expr, "an `if` expression")
FLOW_RULE(or_expr, ast::Expr, "an expression")
FLOW_RULE(and_expr, ast::Expr, "an expression")
FLOW_RULE(not_expr, ast::Expr, "an expression")
FLOW_RULE(compare_expr, ast::Expr, "an expression")
FLOW_RULE(add_expr, ast::Expr, "an expression")
FLOW_RULE(mul_expr, ast::Expr, "an expression")
FLOW_RULE(neg_expr, ast::Expr, "an expression")
FLOW_RULE(postfix_expr, ast::Expr, "an expression")
FLOW_RULE(primary_expr, ast::Expr, "an expression")
FLOW_RULE(call_arguments, std::vector<ast::Expr>, "`(`")
FLOW_RULE(duration_literal, ast::Expr, "a duration such as `30s`")
FLOW_RULE(float_literal, ast::Expr, "a number")
FLOW_RULE(int_literal, ast::Expr, "an integer")
FLOW_RULE(string_literal, ast::Expr, "a string in double quotes")
FLOW_RULE(record_literal, ast::Expr, "a record such as `{ a: x }`")
FLOW_RULE(name_or_call, ast::Expr, "a name")
FLOW_RULE(type, ast::TypeRef, "a type")
FLOW_RULE(field_decl, ast::FieldDecl, "a field such as `user: string`")
FLOW_RULE(field_list, std::vector<ast::FieldDecl>, "`{`")
FLOW_RULE(source_option, ast::SourceOption, "an option such as `partitions = 4`")
FLOW_RULE(option_list, std::vector<ast::SourceOption>, "`with`")
FLOW_RULE(source_decl, ast::SourceDecl, "a source")
FLOW_RULE(sink_target, ast::SinkDecl, "`kafka` or `stdout`")
FLOW_RULE(sink_decl, ast::SinkDecl, "a sink")
FLOW_RULE(metric_decl, ast::MetricDecl, "a metric")
FLOW_RULE(statement, ast::Stmt, "a statement")
FLOW_RULE(if_statement, ast::Stmt, "an `if` statement")
FLOW_RULE(block, std::vector<ast::Stmt>, "`{`")
FLOW_RULE(handler, ast::Handler, "a handler such as `on event { … }`")
FLOW_RULE(state_field, ast::StateField, "a state field such as `count: int = 0`")
FLOW_RULE(named_expr, ast::NamedExpr, "an expression")
FLOW_RULE(window, ast::Window, "a window such as `tumbling(1m)`")
FLOW_RULE(order_item, ast::OrderItem, "an expression to order by")
FLOW_RULE(operator_, ast::Operator,
          "an operator (`where`, `select`, `tally`, `explode`, `key by`, `group by`, `aggregate`, `top`, `emit`, `process`, "
          "`join` or `into`)")
FLOW_RULE(query_input, ast::QueryInput, "a source name")
FLOW_RULE(query_decl, ast::QueryDecl, "a query")
FLOW_RULE(declaration, ast::Declaration, "`source`, `table`, `sink`, `metric` or `query`")
#undef FLOW_RULE

// Named expectations for places where several things may follow.
auto const pipe_or_end = x3::rule<struct pipe_or_end_id>{"`|` or `}`"} = x3::lit('}');
auto const comma_or_brace = x3::rule<struct comma_or_brace_id>{"`,` or `}`"} = x3::lit('}');
auto const comma_or_paren = x3::rule<struct comma_or_paren_id>{"`,` or `)`"} = x3::lit(')');
auto const statement_or_end = x3::rule<struct statement_or_end_id>{"a statement or `}`"} = x3::lit('}');
auto const handler_or_end = x3::rule<struct handler_or_end_id>{"`on` or `}`"} = x3::lit('}');
auto const closing_quote = x3::rule<struct closing_quote_id>{"closing quote"} = x3::lit('"');
auto const escape_char =
    x3::rule<struct escape_char_id>{"escape"} = x3::char_("\"\\nrt");
// =============================================================================================
// Semantic actions
// =============================================================================================

//! X3 builds boost::optional; the AST holds std::optional.
template <typename T>
std::optional<T> to_std(boost::optional<T>& value) {
  if (value) return std::move(*value);
  return std::nullopt;
}

//! raw[] whose attribute is a plain iterator range, usable from a semantic action.
using SourceRange = boost::iterator_range<const char*>;
template <typename Parser>
auto as_range(const Parser& parser) {
  return x3::rule<struct as_range_id, SourceRange>{"token"} = x3::raw[parser];
}

auto const assign = [](auto& ctx) { x3::_val(ctx) = std::move(x3::_attr(ctx)); };

ast::Expr make_node(ast::ExprKind kind, std::string text, std::vector<ast::Expr> children, Span span) {
  ast::Expr node;
  node.kind = kind;
  node.text = std::move(text);
  node.span = span;
  for (const auto& child : children) node.height = std::max(node.height, child.height + 1);
  node.children = std::move(children);
  return node;
}

//! `op` is the operator that made `expr`, at `where` (blanks and comments may come first); a leaf
//! is 1 tall, so an expression is `height - 1` operators deep.
void check_height(const ast::Expr& expr, const char* where, const char* last, std::string_view op) {
  if (expr.height - 1 <= kMaxExpressionHeight) return;
  x3::parse(where, last, *skipper);
  throw TokenError{where, ErrorCode::NestingTooDeep,
                   "an expression is more than " + std::to_string(kMaxExpressionHeight) + " operators deep",
                   where + op.size(), kNestingHelp};
}

//! For `lhs op rhs` chains: folds the next operand into the node built so far (left associative).
auto fold_binary(const char* op) {
  return [op](auto& ctx) {
    ast::Expr& lhs = x3::_val(ctx);
    ast::Expr& rhs = x3::_attr(ctx);
    // The operator is the first token after the left operand (`_where` begins after the right one).
    const char* op_at = state_of(ctx).begin + lhs.span.end;
    Span span{lhs.span.begin, rhs.span.end};
    std::vector<ast::Expr> children;
    children.push_back(std::move(lhs));
    children.push_back(std::move(rhs));
    lhs = make_node(ast::ExprKind::Binary, op, std::move(children), span);
    check_height(lhs, op_at, x3::_where(ctx).end(), op);
  };
}

//! For prefix operators written any number of times (`not not x`, `- -x`): iterative, not recursive.
auto apply_prefix(const char* op) {
  return [op](auto& ctx) {
    auto& attribute = x3::_attr(ctx);
    const auto& prefixes = at_c<0>(attribute);
    ast::Expr operand = std::move(at_c<1>(attribute));
    if (prefixes.size() > kMaxNesting)
      throw TokenError{prefixes.front().begin(), ErrorCode::NestingTooDeep,
                       "more than " + std::to_string(kMaxNesting) + " `" + op + "` in a row", nullptr, kNestingHelp};
    for (auto it = prefixes.rbegin(); it != prefixes.rend(); ++it) {
      Span span{span_between(ctx, it->begin(), it->end()).begin, operand.span.end};
      std::vector<ast::Expr> children;
      children.push_back(std::move(operand));
      operand = make_node(ast::ExprKind::Unary, op, std::move(children), span);
      check_height(operand, it->begin(), it->end(), op);
    }
    x3::_val(ctx) = std::move(operand);
  };
}

std::string text_of(const auto& range) { return std::string(range.begin(), range.end()); }

// =============================================================================================
// Expressions
// =============================================================================================

// identifier ::= (letter | '_') (letter | digit | '_')*      -- not a reserved word
auto const identifier_body_def = x3::raw[x3::lexeme[letter >> *ident_char]][([](auto& ctx) {
  std::string word = text_of(x3::_attr(ctx));
  if (is_reserved(word))
    x3::_pass(ctx) = false;
  else
    x3::_val(ctx).name = std::move(word);
})];

// expr ::= if_expr | or_expr
auto const expr_body_def = guard_nesting[if_expr[assign] | or_expr[assign]];

// if_expr ::= 'if' expr 'then' expr 'else' expr
auto const if_expr_body_def = (kw_if > expr > kw_then > expr > kw_else > expr)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  std::vector<ast::Expr> children;
  children.push_back(std::move(at_c<0>(a)));
  children.push_back(std::move(at_c<1>(a)));
  children.push_back(std::move(at_c<2>(a)));
  x3::_val(ctx) = make_node(ast::ExprKind::If, "", std::move(children), {});
})];

// or_expr ::= and_expr ('or' and_expr)*
auto const or_expr_body_def = and_expr[assign] >> *((kw_or > and_expr)[fold_binary("or")]);

// and_expr ::= not_expr ('and' not_expr)*
auto const and_expr_body_def = not_expr[assign] >> *((kw_and > not_expr)[fold_binary("and")]);

// not_expr ::= 'not'* compare_expr
auto const not_expr_body_def = (*as_range(kw_not) >> compare_expr)[apply_prefix("not")];

// compare_expr ::= add_expr (('==' | '!=' | '<=' | '>=' | '<' | '>') add_expr)?
auto const compare_expr_body_def = add_expr[assign] >> -((x3::lit("==") > add_expr)[fold_binary("==")] |
                                                    (x3::lit("!=") > add_expr)[fold_binary("!=")] |
                                                    (x3::lit("<=") > add_expr)[fold_binary("<=")] |
                                                    (x3::lit(">=") > add_expr)[fold_binary(">=")] |
                                                    (x3::lit('<') > add_expr)[fold_binary("<")] |
                                                    (x3::lit('>') > add_expr)[fold_binary(">")]);

// add_expr ::= mul_expr (('+' | '-') mul_expr)*       -- `+=` and `-=` are statements, not operators
auto const add_expr_body_def = mul_expr[assign] >> *(((x3::lit('+') >> !x3::lit('=')) > mul_expr)[fold_binary("+")] |
                                                ((x3::lit('-') >> !x3::lit('=')) > mul_expr)[fold_binary("-")]);

// mul_expr ::= neg_expr (('*' | '/' | '%') neg_expr)*
auto const mul_expr_body_def = neg_expr[assign] >> *((x3::lit('*') > neg_expr)[fold_binary("*")] |
                                                (x3::lit('/') > neg_expr)[fold_binary("/")] |
                                                (x3::lit('%') > neg_expr)[fold_binary("%")]);

// neg_expr ::= '-'* postfix_expr
auto const neg_expr_body_def = (*as_range(x3::lit('-')) >> postfix_expr)[apply_prefix("-")];

// postfix_expr ::= primary_expr ('.' name call_arguments? | '[' expr ']')*
auto const member_suffix = (x3::lit('.') > identifier > -call_arguments)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  ast::Expr& receiver = x3::_val(ctx);
  ast::Identifier& member = at_c<0>(a);
  auto& arguments = at_c<1>(a);
  const char* dot_at = state_of(ctx).begin + receiver.span.end;
  Span span{receiver.span.begin, member.span.end};
  std::vector<ast::Expr> children;
  children.push_back(std::move(receiver));
  ast::ExprKind kind = ast::ExprKind::Member;
  if (arguments) {
    kind = ast::ExprKind::Method;
    for (auto& argument : *arguments) children.push_back(std::move(argument));
    span.end = static_cast<uint32_t>(x3::_where(ctx).end() - state_of(ctx).begin);
  }
  receiver = make_node(kind, std::move(member.name), std::move(children), span);
  check_height(receiver, dot_at, x3::_where(ctx).end(), ".");
})];
auto const index_suffix = (x3::lit('[') > expr > rbracket)[([](auto& ctx) {
  ast::Expr& list = x3::_val(ctx);
  const char* bracket_at = state_of(ctx).begin + list.span.end;
  Span span{list.span.begin, static_cast<uint32_t>(x3::_where(ctx).end() - state_of(ctx).begin)};
  std::vector<ast::Expr> children;
  children.push_back(std::move(list));
  children.push_back(std::move(x3::_attr(ctx)));
  list = make_node(ast::ExprKind::Index, "", std::move(children), span);
  check_height(list, bracket_at, x3::_where(ctx).end(), "[");
})];
// Each suffix changes the rule's value in its action; omit[] keeps its own attribute out of it.
auto const postfix_expr_body_def = primary_expr[assign] >> *(x3::omit[member_suffix] | x3::omit[index_suffix]);

// call_arguments ::= '(' (expr (',' expr)*)? ')'
auto const call_arguments_body_def = x3::lit('(') > -(expr % ',') > comma_or_paren;

// primary_expr ::= duration | float | int | string | 'true' | 'false' | 'null' | record
//                | '(' expr ')' | name call_arguments?
auto const primary_expr_body_def =
    duration_literal[assign] | float_literal[assign] | int_literal[assign] | string_literal[assign] |
    kw_true[([](auto& ctx) { x3::_val(ctx) = make_node(ast::ExprKind::Bool, "", {}, {}), x3::_val(ctx).int_value = 1; })] |
    kw_false[([](auto& ctx) { x3::_val(ctx) = make_node(ast::ExprKind::Bool, "", {}, {}); })] |
    kw_null[([](auto& ctx) { x3::_val(ctx) = make_node(ast::ExprKind::Null, "", {}, {}); })] |
    record_literal[assign] | (x3::lit('(') > expr > rparen)[assign] | name_or_call[assign];

// duration ::= digits ('ms' | 's' | 'm' | 'h' | 'd')
struct duration_units_ : x3::symbols<int64_t> {
  duration_units_() { add("ms", 1)("s", 1000)("m", 60'000)("h", 3'600'000)("d", 86'400'000); }
} const duration_units;

auto const duration_literal_body_def =
    x3::raw[x3::lexeme[+digit >> duration_units >> !ident_char]][([](auto& ctx) {
      std::string text = text_of(x3::_attr(ctx));
      size_t digits = text.find_first_not_of("0123456789");
      int64_t amount = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + digits, amount);
      static const std::pair<std::string_view, int64_t> units[] = {
          {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
      int64_t unit = 1;
      for (auto [name, ms] : units)
        if (name == std::string_view(text).substr(digits)) unit = ms;
      (void)end;
      if (error != std::errc() || amount > INT64_MAX / unit)
        throw TokenError{x3::_attr(ctx).begin(), ErrorCode::IntegerOutOfRange,
                         "duration `" + text + "` is too long to represent in milliseconds", x3::_attr(ctx).end(),
                         "durations are counted in milliseconds, at most 9223372036854775807 (about 292 "
                         "million years)"};
      ast::Expr node = make_node(ast::ExprKind::Duration, text, {}, {});
      node.int_value = amount * unit;
      x3::_val(ctx) = std::move(node);
    })];

// float ::= digits '.' digits (('e' | 'E') ('+' | '-')? digits)?
auto const float_literal_body_def =
    x3::raw[x3::lexeme[+digit >> '.' >> +digit >>
                       -((x3::lit('e') | 'E') >> -(x3::lit('+') | '-') >> +digit) >> !ident_char]]
           [([](auto& ctx) {
             std::string text = text_of(x3::_attr(ctx));
             ast::Expr node = make_node(ast::ExprKind::Float, text, {}, {});
             node.float_value = std::strtod(text.c_str(), nullptr);
             if (!std::isfinite(node.float_value))
               throw TokenError{x3::_attr(ctx).begin(), ErrorCode::IntegerOutOfRange,
                                "number `" + text + "` is too large for a float", x3::_attr(ctx).end(),
                                "floats are 64-bit: the largest is about 1.8e308"};
             x3::_val(ctx) = std::move(node);
           })];

// int ::= digits
auto const int_literal_body_def = x3::raw[x3::lexeme[+digit >> !ident_char]][([](auto& ctx) {
  std::string text = text_of(x3::_attr(ctx));
  ast::Expr node = make_node(ast::ExprKind::Int, text, {}, {});
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), node.int_value);
  (void)end;
  if (error != std::errc())
    throw TokenError{x3::_attr(ctx).begin(), ErrorCode::IntegerOutOfRange,
                     "integer `" + text + "` does not fit in 64 bits", x3::_attr(ctx).end(),
                     "integers are 64-bit: between -9223372036854775808 and 9223372036854775807"};
  x3::_val(ctx) = std::move(node);
})];

// string ::= '"' (escape | any character but '"', '\' or a line break)* '"'
// escape ::= '\' ('"' | '\' | 'n' | 'r' | 't')
auto const string_literal_body_def =
    x3::raw[x3::lexeme['"' >> *((x3::lit('\\') > escape_char) | (x3::char_ - x3::char_("\"\\\n"))) > closing_quote]]
           [([](auto& ctx) {
             auto range = x3::_attr(ctx);
             std::string decoded;
             for (auto it = range.begin() + 1; it + 1 < range.end(); ++it) {
               if (*it != '\\') {
                 decoded += *it;
                 continue;
               }
               ++it;
               switch (*it) {
                 case 'n': decoded += '\n'; break;
                 case 'r': decoded += '\r'; break;
                 case 't': decoded += '\t'; break;
                 default: decoded += *it; break;
               }
             }
             x3::_val(ctx) = make_node(ast::ExprKind::String, std::move(decoded), {}, {});
           })];

// record ::= '{' (record_field (',' record_field)* ','?)? '}'
// record_field ::= name (':' expr)?                  -- `{ user }` is short for `{ user: user }`
auto const record_field = identifier >> -(x3::lit(':') > expr);
auto const record_literal_body_def = (x3::lit('{') > -(record_field % ',') > -x3::lit(',') > comma_or_brace)[([](auto& ctx) {
  ast::Expr node = make_node(ast::ExprKind::Record, "", {}, {});
  if (auto& fields = x3::_attr(ctx)) {
    for (auto& field : *fields) {
      ast::Identifier& name = at_c<0>(field);
      if (auto& value = at_c<1>(field)) {
        node.height = std::max(node.height, value->height + 1);
        node.children.push_back(std::move(*value));
      } else {
        ast::Expr shorthand = make_node(ast::ExprKind::Name, name.name, {}, name.span);
        node.children.push_back(std::move(shorthand));
      }
      node.field_names.push_back(std::move(name));
    }
  }
  node.height = std::max<uint32_t>(node.height, 2);
  x3::_val(ctx) = std::move(node);
})];

// name_or_call ::= name call_arguments?
auto const name_or_call_body_def = (identifier >> -call_arguments)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  ast::Identifier& name = at_c<0>(a);
  if (auto& arguments = at_c<1>(a))
    x3::_val(ctx) = make_node(ast::ExprKind::Call, std::move(name.name), std::move(*arguments), {});
  else
    x3::_val(ctx) = make_node(ast::ExprKind::Name, std::move(name.name), {}, {});
})];

// =============================================================================================
// Types and declarations
// =============================================================================================

// type ::= name ('<' type '>')? ('(' 'max' int ')')? '?'?
auto const type_body_def = guard_nesting[(identifier >> -(x3::lit('<') > type > rangle) >>
                                     -(x3::lit('(') > kw_max > int_literal > rparen) >>
                                     x3::matches[x3::lit('?')])[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  ast::TypeRef& t = x3::_val(ctx);
  t.name = std::move(at_c<0>(a));
  if (auto& argument = at_c<1>(a)) t.arguments.push_back(std::move(*argument));
  t.max_length = to_std(at_c<2>(a));
  t.nullable = at_c<3>(a);
})]];

// field_decl ::= name ':' type
auto const field_decl_body_def = (identifier > colon > type)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).name = std::move(at_c<0>(a));
  x3::_val(ctx).type = std::move(at_c<1>(a));
})];

// field_list ::= '{' (field_decl (',' field_decl)* ','?)? '}'
auto const field_list_body_def = x3::lit('{') > -(field_decl % ',') > -x3::lit(',') > comma_or_brace;

// source_option ::= name '=' expr
auto const source_option_body_def = (identifier > equals > expr)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).name = std::move(at_c<0>(a));
  x3::_val(ctx).value = std::move(at_c<1>(a));
})];

// option_list ::= 'with' '(' (source_option (',' source_option)* ','?)? ')'
auto const option_list_body_def = kw_with > lparen > -(source_option % ',') > -x3::lit(',') > comma_or_paren;

// source_decl ::= ('source' | 'table') name 'from' 'kafka' string 'as' name field_list option_list? ';'
auto const source_decl_body_def = (as_range(kw_source | kw_table) > identifier > kw_from > kw_kafka > string_literal >
                                   kw_as > identifier > field_list > -option_list > semicolon)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  ast::SourceDecl& s = x3::_val(ctx);
  s.table = *at_c<0>(a).begin() == 't';
  s.name = std::move(at_c<1>(a));
  s.topic = std::move(at_c<2>(a));
  s.format = std::move(at_c<3>(a));
  s.fields = std::move(at_c<4>(a));
  if (auto& options = at_c<5>(a)) s.options = std::move(*options);
})];

// sink_target ::= 'kafka' string 'as' name | 'stdout'
auto const sink_target_body_def =
    as_range(kw_stdout)[([](auto& ctx) {
      auto range = x3::_attr(ctx);
      x3::_val(ctx).kind = {span_between(ctx, range.begin(), range.end()), "stdout"};
    })] |
    (as_range(kw_kafka) > string_literal > kw_as > identifier)[([](auto& ctx) {
      auto& a = x3::_attr(ctx);
      auto range = at_c<0>(a);
      x3::_val(ctx).kind = {span_between(ctx, range.begin(), range.end()), "kafka"};
      x3::_val(ctx).topic = std::move(at_c<1>(a));
      x3::_val(ctx).format = std::move(at_c<2>(a));
    })];

// sink_decl ::= 'sink' name 'to' sink_target ';'
auto const sink_decl_body_def = (kw_sink > identifier > kw_to > sink_target > semicolon)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx) = std::move(at_c<1>(a));
  x3::_val(ctx).name = std::move(at_c<0>(a));
})];

// metric_decl ::= 'metric' name ';'
auto const metric_decl_body_def = (kw_metric > identifier > semicolon)[([](auto& ctx) {
  x3::_val(ctx).name = std::move(x3::_attr(ctx));
})];

// =============================================================================================
// Statements (inside `process` handlers)
// =============================================================================================

// block ::= '{' statement* '}'
// Not guarded itself: every block nests inside a statement, which is.
auto const block_body_def = x3::lit('{') > *statement > statement_or_end;

auto make_statement(ast::StmtKind kind) {
  return [kind](auto& ctx) { x3::_val(ctx).kind = kind; };
}

// if_statement ::= 'if' expr block ('else' (if_statement | block))?
// Only an `else if` counts against the chain's limit: a final `else { … }` is no link.
auto const if_statement_body_def =
    (kw_if > expr > block > -(kw_else > ((&kw_if >> guard_else_if[if_statement]) | block)))[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  ast::Stmt& s = x3::_val(ctx);
  s.kind = ast::StmtKind::If;
  s.value = std::move(at_c<0>(a));
  s.body = std::move(at_c<1>(a));
  if (auto& otherwise = at_c<2>(a)) {
    s.has_else = true;
    if (auto* nested = boost::get<ast::Stmt>(&*otherwise))
      s.else_body.push_back(std::move(*nested));
    else
      s.else_body = std::move(boost::get<std::vector<ast::Stmt>>(*otherwise));
  }
})];

// assignment_or_call ::= postfix_expr (('=' | '+=' | '-=') expr)?    -- but never `on name {`:
// that starts the next handler, so a block missing its `}` ends there with "expected `}`".
auto const handler_start = kw_on >> identifier >> x3::lit('{');
auto const assignment_operator =
    x3::rule<struct assignment_operator_id, ast::StmtKind>{"`=`, `+=` or `-=`"} =
        (x3::lit("+=") >> x3::attr(ast::StmtKind::AddAssign)) | (x3::lit("-=") >> x3::attr(ast::StmtKind::SubAssign)) |
        ((x3::lit('=') >> !x3::lit('=')) >> x3::attr(ast::StmtKind::Assign));

auto const assignment_or_call =
    x3::rule<struct assignment_or_call_id, ast::Stmt>{"a statement"} =
        !handler_start >> postfix_expr[([](auto& ctx) {
          x3::_val(ctx).kind = ast::StmtKind::Call;
          x3::_val(ctx).value = std::move(x3::_attr(ctx));
        })] >>
        -(assignment_operator > expr)[([](auto& ctx) {
          ast::Stmt& s = x3::_val(ctx);
          s.kind = at_c<0>(x3::_attr(ctx));
          s.target = std::move(s.value);
          s.value = std::move(at_c<1>(x3::_attr(ctx)));
        })];

// for_statement ::= 'for' name 'in' expr block     -- `for` is contextual: `for` alone is a name
auto const for_statement =
    x3::rule<struct for_statement_id, ast::Stmt>{"a `for` statement"} =
        (kw_for >> identifier >> kw_in > expr > block)[([](auto& ctx) {
          auto& a = x3::_attr(ctx);
          ast::Stmt& s = x3::_val(ctx);
          s.kind = ast::StmtKind::For;
          s.name = std::move(at_c<0>(a));
          s.value = std::move(at_c<1>(a));
          s.body = std::move(at_c<2>(a));
        })];

// statement ::= ( 'let' name '=' expr | if_statement | for_statement | 'emit' expr | 'clear' 'state'
//               | 'tally' name | assignment_or_call ) ';'?
auto const statement_body_def =
    guard_nesting[(kw_let > identifier > equals > expr)[([](auto& ctx) {
                    auto& a = x3::_attr(ctx);
                    x3::_val(ctx).kind = ast::StmtKind::Let;
                    x3::_val(ctx).name = std::move(at_c<0>(a));
                    x3::_val(ctx).value = std::move(at_c<1>(a));
                  })] |
                  if_statement[assign] | for_statement[assign] |
                  (kw_emit > expr)[([](auto& ctx) {
                    x3::_val(ctx).kind = ast::StmtKind::Emit;
                    x3::_val(ctx).value = std::move(x3::_attr(ctx));
                  })] |
                  (kw_clear >> kw_state)[make_statement(ast::StmtKind::ClearState)] |
                  (kw_tally > identifier)[([](auto& ctx) {
                    x3::_val(ctx).kind = ast::StmtKind::Tally;
                    x3::_val(ctx).name = std::move(x3::_attr(ctx));
                  })] |
                  assignment_or_call[assign]] >>
    -x3::lit(';');

// handler ::= 'on' name block
auto const handler_body_def = (kw_on > identifier > block)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).event = std::move(at_c<0>(a));
  x3::_val(ctx).body = std::move(at_c<1>(a));
})];

// state_field ::= name ':' type ('=' expr)?
auto const state_field_body_def = (identifier > colon > type > -(x3::lit('=') > expr))[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).name = std::move(at_c<0>(a));
  x3::_val(ctx).type = std::move(at_c<1>(a));
  x3::_val(ctx).initial = to_std(at_c<2>(a));
})];

// =============================================================================================
// Queries
// =============================================================================================

// named_expr ::= expr ('as' name)?
auto const named_expr_body_def = (expr >> -(kw_as > identifier))[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).value = std::move(at_c<0>(a));
  x3::_val(ctx).alias = to_std(at_c<1>(a));
})];

auto const processing_time_clause = x3::matches[kw_in > kw_processing > kw_time];

// window ::= name '(' expr (',' expr)* ')' ('in' 'processing' 'time')?
auto const window_body_def = (identifier > lparen > (expr % ',') > comma_or_paren)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).kind = std::move(at_c<0>(a));
  x3::_val(ctx).arguments = std::move(at_c<1>(a));
})] >> processing_time_clause[([](auto& ctx) { x3::_val(ctx).processing_time = x3::_attr(ctx); })];

auto set_kind(ast::OpKind kind) {
  return [kind](auto& ctx) { x3::_val(ctx).kind = kind; };
}

// operator ::= 'where' expr
//            | 'select' named_expr (',' named_expr)*
//            | 'tally' name ('when' expr)?
//            | 'explode' expr 'as' name       (a missing `as name` is reported by syntax_checks)
//            | 'key' 'by' expr
//            | 'group' 'by' ('window' window | expr (',' expr)* ('window' window)?)
//            | 'aggregate' named_expr (',' named_expr)* ('timeout' expr ('in' 'processing' 'time')?)?
//            | 'top' expr 'by' order_item (',' order_item)*
//            | 'emit' ('final' | 'changes')
//            | 'process' 'state' '{' state_fields '}' ('timeout' expr ('in' 'processing' 'time')?)?
//              '{' handler* '}'
//            | 'into' name
//            | ('left' | 'full')? 'join' name within? 'on' expr ('=' expr)?
// within   ::= 'within' duration ('before' ('and' duration 'after')? | 'after')?
auto const where_op = (kw_where > expr)[([](auto& ctx) {
  x3::_val(ctx).kind = ast::OpKind::Where;
  x3::_val(ctx).condition = std::move(x3::_attr(ctx));
})];
auto const select_op = (kw_select > (named_expr % ','))[([](auto& ctx) {
  x3::_val(ctx).kind = ast::OpKind::Select;
  x3::_val(ctx).items = std::move(x3::_attr(ctx));
})];
auto const tally_op = (kw_tally > identifier > -(kw_when > expr))[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).kind = ast::OpKind::Tally;
  x3::_val(ctx).target = std::move(at_c<0>(a));
  x3::_val(ctx).condition = to_std(at_c<1>(a));
})];
auto const explode_op = (kw_explode > named_expr)[([](auto& ctx) {
  x3::_val(ctx).kind = ast::OpKind::Explode;
  x3::_val(ctx).items.push_back(std::move(x3::_attr(ctx)));
})];
auto const key_by_op = (kw_key > kw_by > expr)[([](auto& ctx) {
  x3::_val(ctx).kind = ast::OpKind::KeyBy;
  x3::_val(ctx).keys.push_back(std::move(x3::_attr(ctx)));
})];
// `group by window tumbling(1m)`: a window and no field (one group per window). Tried first; a
// field named `window` still parses as a field (`window` then is not followed by a window).
auto const group_window_only = (kw_window >> window)[([](auto& ctx) { x3::_val(ctx).window = x3::_attr(ctx); })];
auto const group_fields = ((expr % ',') > -(kw_window > window))[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).keys = std::move(at_c<0>(a));
  x3::_val(ctx).window = to_std(at_c<1>(a));
})];
auto const group_by_keys = x3::rule<struct group_by_keys_id, ast::Operator>{"fields or `window …` to group by"} =
    group_window_only | group_fields;
auto const group_by_op = (kw_group > kw_by > group_by_keys)[([](auto& ctx) {
  ast::Operator& keys = x3::_attr(ctx);
  x3::_val(ctx).kind = ast::OpKind::GroupBy;
  x3::_val(ctx).keys = std::move(keys.keys);
  x3::_val(ctx).window = std::move(keys.window);
})];
auto const timeout_clause = x3::rule<struct timeout_clause_id, ast::Expr>{"`timeout`"} = kw_timeout > expr;
auto const aggregate_op = (kw_aggregate > (named_expr % ','))[([](auto& ctx) {
  x3::_val(ctx).kind = ast::OpKind::Aggregate;
  x3::_val(ctx).items = std::move(x3::_attr(ctx));
})] > -(timeout_clause[([](auto& ctx) { x3::_val(ctx).timeout = std::move(x3::_attr(ctx)); })] >>
        processing_time_clause[([](auto& ctx) { x3::_val(ctx).processing_time = x3::_attr(ctx); })]);
// order_item ::= expr ('asc' | 'desc')?
auto const order_item_body_def = (expr >> -(as_range(kw_asc | kw_desc)))[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).value = std::move(at_c<0>(a));
  if (auto& direction = at_c<1>(a)) x3::_val(ctx).descending = *direction->begin() == 'd';
})];
auto const top_op = (kw_top > expr > kw_by > (order_item % ','))[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).kind = ast::OpKind::Top;
  x3::_val(ctx).limit = std::move(at_c<0>(a));
  x3::_val(ctx).order = std::move(at_c<1>(a));
})];
auto const emit_mode = x3::rule<struct emit_mode_id, ast::Identifier>{"`final` or `changes`"} =
    as_range(kw_final | kw_changes)[([](auto& ctx) {
      auto range = x3::_attr(ctx);
      x3::_val(ctx).name.assign(range.begin(), range.end());
      x3::_val(ctx).span = span_between(ctx, range.begin(), range.end());
    })];
auto const emit_op = (kw_emit > emit_mode)[([](auto& ctx) {
  x3::_val(ctx).kind = ast::OpKind::Emit;
  x3::_val(ctx).target = std::move(x3::_attr(ctx));
})];
auto const state_fields = x3::rule<struct state_fields_id, std::vector<ast::StateField>>{"`{`"} =
    x3::lit('{') > -(state_field % ',') > -x3::lit(',') > comma_or_brace;
auto const handlers = x3::rule<struct handlers_id, std::vector<ast::Handler>>{"`{`"} =
    x3::lit('{') > *handler > handler_or_end;
auto const process_op = kw_process[set_kind(ast::OpKind::Process)] > kw_state >
                        state_fields[([](auto& ctx) { x3::_val(ctx).state = std::move(x3::_attr(ctx)); })] >
                        -(timeout_clause[([](auto& ctx) { x3::_val(ctx).timeout = std::move(x3::_attr(ctx)); })] >>
                          processing_time_clause[([](auto& ctx) { x3::_val(ctx).processing_time = x3::_attr(ctx); })]) >
                        handlers[([](auto& ctx) { x3::_val(ctx).handlers = std::move(x3::_attr(ctx)); })];
// `left` and `full` only before `join`: a field named `left` still starts no operator.
auto const join_start = (-as_range(kw_left | kw_full) >> kw_join)[([](auto& ctx) {
  x3::_val(ctx).kind = ast::OpKind::Join;
  if (auto& side = x3::_attr(ctx)) (*side->begin() == 'l' ? x3::_val(ctx).left : x3::_val(ctx).full) = true;
})];
// `within D` sets both bounds to D; `before` then drops the one after, `and D2 after` sets it;
// `after` alone drops the one before (an absent bound is 0).
auto const within_tail = (kw_before[([](auto& ctx) { x3::_val(ctx).within_after.reset(); })] >
                          -(kw_and > duration_literal[([](auto& ctx) { x3::_val(ctx).within_after = x3::_attr(ctx); })] >
                            kw_after)) |
                         kw_after[([](auto& ctx) { x3::_val(ctx).within_before.reset(); })];
auto const within_clause = kw_within > duration_literal[([](auto& ctx) {
  x3::_val(ctx).within_before = x3::_attr(ctx);
  x3::_val(ctx).within_after = x3::_attr(ctx);
})] > -within_tail;
auto const join_op = join_start > identifier[([](auto& ctx) { x3::_val(ctx).target = std::move(x3::_attr(ctx)); })] >
                     -within_clause > kw_on >
                     expr[([](auto& ctx) { x3::_val(ctx).keys.push_back(std::move(x3::_attr(ctx))); })] >
                     -(equals > expr[([](auto& ctx) { x3::_val(ctx).keys.push_back(std::move(x3::_attr(ctx))); })]);
auto const into_op = (kw_into > identifier)[([](auto& ctx) {
  x3::_val(ctx).kind = ast::OpKind::Into;
  x3::_val(ctx).target = std::move(x3::_attr(ctx));
})];

auto const operator__body_def = where_op | select_op | tally_op | explode_op | key_by_op | group_by_op |
                           aggregate_op | emit_op | process_op | into_op | top_op | join_op;

// query_input ::= name ('key' 'by' expr)?
auto const query_input_body_def = (identifier >> -(kw_key > kw_by > expr))[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).source = std::move(at_c<0>(a));
  x3::_val(ctx).key = to_std(at_c<1>(a));
})];

// query_decl ::= 'query' name '{' 'from' query_input (',' query_input)* ('|' operator)* '}'
auto const query_decl_body_def = (kw_query > identifier > lbrace > kw_from > (query_input % ',') >
                             *(x3::lit('|') > operator_) > pipe_or_end)[([](auto& ctx) {
  auto& a = x3::_attr(ctx);
  x3::_val(ctx).name = std::move(at_c<0>(a));
  x3::_val(ctx).inputs = std::move(at_c<1>(a));
  x3::_val(ctx).operators = std::move(at_c<2>(a));
})];

// declaration ::= source_decl (a source or a table) | sink_decl | metric_decl | query_decl
auto const declaration_body_def = source_decl[assign] | sink_decl[assign] | metric_decl[assign] | query_decl[assign];

BOOST_SPIRIT_DEFINE(identifier, expr, if_expr, or_expr, and_expr, not_expr, compare_expr, add_expr, mul_expr, neg_expr)
BOOST_SPIRIT_DEFINE(identifier_body, expr_body, if_expr_body, or_expr_body, and_expr_body, not_expr_body, compare_expr_body, add_expr_body, mul_expr_body, neg_expr_body)
BOOST_SPIRIT_DEFINE(postfix_expr, primary_expr, call_arguments, duration_literal, float_literal, int_literal, string_literal, record_literal, name_or_call, type)
BOOST_SPIRIT_DEFINE(postfix_expr_body, primary_expr_body, call_arguments_body, duration_literal_body, float_literal_body, int_literal_body, string_literal_body, record_literal_body, name_or_call_body, type_body)
BOOST_SPIRIT_DEFINE(field_decl, field_list, source_option, option_list, source_decl, sink_target, sink_decl, metric_decl, statement, if_statement)
BOOST_SPIRIT_DEFINE(field_decl_body, field_list_body, source_option_body, option_list_body, source_decl_body, sink_target_body, sink_decl_body, metric_decl_body, statement_body, if_statement_body)
BOOST_SPIRIT_DEFINE(block, handler, state_field, named_expr, window, operator_, query_input, query_decl, declaration)
BOOST_SPIRIT_DEFINE(block_body, handler_body, state_field_body, named_expr_body, window_body, operator__body, query_input_body, query_decl_body, declaration_body)
BOOST_SPIRIT_DEFINE(order_item, order_item_body)

}  // namespace

uint32_t end_of_previous_token(const std::string& text, const std::vector<ast::Comment>& comments,
                               uint32_t offset) {
  return static_cast<uint32_t>(
      trim_end(text.data(), comments, text.data() + std::min<size_t>(offset, text.size())) - text.data());
}

uint32_t skip_blanks(const std::string& text, uint32_t offset) {
  const char* first = text.data() + offset;
  const char* last = text.data() + text.size();
  x3::parse(first, last, *skipper);
  return static_cast<uint32_t>(first - text.data());
}

DeclarationParse parse_declaration(const std::string& text, const std::vector<ast::Comment>& comments,
                                   uint32_t offset) {
  DeclarationParse result;
  ParseState state{text.data(), &comments};
  const char* first = text.data() + offset;
  const char* last = text.data() + text.size();
  try {
    bool ok = x3::phrase_parse(first, last, x3::with<parse_state_tag>(&state)[declaration], skipper,
                               result.declaration);
    if (ok) {
      result.status = DeclarationParse::Status::Parsed;
      result.end = static_cast<uint32_t>(first - text.data());
    } else {
      result.status = DeclarationParse::Status::NotADeclaration;
      result.error_offset = skip_blanks(text, offset);
      result.code = ErrorCode::ExpectedDeclaration;
      result.expected = "`source`, `sink`, `metric` or `query`";
    }
  } catch (const x3::expectation_failure<const char*>& failure) {
    result.status = DeclarationParse::Status::Failed;
    const char* where = failure.where();
    result.expected = failure.which();
    // A backslash at the end of a line leaves the string open, like a missing quote.
    bool escape_at_line_end = result.expected == "escape" && (where == last || *where == '\n' || *where == '\r');
    if (result.expected == "closing quote" || escape_at_line_end) {
      const char* end = where;
      while (end > text.data() && end[-1] == '\r') --end;
      result.code = ErrorCode::UnterminatedString;
      result.error_offset = static_cast<uint32_t>(opening_quote(text.data(), where) - text.data());
      result.error_end = static_cast<uint32_t>(end - text.data());
      result.message = "string literal is missing its closing `\"`";
      result.label = "not closed on this line";
      result.help = "close the string with `\"` on the same line";
    } else if (result.expected == "escape") {
      uint32_t at = static_cast<uint32_t>(where - text.data());
      result.code = ErrorCode::InvalidEscape;
      result.error_offset = at - 1;
      result.error_end = at + utf8_length(*where);
      result.message = fmt::format("unknown escape `{}` in a string literal",
                                   text.substr(result.error_offset, result.error_end - result.error_offset));
      result.label = "unknown escape";
      result.help = "the escapes are `\\\"`, `\\\\`, `\\n`, `\\r` and `\\t`; a backslash itself is written `\\\\`";
    } else {
      // X3 reports the position before the blanks it would have skipped; point at the token.
      result.error_offset = skip_blanks(text, static_cast<uint32_t>(where - text.data()));
    }
  } catch (const TokenError& error) {
    result.status = DeclarationParse::Status::Failed;
    // A nesting guard throws where its rule was entered, which may be before blanks.
    result.error_offset = skip_blanks(text, static_cast<uint32_t>(error.where - text.data()));
    if (error.end) result.error_end = static_cast<uint32_t>(error.end - text.data());
    result.code = error.code;
    result.message = error.message;
    result.help = error.help;
  }
  return result;
}

}  // namespace flow::compiler::syntax
