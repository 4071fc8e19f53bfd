// Join: a query's stream joined with a second input, by event time, so that the result does not
// depend on the order in which the two topics are read.
//
// - Stream–table (`join TABLE on EXPR`, `left join …`), temporal: each stream record joins the
//   table row that was current at the record's event time (the row with the same key and the
//   latest event time at or before it). Output: the stream's fields, then the table's but its key
//   (nullable after a `left join`: a record without a row keeps its fields, with nulls).
// - Stream–stream, windowed (`join STREAM within 10m on EXPR`, `… within 5m before and 10m after
//   on L = R`, `left join`, `full join`): a record at time t joins each record of the other stream
//   with the same key and a time in [t - before, t + after]. Output: the stream's fields, then the
//   other's (less its key field when both sides join on a field of one name); a `left join` also
//   emits each stream record that matched nothing, with nulls, once its window has closed; a
//   `full join` does so for both sides.
// Its key is the join key. The other input's records reach it as its second input
// (QueryPlan::sources), straight from their topic.
#pragma once

#include <optional>

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/join_spec.hpp"

namespace flow::compiler::plan {

struct LogicalJoin final : LogicalOperator, JoinSpec {
  LogicalJoin() : LogicalOperator(OperatorKind::Join) {}
  std::string name() const override {
    return std::string(full ? "Full" : left ? "Left" : "") + (windowed ? "WindowJoin" : "Join");
  }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;
};

}  // namespace flow::compiler::plan
