// What a `process` computes (`process state {…} timeout D { on … { … } }`): its state fields and
// its handlers, statements bound and typed like expressions (bound_expr.hpp). The logical plan's
// LogicalProcess adds explain and JSON; the physical plan and the runtime's evaluator read this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/bound_expr.hpp"

namespace flow::compiler::plan {

struct StateFieldPlan {
  std::string name;
  Type type;
  std::optional<BoundExpr> initial;  //!< absent: the type's zero (0, "", empty list, epoch)
  Span span;
};

enum class BoundStmtKind : uint8_t {
  Let,
  Assign,
  AddAssign,
  SubAssign,
  If,
  Emit,
  ClearState,
  Tally,
  Append,
  For,        //!< for each element of `value` (as it was when the loop started): local `slot` = it; body
  SetAdd,     //!< state.s.add(value): a no-op if present, else appended (evicting the oldest when full)
  SetRemove,  //!< state.s.remove(value)
};

struct BoundStmt {
  BoundStmtKind kind = BoundStmtKind::Let;
  Span span;
  int32_t slot = -1;  //!< Let, For: local slot; Assign/AddAssign/SubAssign/Append/SetAdd/SetRemove: state field
  std::string name;   //!< Let: the local; Tally: the metric; assignments: the state field
  BoundExpr value;    //!< Let/assignments/Append/Set*: the value; If: the condition; Emit: the record; For: the list
  std::vector<BoundStmt> body;
  std::vector<BoundStmt> else_body;
};

struct HandlerPlan {
  std::string event;  //!< "event", "timeout" or a source name
  std::vector<BoundStmt> body;
  int32_t locals = 0;  //!< number of `let` slots
  Span span;
};

struct ProcessSpec {
  Type key_type;
  std::vector<StateFieldPlan> state;
  std::optional<int64_t> timeout_ms;
  bool processing_time = false;
  std::vector<HandlerPlan> handlers;
  bool clears_state = false;  //!< some handler runs `clear state`
  bool emits = false;         //!< some handler emits (else the query is consume-only)
};

}  // namespace flow::compiler::plan
