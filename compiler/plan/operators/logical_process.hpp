// Process: keyed state with event handlers (`process state {…} timeout D { on … { … } }`). It is
// keyed state processing, so it must be the last aggregation of its query.
#pragma once

#include <optional>

#include "compiler/plan/bound_expr.hpp"
#include "compiler/plan/logical_operator.hpp"

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

struct LogicalProcess final : LogicalOperator {
  LogicalProcess() : LogicalOperator(OperatorKind::Process) {}
  std::string name() const override { return "Process"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;

  Type key_type;
  std::vector<StateFieldPlan> state;
  std::optional<int64_t> timeout_ms;
  bool processing_time = false;
  std::vector<HandlerPlan> handlers;
  bool clears_state = false;  //!< some handler runs `clear state`
  bool emits = false;         //!< some handler emits (else the query is consume-only)

  //! Estimated bytes of one key's state (key + fields), for explain.
  int64_t estimated_bytes_per_key() const;
};

}  // namespace flow::compiler::plan
