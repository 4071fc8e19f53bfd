// Unit tests of the reference evaluator's expressions: each case compiles `select EXPR as x` over a
// source with one field of every scalar type and checks the exact value (and kind) of x.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "tests/unit/support/checked_plan.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();

// 2024-02-29T13:45:30.123Z, a Thursday.
constexpr int64_t kLeapDay = 1709214330123;

const char* kDeclarations = R"(
source s from kafka "s" as json {
    i: int,
    j: int,
    n: int?,
    f: float,
    g: float?,
    s: string,
    t: string?,
    b: bool,
    c: bool?,
    ts: timestamp,
    d: duration,
} with (partitions = 1);
sink out to stdout;
)";

//! A record of the source above; tests overwrite the fields they care about.
struct Row {
  Value i = Value::integer(7);
  Value j = Value::integer(2);
  Value n = Value::null();
  Value f = Value::floating(1.5);
  Value g = Value::null();
  Value s = Value::string("Spark SQL");
  Value t = Value::null();
  Value b = Value::boolean(true);
  Value c = Value::null();
  Value ts = Value::timestamp(kLeapDay);
  Value d = Value::duration(30'000);

  std::vector<Value> fields() const { return {i, j, n, f, g, s, t, b, c, ts, d}; }
};

physical::PhysicalPlan compile(const std::string& text) { return testing::checked_physical_plan(text); }

//! The value of `expression` for `row`.
Value value_of(const std::string& expression, const Row& row = {}) {
  physical::PhysicalPlan plan = compile(std::string(kDeclarations) + "query q { from s | select " + expression +
                            " as x | into out }");
  eval::StatelessResult result = eval::run_stateless(plan.queries.at(0), row.fields());
  REQUIRE(result.passed);
  REQUIRE(result.output.size() == 1);
  return result.output[0];
}

Value integer(int64_t v) { return Value::integer(v); }
Value floating(double v) { return Value::floating(v); }
Value boolean(bool v) { return Value::boolean(v); }
Value string(std::string v) { return Value::string(std::move(v)); }

}  // namespace

TEST_CASE("eval: int arithmetic truncates toward zero and wraps on overflow") {
  CHECK(value_of("i + j") == integer(9));
  CHECK(value_of("i - j * 3") == integer(1));
  CHECK(value_of("i / j") == integer(3));
  CHECK(value_of("-i / j") == integer(-3));
  CHECK(value_of("-i % j") == integer(-1));
  CHECK(value_of("i % -j") == integer(1));
  CHECK(value_of("9223372036854775807 + 1") == integer(kMin));
  CHECK(value_of("-9223372036854775807 - 2") == integer(kMax));
  CHECK(value_of("4611686018427387904 * 2") == integer(kMin));
  Row min;
  min.i = integer(kMin);
  CHECK(value_of("-i", min) == integer(kMin));
  CHECK(value_of("i / -1", min) == integer(kMin));
  CHECK(value_of("i % -1", min) == integer(0));
  CHECK(value_of("i * -1", min) == integer(kMin));
}

TEST_CASE("eval: int division and remainder by zero give null, float division follows IEEE") {
  CHECK(value_of("i / 0") == Value::null());
  CHECK(value_of("i % (j - j)") == Value::null());
  CHECK(value_of("(i / 0) + 1") == Value::null());
  CHECK(value_of("(i / 0) == null") == boolean(true));
  CHECK(value_of("f / 0.0") == floating(kInf));
  CHECK(value_of("-f / 0.0") == floating(-kInf));
  CHECK(std::isnan(value_of("0.0 / 0.0").float_value));
  CHECK(value_of("i / 0.0") == floating(kInf));
  CHECK(value_of("-(0.0)") == floating(-0.0));
  CHECK_FALSE(value_of("-(0.0)") == floating(0.0));
}

TEST_CASE("eval: an int meeting a float becomes a float") {
  CHECK(value_of("i + f") == floating(8.5));
  CHECK(value_of("i / 2.0") == floating(3.5));
  CHECK(value_of("if b then i else f") == floating(7.0));
  CHECK(value_of("if b then 1 else 2") == integer(1));
  CHECK(value_of("least(i, f)") == floating(1.5));
  CHECK(value_of("greatest(i, f)") == floating(7.0));
  CHECK(value_of("greatest(i, j)") == integer(7));
  CHECK(value_of("coalesce(n, 2.5)") == floating(2.5));
  Row three;
  three.n = integer(3);
  CHECK(value_of("coalesce(n, 2.5)", three) == floating(3.0));
}

TEST_CASE("eval: comparisons: mixed numbers as doubles, strings bytewise, NaN unordered") {
  CHECK(value_of("i > f") == boolean(true));
  CHECK(value_of("i == 7.0") == boolean(true));
  CHECK(value_of("9007199254740993 == 9007199254740992.0") == boolean(true));
  CHECK(value_of("9007199254740993 == 9007199254740992") == boolean(false));
  CHECK(value_of("\"ab\" < \"b\"") == boolean(true));
  CHECK(value_of("\"\" < \"a\"") == boolean(true));
  CHECK(value_of("\"a\" < \"ab\"") == boolean(true));
  CHECK(value_of("\"\xC3\xA9\" > \"z\"") == boolean(true));  // é: 0xC3 0xA9, above every ASCII byte
  CHECK(value_of("\"B\" < \"a\"") == boolean(true));
  CHECK(value_of("s <= \"Spark SQL\"") == boolean(true));
  CHECK(value_of("(0.0 / 0.0) == (0.0 / 0.0)") == boolean(false));
  CHECK(value_of("(0.0 / 0.0) != (0.0 / 0.0)") == boolean(true));
  CHECK(value_of("(0.0 / 0.0) < 1.0") == boolean(false));
  CHECK(value_of("(0.0 / 0.0) >= 1.0") == boolean(false));
  CHECK(value_of("-(0.0) == 0.0") == boolean(true));
  CHECK(value_of("ts > ts - d") == boolean(true));
  CHECK(value_of("d >= 30s") == boolean(true));
  CHECK(value_of("b == true") == boolean(true));
}

TEST_CASE("eval: null propagates through arithmetic, order and functions, == tests for it") {
  CHECK(value_of("n + 1") == Value::null());
  CHECK(value_of("-n") == Value::null());
  CHECK(value_of("g * 2.0") == Value::null());
  CHECK(value_of("n < 1") == Value::null());
  CHECK(value_of("lower(t)") == Value::null());
  CHECK(value_of("substr(s, n)") == Value::null());
  CHECK(value_of("abs(n)") == Value::null());
  CHECK(value_of("n == null") == boolean(true));
  CHECK(value_of("n != null") == boolean(false));
  CHECK(value_of("i == null") == boolean(false));
  CHECK(value_of("n == 1") == boolean(false));
  CHECK(value_of("n != 1") == boolean(true));
  CHECK(value_of("t == s") == boolean(false));
  CHECK(value_of("coalesce(n, 5)") == integer(5));
  CHECK(value_of("coalesce(n, n)") == Value::null());
  CHECK(value_of("coalesce(t, t, \"x\")") == string("x"));
  Row set;
  set.t = string("y");
  CHECK(value_of("coalesce(t, \"x\")", set) == string("y"));
  CHECK(value_of("t == \"y\"", set) == boolean(true));
}

TEST_CASE("eval: and, or, not are three-valued, a null condition is false") {
  // c is null.
  CHECK(value_of("c and false") == boolean(false));
  CHECK(value_of("false and c") == boolean(false));
  CHECK(value_of("c and true") == Value::null());
  CHECK(value_of("c or true") == boolean(true));
  CHECK(value_of("true or c") == boolean(true));
  CHECK(value_of("c or false") == Value::null());
  CHECK(value_of("not c") == Value::null());
  CHECK(value_of("c and c") == Value::null());
  CHECK(value_of("b and not b") == boolean(false));
  CHECK(value_of("b or not b") == boolean(true));
  CHECK(value_of("if c then 1 else 2") == integer(2));
  CHECK(value_of("if not c then 1 else 2") == integer(2));
  CHECK(value_of("if n > 0 then \"pos\" else \"other\"") == string("other"));
}

TEST_CASE("eval: string functions are the stdlib's") {
  CHECK(value_of("lower(s)") == string("spark sql"));
  CHECK(value_of("upper(\"stra\xC3\x9F" "e\")") == string("STRA\xC3\x9F" "E"));
  CHECK(value_of("lower(\"\xC3\x89" "COLE\")") == string("\xC3\x89" "cole"));
  CHECK(value_of("len(\"h\xC3\xA9llo\")") == integer(5));
  CHECK(value_of("substr(s, 7, 3)") == string("SQL"));
  CHECK(value_of("substr(s, -3)") == string("SQL"));
  CHECK(value_of("substr(s, 0, 5)") == string("Spark"));
  CHECK(value_of("substr(\"abc\", -5, 3)") == string("a"));
  CHECK(value_of("substr(\"abc\", 2, 100)") == string("bc"));
  CHECK(value_of("concat(s, \"!\")") == string("Spark SQL!"));
  CHECK(value_of("concat(\"a\", s, \"-\", \"z\")") == string("aSpark SQL-z"));
  CHECK(value_of("concat(s)") == string("Spark SQL"));
  CHECK(value_of("split_part(\"a,b,c\", \",\", 2)") == string("b"));
  CHECK(value_of("split_part(\"a,b,c\", \",\", -1)") == string("c"));
  CHECK(value_of("split_part(\"a,b,c\", \",\", 0)") == string(""));
  CHECK(value_of("contains(s, \"k S\")") == boolean(true));
  CHECK(value_of("starts_with(s, \"Spark\")") == boolean(true));
  CHECK(value_of("ends_with(s, \"Spark\")") == boolean(false));
  CHECK(value_of("hash(\"abc\")") == integer(0x44BC2CF5AD770999));
  CHECK(value_of("hash(\"\")") == integer(static_cast<int64_t>(0xEF46DB3751D8E999ULL)));
  Row long_text;
  long_text.s = string(std::string(5000, 'A'));
  CHECK(value_of("lower(s)", long_text) == string(std::string(5000, 'a')));  // beyond the first scratch arena
}

TEST_CASE("eval: time arithmetic is in milliseconds, duration / 0 is null") {
  CHECK(value_of("ts + d") == Value::timestamp(kLeapDay + 30'000));
  CHECK(value_of("d + ts") == Value::timestamp(kLeapDay + 30'000));
  CHECK(value_of("ts - d") == Value::timestamp(kLeapDay - 30'000));
  CHECK(value_of("ts - (ts - 1h)") == Value::duration(3'600'000));
  CHECK(value_of("d + 250ms") == Value::duration(30'250));
  CHECK(value_of("d - 1m") == Value::duration(-30'000));
  CHECK(value_of("d * 3") == Value::duration(90'000));
  CHECK(value_of("3 * d") == Value::duration(90'000));
  CHECK(value_of("d / 4") == Value::duration(7'500));
  CHECK(value_of("-d / 7") == Value::duration(-4'285));
  CHECK(value_of("d / (i - i)") == Value::null());
  CHECK(value_of("-d") == Value::duration(-30'000));
  CHECK(value_of("hour(ts)") == integer(13));
  CHECK(value_of("minute(ts)") == integer(45));
  CHECK(value_of("day_of_week(ts)") == integer(4));
  CHECK(value_of("date_trunc(\"month\", ts)") == Value::timestamp(1706745600000));  // 2024-02-01
  CHECK(value_of("date_trunc(\"hour\", ts)") == Value::timestamp(1709211600000));
  CHECK(value_of("format_time(ts, \"%F %T.%L\")") == string("2024-02-29 13:45:30.123"));
  Row before_epoch;
  before_epoch.ts = Value::timestamp(-1);
  CHECK(value_of("hour(ts)", before_epoch) == integer(23));
}

TEST_CASE("eval: math functions pick the int or float form") {
  Row min;
  min.i = integer(kMin);
  CHECK(value_of("abs(i)", min) == integer(kMax));
  CHECK(value_of("abs(-f)") == floating(1.5));
  CHECK(value_of("round(2.5)") == floating(3.0));
  CHECK(value_of("round(-2.5)") == floating(-3.0));
  CHECK(value_of("round(2.675, 2)") == floating(2.68));
  CHECK(value_of("round(125, -1)") == integer(130));
  CHECK(value_of("round(i)") == integer(7));
  CHECK(value_of("floor(i)") == integer(7));
  CHECK(value_of("floor(-f)") == floating(-2.0));
  CHECK(value_of("ceil(-0.5)") == floating(-0.0));
  CHECK(value_of("least(3, -1)") == integer(-1));
  CHECK(value_of("least(0.0 / 0.0, 1.0)") == floating(1.0));
  CHECK(std::isnan(value_of("greatest(0.0 / 0.0, 1.0)").float_value));
  CHECK(value_of("hash(i)") == value_of("hash(7)"));
  CHECK_FALSE(value_of("hash(i)") == value_of("hash(f)"));
}

TEST_CASE("eval: records and member access") {
  Value record = value_of("{ a: i, b: s, c: null }");
  CHECK(record == Value::record({"a", "b", "c"}, {integer(7), string("Spark SQL"), Value::null()}));
  CHECK(record.to_json() == R"({"a": 7, "b": "Spark SQL", "c": null})");
  CHECK(value_of("{ a: i, b: { c: f } }.b.c") == floating(1.5));
  CHECK(value_of("{ a: i, b: s }.a * 2") == integer(14));
}
