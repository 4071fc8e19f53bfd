// The reference evaluator: a plain tree-walking interpreter of bound expressions, the oracle of
// the differential tests (random records and expressions through it and through generated code
// must give identical results). Clarity over speed; built-in functions call the stdlib's C ABI,
// exactly as generated code does, so both share one implementation of them.
//
// Run-time semantics (docs/language.md, "Evaluation"):
//
// Values and widening
//   Every value has the type the checker gave its expression, or is null (see Null). A value
//   flows into a wider type in the two directions the checker allows: an int where a float is
//   expected becomes the nearest double (ties to even; above 2^53 some ints change), a T where a
//   T? is expected is unchanged.
//   This happens in: arithmetic and comparisons with an int and a float operand; the branches of
//   `if … then … else` (int and float branches give a float); `coalesce`, `least`, `greatest`
//   with int and float arguments; assignments, `+=`, `-=` and `append` to a state field; a state
//   field's initial value; `emit` (each field to the type of the query's one emit shape).
//   Expressions have no side effects and every operation is total, so the order operands are
//   evaluated in cannot be observed and no expression fails at run time.
//
// Null
//   Arithmetic, unary `-`, `<` `<=` `>` `>=` and built-in functions give null when an operand or
//   argument is null. `coalesce(a, b, …)` gives its first non-null argument (null if all are).
//   `==` and `!=` never give null (the checker types them `bool`): null equals null and nothing
//   else, so `x == null` tests for null. `and`, `or`, `not` are SQL's three-valued logic:
//   `false and null` is false, `true and null` null, `true or null` true, `false or null` null,
//   `not null` null. A condition (`where`, `tally … when`, `if` expression or statement) that is
//   null counts as false. Null also appears where the checker's type is not nullable: int `/`
//   and `%` and duration `/` by zero give null, and it then propagates like any other null.
//
// Numbers
//   int is 64-bit two's complement: `+`, `-`, `*` and unary `-` wrap on overflow (also
//   `-(-9223372036854775807 - 1)`, which is itself). `/` truncates toward zero (`-7 / 2` is -3);
//   `%` is that division's remainder, with the sign of the left operand (`-7 % 2` is -1). A zero
//   divisor gives null for `/` and `%`; INT64_MIN / -1 wraps to INT64_MIN, INT64_MIN % -1 is 0.
//   float is IEEE 754 binary64 with ties-to-even: `1.0 / 0.0` is +inf, `0.0 / 0.0` NaN; unary
//   `-` flips the sign (`-0.0`). An int and a float operand: the int becomes a float first.
//
// Comparisons
//   Two ints compare as ints; an int and a float as doubles (after widening the int); floats as
//   IEEE (every comparison with NaN is false except `!=`; -0.0 == 0.0). Strings compare bytewise
//   (unsigned bytes, lexicographic; a prefix is smaller), which is code point order for valid
//   UTF-8. Timestamps and durations compare as their milliseconds; bools only for equality.
//
// Time
//   timestamp ± duration and duration + timestamp give a timestamp; timestamp - timestamp a
//   duration; duration ± duration, duration * int, int * duration and unary `-` a duration: all
//   int64 milliseconds, wrapping like int. duration / int truncates toward zero; by 0 is null.
//
// Records, if, calls
//   `{ a: x, b: y }` is a record of the values in the order written; `r.a` reads a field.
//   `if c then a else b` is `a` when `c` is true, otherwise `b`. A built-in function call is the
//   stdlib C function (docs/stdlib.md) chosen by the argument types: `abs`, `round(x, digits)`,
//   `least`, `greatest` and `hash` have int and float forms (an int and a float argument use the
//   float form); `floor`, `ceil` and `round` of an int without digits return it unchanged;
//   `substr(s, start)` passes INT64_MAX as the length; `date_trunc`'s unit is parsed with
//   flow_time_unit_parse; `concat` of two strings is flow_str_concat, of any other count
//   flow_str_concat_n.
//
// Operators (stateless_pipeline.hpp), handlers (process_handler.hpp) and aggregates
// (aggregate.hpp) say the rest.
#pragma once

#include <vector>

#include "runtime/eval/value.hpp"
#include "compiler/plan/bound_expr.hpp"

namespace flow::runtime::eval {

//! The plan's types and expressions (shared by the logical and the physical plan), which the evaluator runs.
namespace plan = flow::compiler::plan;

//! What the names of an expression refer to. Absent parts are errors only if an expression
//! reads them (a logic_error: the plan does not fit the environment).
struct Environment {
  const std::vector<Value>* input = nullptr;   //!< the current record's fields, by schema index
  const std::vector<Value>* state = nullptr;   //!< the key's state fields, by index
  const Value* key = nullptr;                  //!< the current key
  const std::vector<Value>* locals = nullptr;  //!< `let` slots
};

//! The value of `expr`, of type `expr.type` (see the semantics above). The plan must be free of
//! errors: an Error-typed node is a logic_error.
Value evaluate(const plan::BoundExpr& expr, const Environment& env);

//! A condition's verdict: true only for a true bool; false and null are false.
bool is_true(const Value& condition);

}  // namespace flow::runtime::eval
