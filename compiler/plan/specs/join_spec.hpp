// What a join computes (logical_join.hpp describes both kinds): the description the logical
// plan's LogicalJoin (which adds explain and JSON) and the physical plan's Join share.
#pragma once

#include <optional>
#include <string>

#include "compiler/plan/bound_expr.hpp"

namespace flow::compiler::plan {

struct JoinSpec {
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
