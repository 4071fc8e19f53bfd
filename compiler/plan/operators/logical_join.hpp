// Join (`join TABLE on EXPR`, `left join …`): a stream–table join, temporal by event time. Each
// stream record joins the table row that was current at the record's event time (the row with the
// same key and the latest event time at or before it), so the result does not depend on the order
// in which the two topics are read. Its output is the stream's fields, then the table's fields but
// its key (nullable after a `left join`: a record without a row keeps its fields, with nulls);
// its key is the join key. The table's records reach it as its second input (QueryPlan::sources).
#pragma once

#include <optional>

#include "compiler/plan/bound_expr.hpp"
#include "compiler/plan/logical_operator.hpp"

namespace flow::compiler::plan {

struct LogicalJoin final : LogicalOperator {
  LogicalJoin() : LogicalOperator(OperatorKind::Join) {}
  std::string name() const override { return left ? "LeftJoin" : "Join"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;

  std::string table;         //!< the table's name (a SourcePlan with `table` set)
  std::string topic;         //!< its topic
  BoundExpr key;             //!< over the stream's row: matched against the table's key
  bool left = false;         //!< `left join`: a record without a row comes out with nulls
  Schema table_schema;       //!< the table's whole row, its key included
  size_t table_key_index = 0;  //!< which field of table_schema is the key (not in the output)
  size_t stream_fields = 0;    //!< the stream row's fields: the output's first ones
  int64_t history_ms = 0;
  std::optional<int64_t> ttl_ms;
  std::optional<int64_t> max_rows;
};

}  // namespace flow::compiler::plan
