// Lowers the handlers of every `process` operator to native functions (flow_handler_fn in
// runtime/abi/flow_abi.h): statements become basic blocks over the key's state slots, so a
// handler runs without the reference evaluator and without building eval::Values. The runtime's
// keyed state loads a key's state, calls the handler and stores what it leaves.
#pragma once

#include <string>

#include "compiler/codegen/lowering_context.hpp"
#include "compiler/plan/plan.hpp"

namespace flow::compiler::codegen {

//! Adds one function per handler of every `process` to the module. A handler using a construct
//! the lowering does not handle is left out (and named in `skipped`, one line each): the runtime
//! runs that one in the reference evaluator, with the same results.
void lower_handlers(LoweringContext& cx, const plan::Plan& plan, std::string* skipped = nullptr);

}  // namespace flow::compiler::codegen
