// The language's unary and binary operators on values, as the semantics in evaluator.hpp define
// them. Shared by expressions and by the handlers' `+=` and `-=`.
#pragma once

#include <string_view>

#include "runtime/eval/value.hpp"

namespace flow::runtime::eval {

//! The plan's types and expressions (shared by the logical and the physical plan), which the evaluator runs.
namespace plan = flow::compiler::plan;

//! `-x` or `not x`.
Value apply_unary(std::string_view op, const Value& operand);

//! `a op b` for every binary operator: arithmetic, time arithmetic, comparisons, `and`, `or`.
//! The result's kind follows from the operands' kinds as the checker's rules say (int op int is
//! int, an int and a float give a float, timestamp - timestamp is a duration, …).
Value apply_binary(std::string_view op, const Value& a, const Value& b);

//! The language's `==`: null equals only null; numbers of mixed kinds compare as doubles.
bool equals(const Value& a, const Value& b);

}  // namespace flow::runtime::eval
