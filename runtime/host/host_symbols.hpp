// The one registry of what generated code may call from the host (runtime/abi/flow_abi.h): the
// codec entry points, a task's callbacks and the callbacks of compiled `process` handlers, by the
// names generated code imports them under. The stdlib and the lowering's own helpers are added by
// codegen's callable_symbols. A host — the partition task, or the tests' recording host —
// gives only its task callbacks, typed by the ABI's declarations, so a callback whose signature
// drifts from flow_abi.h does not compile.
#pragma once

#include <vector>

#include "runtime/abi/program.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::runtime {

//! A host's implementations of the task callbacks (flow_abi.h, "The runtime side of one
//! partition task").
struct TaskCallbacks {
  decltype(&flow_rt_emit) emit = nullptr;
  decltype(&flow_rt_dead_letter) dead_letter = nullptr;
  decltype(&flow_rt_tally) tally = nullptr;
  decltype(&flow_rt_to_state) to_state = nullptr;
  decltype(&flow_rt_to_aggregate) to_aggregate = nullptr;
  decltype(&flow_rt_arena) arena = nullptr;
  decltype(&flow_rt_event_time_limit) event_time_limit = nullptr;
  decltype(&flow_rt_event_time_ahead) event_time_ahead = nullptr;
};

//! Every host function generated code may call, with `task`'s callbacks, for JitProgram::compile
//! and SharedObjectProgram::bind.
std::vector<abi::HostSymbol> host_symbols(const TaskCallbacks& task);

}  // namespace flow::runtime
