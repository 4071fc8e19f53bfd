// Built-in function calls of the reference evaluator: each goes to the stdlib C function that
// generated code calls (stdlib/flow_stdlib.h), so both have one implementation of every function.
#pragma once

#include <string>
#include <vector>

#include "runtime/eval/value.hpp"
#include "compiler/plan/type.hpp"

namespace flow::runtime::eval {

//! The plan's types and expressions (shared by the logical and the physical plan), which the evaluator runs.
namespace plan = flow::compiler::plan;

//! `name(arguments)` with the checker's `result` type: null if an argument is null (except for
//! `coalesce`), else the stdlib function chosen by the argument kinds. Arguments of mixed int
//! and float kinds (`least`, `greatest`, `coalesce`) are widened to `result` first.
Value call_builtin(const std::string& name, const std::vector<Value>& arguments, const plan::Type& result);

}  // namespace flow::runtime::eval
