// Running aggregates: the folds of runtime/eval/aggregate.hpp (count, sum, avg, min, max, first,
// last, max_by, min_by, count_distinct, approx_count_distinct, and a top's N records), kept one
// record at a time so a window holds a few values instead of its records. Adding a window's records
// in arrival order gives exactly eval::aggregate_values of those records. Two session windows that
// a late record bridges are merged: counts, int sums, min, max, first and last stay exact (ties and
// first/last are decided by arrival number), while a float sum or avg adds the two partial sums,
// which can differ in the last bits from one arrival-order sum; a top keeps the first N of both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/eval/aggregate.hpp"
#include "runtime/eval/distinct_count.hpp"
#include "runtime/eval/value.hpp"
#include "compiler/physical/physical_plan.hpp"
#include "runtime/state/value_codec.hpp"

namespace flow::runtime {

//! One aggregate's running value.
struct Accumulator {
  eval::Value value;  //!< sum; min/max (null: none yet); first/last; max_by/min_by: the best record's x
  eval::Value by;     //!< max_by/min_by: the best record's ordering value (null: none yet)
  std::vector<std::string> distinct;  //!< count_distinct: the values seen, canonical bytes, sorted
  eval::DistinctSketch sketch;        //!< approx_count_distinct
  double total = 0;             //!< avg
  int64_t count = 0;            //!< count; avg; records folded (first, last, min, max)
  uint64_t arrival = 0;         //!< min/max: the best value's arrival; first/last: the record's
  //! top: the records first in its order so far, best first, at most N; each its ordering
  //! values, then its fields
  std::vector<std::vector<eval::Value>> ranked;
};

class AggregateFolds {
 public:
  explicit AggregateFolds(const compiler::physical::Aggregate& aggregate);

  //! Accumulators before any record.
  std::vector<Accumulator> start() const;
  //! The aggregates' arguments for one record, laid out as Aggregate::grouped_width says (physical_operators.hpp)
  //! after the group values: per call its argument (null for count()), then max_by / min_by's
  //! ordering value; for a top, its ordering values, then the record's fields.
  std::vector<eval::Value> arguments(const std::vector<eval::Value>& record,
                                               const eval::Value& key) const;
  //! The type of each of those arguments.
  const std::vector<compiler::plan::Type>& argument_types() const { return argument_types_; }
  //! Folds in one record's arguments; `arrival` orders records (larger is later).
  void add(std::vector<Accumulator>& into, const std::vector<eval::Value>& arguments,
           uint64_t arrival) const;
  //! Folds `other` (another window of the same group) into `into`.
  void merge(std::vector<Accumulator>& into, const std::vector<Accumulator>& other) const;
  //! The aggregates' values, each of its call's type.
  std::vector<eval::Value> results(const std::vector<Accumulator>& accumulators) const;
  //! Whether a top's record (its `arguments`) would enter the records kept in `accumulators`.
  bool ranks(const std::vector<Accumulator>& accumulators, const std::vector<eval::Value>& arguments) const;
  //! A top's rows, best first: each record's fields, then the window's bounds, then its rank.
  std::vector<std::vector<eval::Value>> top_rows(const std::vector<Accumulator>& accumulators,
                                                 const eval::Window& window) const;

  void encode(std::string& out, const std::vector<Accumulator>& accumulators) const;
  std::vector<Accumulator> decode(ValueReader& reader) const;

 private:
  enum class Fold : uint8_t {
    Count, CountValues, Sum, Avg, Min, Max, First, Last, MaxBy, MinBy, CountDistinct, ApproxCountDistinct, Top
  };
  //! Puts one record (its ordering values and fields) in its place among a top's, keeping N.
  void rank(std::vector<std::vector<eval::Value>>& ranked, const std::vector<eval::Value>& entry) const;
  //! Adds `value`'s canonical bytes to `distinct`; past call `i`'s bound the run stops.
  void add_distinct(size_t i, std::vector<std::string>& distinct, std::string value) const;
  const compiler::physical::Aggregate& aggregate_;
  std::vector<Fold> folds_;
  std::vector<size_t> first_argument_;  //!< per fold, where its arguments start
  std::vector<compiler::plan::Type> argument_types_;
};

}  // namespace flow::runtime
