// Unit tests of the front end's building blocks: line table, rendering, typo suggestions, and
// the AST shapes the grammar builds (precedence, spans, recovery).
#include <doctest/doctest.h>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/format/formatter.hpp"
#include "compiler/syntax/did_you_mean.hpp"
#include "compiler/syntax/parser.hpp"

using namespace flow::compiler;

namespace {

struct Parsed {
  SourceFile file;
  DiagnosticSink sink;
  ast::Program program;
};

Parsed parse(std::string text) {
  Parsed p{SourceFile("test.flow", std::move(text)), {}, {}};
  p.program = syntax::parse_program(p.file, p.sink);
  return p;
}

//! The condition of `where` in a one-query program, formatted with every parenthesis kept.
const ast::Expr& where_condition(const Parsed& p) {
  const auto& query = std::get<ast::QueryDecl>(p.program.declarations.at(0));
  return *query.operators.at(0).condition;
}

std::string sexpr(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Binary: return "(" + sexpr(e.children[0]) + " " + e.text + " " + sexpr(e.children[1]) + ")";
    case ast::ExprKind::Unary: return "(" + e.text + " " + sexpr(e.children[0]) + ")";
    case ast::ExprKind::Index: return "(" + sexpr(e.children[0]) + " [" + sexpr(e.children[1]) + "])";
    case ast::ExprKind::Member: return "(" + sexpr(e.children[0]) + " ." + e.text + ")";
    default: return format::format_expr(e);
  }
}

std::string where_sexpr(const std::string& condition) {
  Parsed p = parse("query q { from s | where " + condition + " | into o }");
  REQUIRE_MESSAGE(!p.sink.has_errors(), condition);
  return sexpr(where_condition(p));
}

}  // namespace

TEST_CASE("source file maps offsets to 1-based lines and columns") {
  SourceFile file("f.flow", "ab\ncd\n\nx");
  CHECK(file.position(0).line == 1);
  CHECK(file.position(1).column == 2);
  CHECK(file.position(3).line == 2);
  CHECK(file.position(3).column == 1);
  CHECK(file.position(7).line == 4);
  CHECK(file.line_text(2) == "cd");
  CHECK(file.line_text(3) == "");
  CHECK(file.line_count() == 4);
}

TEST_CASE("a diagnostic renders code, location, source line, caret and help") {
  SourceFile file("f.flow", "metric m;\nsink s to kafka \"t\" as xml;\n");
  DiagnosticSink sink;
  sink.error(ErrorCode::UnknownFormat, {33, 36}, "unknown record format `xml`", "unknown format")
      .with_help("flow reads and writes `json` records");
  std::string text = render(sink.all().front(), file);
  CHECK(text ==
        "error[E0114]: unknown record format `xml`\n"
        " --> f.flow:2:24\n"
        "  |\n"
        "2 | sink s to kafka \"t\" as xml;\n"
        "  |                        ^^^ unknown format\n"
        "  = help: flow reads and writes `json` records\n"
        "\n");
}

TEST_CASE("colour is added only when asked") {
  SourceFile file("f.flow", "x");
  DiagnosticSink sink;
  sink.error(ErrorCode::Expected, {0, 1}, "m");
  CHECK(render(sink.all().front(), file, {false}).find('\x1b') == std::string::npos);
  CHECK(render(sink.all().front(), file, {true}).find("\x1b[1;31m") != std::string::npos);
}

TEST_CASE("did you mean picks the closest name within a third of its length") {
  CHECK(closest_name("timestmap", {"int", "timestamp", "string"}) == "timestamp");
  CHECK(closest_name("urk", {"url", "user"}) == "url");
  CHECK_FALSE(closest_name("banana", {"int", "string"}).has_value());
}

TEST_CASE("operator precedence and associativity") {
  CHECK(where_sexpr("a + b * c") == "(a + (b * c))");
  CHECK(where_sexpr("a - b - c") == "((a - b) - c)");
  CHECK(where_sexpr("a or b and c") == "(a or (b and c))");
  CHECK(where_sexpr("not a == b") == "(not (a == b))");
  CHECK(where_sexpr("-a * b") == "((- a) * b)");
  CHECK(where_sexpr("a < b + 1 and c != \"x\"") == "((a < (b + 1)) and (c != \"x\"))");
  CHECK(where_sexpr("(a or b) and c") == "((a or b) and c)");
}

TEST_CASE("an index binds as tightly as a member, left to right, and holds a whole expression") {
  CHECK(where_sexpr("-l[0]") == "(- (l [0]))");
  CHECK(where_sexpr("r.tags[i + 1].n") == "(((r .tags) [(i + 1)]) .n)");
  CHECK(where_sexpr("m[0][1] * 2") == "(((m [0]) [1]) * 2)");
  CHECK(where_sexpr("sort(l)[len(l) - 1] == x") == "((sort(l) [(len(l) - 1)]) == x)");
  CHECK(where_sexpr("not l[if a then 0 else 1]") == "(not (l [if a then 0 else 1]))");
  Parsed p = parse("query q { from s | where l[0 | into o }");
  CHECK(p.sink.has_errors());  // an index left open is a syntax error, not a guess
}

TEST_CASE("literals keep their values") {
  Parsed p = parse("query q { from s | where f(30s, 250ms, 2h, 1d, 5m, 1.5e3, 42, \"a\\\"b\\n\") | into o }");
  REQUIRE_FALSE(p.sink.has_errors());
  const ast::Expr& call = where_condition(p);
  REQUIRE(call.children.size() == 8);
  CHECK(call.children[0].int_value == 30'000);
  CHECK(call.children[1].int_value == 250);
  CHECK(call.children[2].int_value == 7'200'000);
  CHECK(call.children[3].int_value == 86'400'000);
  CHECK(call.children[4].int_value == 300'000);
  CHECK(call.children[5].float_value == 1500.0);
  CHECK(call.children[6].int_value == 42);
  CHECK(call.children[7].text == "a\"b\n");
}

TEST_CASE("spans cover the node's tokens, not the blanks and comments around them") {
  Parsed p = parse("metric m;\n\n  // note\n  sink   s to stdout;  // trailing\n");
  REQUIRE_FALSE(p.sink.has_errors());
  Span sink = ast::span_of(p.program.declarations.at(1));
  CHECK(p.file.text().substr(sink.begin, sink.end - sink.begin) == "sink   s to stdout;");
  const auto& name = std::get<ast::SinkDecl>(p.program.declarations.at(1)).name;
  CHECK(p.file.text().substr(name.span.begin, name.span.end - name.span.begin) == "s");
}

TEST_CASE("an error in one declaration does not hide the next one") {
  Parsed p = parse("sink a to kafka \"a\" as json\nmetric m\nsink b to stdout;\n");
  REQUIRE(p.sink.all().size() == 2);
  CHECK(p.sink.all()[0].code == ErrorCode::Expected);
  CHECK(p.sink.all()[1].code == ErrorCode::Expected);
  // Each missing `;` is reported right after the last token of its line.
  CHECK(p.file.position(p.sink.all()[0].primary.span.begin).line == 1);
  CHECK(p.file.position(p.sink.all()[1].primary.span.begin).line == 2);
  REQUIRE(p.program.declarations.size() == 1);
  CHECK(std::get<ast::SinkDecl>(p.program.declarations[0]).name.name == "b");
}

TEST_CASE("the parser refuses nesting beyond its limit instead of overflowing the stack") {
  std::string deep(10'000, '(');
  Parsed p = parse("query q { from s | where " + deep + "x }");
  REQUIRE(p.sink.all().size() == 1);
  CHECK(p.sink.all()[0].code == ErrorCode::NestingTooDeep);
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "not ";
  Parsed q = parse("query q { from s | where " + nots + "x | into o }");
  REQUIRE(q.sink.all().size() == 1);
  CHECK(q.sink.all()[0].code == ErrorCode::NestingTooDeep);
}

TEST_CASE("fmt output parses back to the same program") {
  Parsed p = parse(
      "source s from kafka \"t\" as json { a: int, b: list<string>(max 3)? } with (partitions = 2);\n"
      "sink o to stdout;\n"
      "query q { from s key by a | where not (a > 1 or a < -2) and b != null\n"
      "  | process state { n: int = 0 } timeout 5m in processing time {\n"
      "      on event { if a == 1 { state.n += 1 } else if a == 2 { state.n -= 1 } else { clear state } }\n"
      "      on timeout { emit { key, n: state.n, x: if state.n > 0 then 1 else 2 } }\n"
      "  }\n"
      "  | into o }\n");
  REQUIRE_FALSE(p.sink.has_errors());
  std::string formatted = format::format_program(p.program, p.file);
  Parsed again = parse(formatted);
  REQUIRE_FALSE(again.sink.has_errors());
  CHECK(again.program == p.program);
  CHECK(format::format_program(again.program, again.file) == formatted);
}

TEST_CASE("fmt lays out `for` loops, indexes and sets, and they parse back to the same program") {
  Parsed p = parse(
      "source s from kafka \"t\" as json { a: int, b: list<string>(max 3) } with (partitions = 2);\n"
      "sink o to stdout;\n"
      "query q { from s key by a | process state { seen: set<string>(max 4), l: list<int>(max 3) } timeout 5m {\n"
      "  on event { for x in b { for y in sort(state.l) { emit { key, x, y: (state.l)[y] } } state.seen.add(x) }\n"
      "             state.seen.remove(b[0]) } } | into o }\n");
  REQUIRE_FALSE(p.sink.has_errors());
  std::string formatted = format::format_program(p.program, p.file);
  CHECK(formatted.find("    | process state {\n"
                       "        seen: set<string>(max 4),\n"
                       "        l: list<int>(max 3),\n"
                       "    } timeout 5m {\n"
                       "        on event {\n"
                       "            for x in b {\n"
                       "                for y in sort(state.l) {\n"
                       "                    emit { key, x, y: state.l[y] }\n"
                       "                }\n"
                       "                state.seen.add(x)\n"
                       "            }\n"
                       "            state.seen.remove(b[0])\n"
                       "        }\n") != std::string::npos);
  Parsed again = parse(formatted);
  REQUIRE_FALSE(again.sink.has_errors());
  CHECK(again.program == p.program);
  CHECK(format::format_program(again.program, again.file) == formatted);
}
