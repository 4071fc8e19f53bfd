// What an aggregate computes (`group by … [window …] | aggregate … | emit final|changes`, or a
// `top N by …`): the description the logical plan's LogicalAggregate (which adds explain and JSON)
// and the physical plan's Aggregate (which the runtime runs) share. `output` is the operator's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/bound_expr.hpp"

namespace flow::compiler::plan {

enum class WindowKind : uint8_t { None, Tumbling, Hopping, Session };
enum class EmitMode : uint8_t { Final, Changes };

struct WindowSpec {
  WindowKind kind = WindowKind::None;
  int64_t size_ms = 0;   //!< tumbling, hopping
  int64_t slide_ms = 0;  //!< hopping
  int64_t gap_ms = 0;    //!< session
  bool processing_time = false;  //!< windows of the processing-time clock, not of event time
  Span span;
};

struct AggregateCall {
  //! count, sum, min, max, avg, first, last, max_by, min_by, count_distinct, approx_count_distinct
  std::string function;
  std::optional<BoundExpr> argument;  //!< none for count()
  std::optional<BoundExpr> by;        //!< max_by / min_by: what orders the records (the second argument)
  int64_t max_distinct = 0;           //!< count_distinct: the declared bound on distinct values
  std::string output_name;
  Type type;
  Span span;
};

//! One ordering value of `top N by …`.
struct OrderKey {
  BoundExpr value;
  bool descending = false;
  Span span;
};

//! `group by … window … | top N by …`: per group and window, the N records first in this order
//! instead of aggregates. Its rows are the input record's fields (`row_width()` of them), then
//! `window_start`, `window_end` and `rank`.
struct TopSpec {
  int64_t limit = 0;  //!< N: the most rows a group and window keeps and emits
  std::vector<OrderKey> order;
  Span span;
};

struct AggregateSpec {
  std::vector<BoundExpr> keys;          //!< group by; output fields 0..keys.size()-1
  WindowSpec window;
  std::vector<AggregateCall> aggregates;
  EmitMode emit = EmitMode::Changes;
  //! Without a window: a group that gets no record for this long is dropped (by event time: the
  //! watermark passes its latest event time plus this; `in processing time`: the wall clock).
  std::optional<int64_t> timeout_ms;
  bool processing_time = false;
  std::optional<TopSpec> top;           //!< `top N by …` in place of the aggregates

  //! Group field `i` as the rows' key names it (`key` when grouped by the query's key), and its type.
  Field group_field(size_t i, const Schema& output) const;
  //! A top's rows: how many of their first fields are the input record's.
  size_t row_width(const Schema& output) const { return output.size() >= 3 ? output.size() - 3 : 0; }

  //! The values generated code hands the aggregate per record: the group's, then each call's
  //! argument (a null for count()) and, for max_by / min_by, its ordering value — for a top, its
  //! ordering values and then the record's fields.
  size_t grouped_width(const Schema& output) const {
    size_t width = keys.size();
    if (top) return width + top->order.size() + row_width(output);
    for (const auto& call : aggregates) width += call.by ? 2 : 1;
    return width;
  }
};

std::string window_to_source(const WindowSpec& window);

}  // namespace flow::compiler::plan
