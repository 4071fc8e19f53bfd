// Keyed state and `process` handlers. Semantics:
//   state     — a new key's fields start at their initial values, each conformed to the field's
//               type (`f: float = 0` is 0.0); a field without `= value` starts at null if it is
//               nullable, else at its type's zero: 0, 0.0, false, "", timestamp 0 (the epoch),
//               duration 0, the empty list.
//   a handler — runs its statements in order, once per record (`on event`, `on SOURCE`) or per
//               timeout (`on timeout`, which sees no record).
//   let       — binds a name for the rest of its block.
//   =         — sets the field to the value, conformed to the field's type; a list (or set) longer
//               than the field's bound keeps its newest N elements.
//   += / -=   — `state.f = state.f + v` / `- v`, with the operators' rules: ints wrap, null on
//               either side gives null, an int added to a float field is widened.
//   if        — the `then` block when the condition is true, else the `else` block (null is
//               false).
//   emit      — the record, each field conformed to the query's emit shape (the operator's
//               output schema), is appended to the handler's output, in statement order.
//   clear     — every field returns to its initial value at once; later statements of the same
//               handler see those values and may write the state again. The key's state is
//               dropped (with its timeout) when the handler ends with no state write after its
//               last `clear state`.
//   tally     — the metric counts 1.
//   append    — the value (conformed to the element type) goes at the end of the list; a list
//               longer than its bound drops its oldest element, so it keeps the newest N.
//               Appending to a null list makes a list of that one element.
//   add       — on a set: nothing when an element equals the value (as group values are equal:
//               NaN with NaN, -0.0 with 0.0); else the value goes at the end, and a set longer
//               than its bound drops its oldest element. `remove` takes the equal element out.
//   for       — runs the body once per element of the list as it was when the loop started (the
//               body may write the field it came from), the element bound to the loop's name; a
//               null list runs it never.
#pragma once

#include <vector>

#include "runtime/eval/stateless_pipeline.hpp"
#include "runtime/eval/value.hpp"
#include "compiler/physical/physical_plan.hpp"

namespace flow::runtime::eval {

//! The plan's types and expressions (shared by the logical and the physical plan), which the evaluator runs.
namespace plan = flow::compiler::plan;

//! One key's state fields, indexed like `Process::state` (the physical plan's).
struct ProcessState {
  std::vector<Value> fields;

  //! A new key's state: every field at its initial value (see above).
  static ProcessState initial(const compiler::physical::Process& process);
};

struct HandlerResult {
  std::vector<std::vector<Value>> emitted;  //!< one record per `emit`, of the operator's schema
  Tallies tallies;
  bool cleared = false;  //!< the handler ends with the state cleared: the runtime drops the key
};

//! Runs `handler` of `process` for `key` over `state` (updated in place). `record` is the
//! incoming record's fields, or null for `on timeout`.
HandlerResult run_handler(const compiler::physical::Process& process, const plan::HandlerPlan& handler, ProcessState& state,
                          const Value& key, const std::vector<Value>* record);

//! The handler that runs for `event` ("event", "timeout" or a source name), or null if none.
const plan::HandlerPlan* find_handler(const compiler::physical::Process& process, const std::string& event);

}  // namespace flow::runtime::eval
