// The operators after keyed state as native code: for every stateful stage whose rows run through
// stateless operators before the next stage or the sink (`… | emit final | where … | select … |
// tally m | key by … | group by …`), one flow_stage_fn (runtime/abi/flow_abi.h) that runs them on
// one row the stage emitted, with the batch function's lowering of those operators
// (stateless_lowering.hpp).
#pragma once

#include <string>

#include "compiler/codegen/lowering_context.hpp"
#include "compiler/plan/plan.hpp"

namespace flow::compiler::codegen {

//! Adds the stage functions of every query to the module. A stage whose operators cannot be
//! lowered gets none (the runtime runs them in the reference evaluator): one line per such stage
//! is appended to `skipped`, saying why.
void lower_stage_functions(LoweringContext& cx, const plan::Plan& plan, std::string* skipped);

}  // namespace flow::compiler::codegen
