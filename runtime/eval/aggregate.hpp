// Aggregates of the reference evaluator, over a whole batch of records at once: which windows a
// record belongs to, and each group's (and window's) results. When results leave the query
// (watermark, lateness) is the runtime's business; this says what they are. Semantics:
//   groups    — records with equal group values (`==`, so null groups with null) form a group.
//   tumbling  — window [start, start + size) with start = ts rounded down to a multiple of size
//               (also before 1970: ts = -1 with size 1m is in [-60000, 0)).
//   hopping   — every window [k * slide, k * slide + size) that contains ts, oldest first.
//   session   — per group, records whose event times are less than `gap` apart (sorted by
//               time) share a session [first ts, last ts + gap).
//   count()   — the number of records; count(x) the number whose x is not null.
//   sum(x)    — the non-null values added in arrival order (ints wrap, floats are IEEE); 0 or
//               0.0 when there are none.
//   avg(x)    — the non-null values as floats, added in arrival order, divided by their count;
//               null when there are none.
//   min, max  — the smallest / largest non-null value (null when there are none): numbers by
//               the stdlib's least / greatest (NaN is larger than every number; of equal values
//               the earlier wins), strings bytewise, timestamps and durations by milliseconds.
//   first, last — x of the group's first / last record in arrival order, null included.
//   max_by(x, y), min_by(x, y) — x of the record with the largest / smallest non-null y (by the
//               rules of max and min; of equal y the earlier record wins), null included; null
//               when no record has a y.
//   count_distinct(x, n) — the number of distinct non-null x (by group equality); more than n in
//               one group is an error (the run stops).
//   approx_count_distinct(x) — the estimate of distinct_count.hpp's sketch of the non-null x.
//   top N by … — per group and window the N records first in the order: by each ordering value
//               (ascending, or descending with `desc`; a null last either way), then by the
//               record's fields in order (ascending, nulls last), so that ties are broken the same
//               whatever the arrival order. Each row: the record's fields, window_start,
//               window_end, rank (1..N).
//   Window bounds are int64 milliseconds and wrap within one window of the int64 limits.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/eval/value.hpp"
#include "compiler/physical/physical_plan.hpp"

namespace flow::runtime::eval {

//! The plan's types and expressions (shared by the logical and the physical plan), which the evaluator runs.
namespace plan = flow::compiler::plan;

struct Window {
  int64_t start = 0;  //!< inclusive, ms
  int64_t end = 0;    //!< exclusive, ms
  bool operator==(const Window&) const = default;
};

//! The tumbling or hopping windows that contain `event_time_ms`, oldest first.
//! One step of `min` (`smaller`) or `max`: `candidate` replaces `best` when it is smaller
//! (larger); of equal values the earlier stays. Numbers follow the stdlib's least/greatest (NaN
//! is larger than every number), other values `<`. Shared by the evaluator and keyed state.
Value min_max_step(const Value& best, const Value& candidate, bool smaller);

std::vector<Window> windows_of(const plan::WindowSpec& window, int64_t event_time_ms);

//! A total order of values of one type, ascending, nulls last: numbers by value (NaN after every
//! number; -0.0 before 0.0, NaNs by their bits), strings bytewise, bools false first, timestamps
//! and durations by milliseconds, lists and records element by element. <0, 0 or >0.
int compare_values(const Value& a, const Value& b);

//! Whether `a` ranks before `b` in `top`: each laid out as the top's ordering values, then the
//! record's fields (as AggregateFolds hands them). Equal only when every value is identical.
bool ranks_before(const plan::TopSpec& top, const std::vector<Value>& a, const std::vector<Value>& b);

//! Session windows of `gap_ms` for one group's event times (any order), oldest first.
std::vector<Window> sessions_of(int64_t gap_ms, std::vector<int64_t> event_times_ms);

//! A record entering an Aggregate: its fields (the operator's input schema), its key (if the
//! query is keyed) and its event time.
struct AggregateInput {
  std::vector<Value> record;
  std::optional<Value> key;
  int64_t event_time_ms = 0;
};

//! The values of `aggregate`'s aggregates over one group's records, in arrival order.
std::vector<Value> aggregate_values(const compiler::physical::Aggregate& aggregate,
                                    const std::vector<AggregateInput>& records);

//! Every output record of `aggregate` over `inputs` once every window has closed (or, without a
//! window, once all inputs have arrived): group values, then window_start and window_end when
//! windowed, then the aggregates (a top: its rows, in rank order). Ordered by window start, then
//! by the group's first arrival; compare with a runtime's output as a multiset.
std::vector<std::vector<Value>> run_aggregate(const compiler::physical::Aggregate& aggregate,
                                              const std::vector<AggregateInput>& inputs);

}  // namespace flow::runtime::eval
