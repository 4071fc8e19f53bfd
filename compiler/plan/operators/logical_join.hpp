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

#include "compiler/plan/bound_expr.hpp"
#include "compiler/plan/logical_operator.hpp"

namespace flow::compiler::plan {

struct LogicalJoin final : LogicalOperator {
  LogicalJoin() : LogicalOperator(OperatorKind::Join) {}
  std::string name() const override {
    return std::string(full ? "Full" : left ? "Left" : "") + (windowed ? "WindowJoin" : "Join");
  }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;

  std::string other;         //!< the table's or the other stream's name (a SourcePlan)
  std::string topic;         //!< its topic
  BoundExpr key;             //!< over the stream's row: its join key
  bool left = false;         //!< `left join`: a stream record that matches nothing comes out with nulls
  bool full = false;         //!< `full join` (windowed only): so does an unmatched record of the other side
  Schema other_schema;       //!< the other input's whole row, its key field included
  //! The other row's field not in the output: a table's key; for a windowed join, its field of
  //! the key's name when both sides join on one field name (`on ad_id`), else other_schema.size().
  size_t other_key_index = 0;
  size_t stream_fields = 0;  //!< the stream row's fields: the output's first ones
  // Stream–table.
  int64_t history_ms = 0;
  std::optional<int64_t> ttl_ms;
  std::optional<int64_t> max_rows;
  // Stream–stream.
  bool windowed = false;
  BoundExpr other_key;       //!< over the other stream's row
  int64_t before_ms = 0;     //!< an other record matches from t - before_ms …
  int64_t after_ms = 0;      //!< … to t + after_ms (inclusive both)
  //! The stream row's key field when the other's is left out: a `full join`'s row of the other
  //! side alone holds the key there (its other stream fields are null).
  std::optional<size_t> stream_key_field;
};

}  // namespace flow::compiler::plan
