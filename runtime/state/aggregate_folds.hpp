// Running aggregates: the folds of runtime/eval/aggregate.hpp (count, sum, avg, min, max, first,
// last), kept one record at a time so a window holds a few values instead of its records. Adding a
// window's records in arrival order gives exactly eval::aggregate_values of those records. Two
// session windows that a late record bridges are merged: counts, int sums, min, max, first and
// last stay exact (ties and first/last are decided by arrival number), while a float sum or avg
// adds the two partial sums, which can differ in the last bits from one arrival-order sum.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/eval/value.hpp"
#include "compiler/plan/operators/logical_aggregate.hpp"
#include "runtime/state/value_codec.hpp"

namespace flow::runtime {

//! One aggregate's running value.
struct Accumulator {
  eval::Value value;  //!< sum; min/max (null: none yet); first/last
  double total = 0;             //!< avg
  int64_t count = 0;            //!< count; avg; records folded (first, last, min, max)
  uint64_t arrival = 0;         //!< min/max: the best value's arrival; first/last: the record's
};

class AggregateFolds {
 public:
  explicit AggregateFolds(const compiler::plan::LogicalAggregate& aggregate);

  //! Accumulators before any record.
  std::vector<Accumulator> start() const;
  //! The aggregates' arguments for one record (null where an aggregate has none).
  std::vector<eval::Value> arguments(const std::vector<eval::Value>& record,
                                               const eval::Value& key) const;
  //! Folds in one record's arguments; `arrival` orders records (larger is later).
  void add(std::vector<Accumulator>& into, const std::vector<eval::Value>& arguments,
           uint64_t arrival) const;
  //! Folds `other` (another window of the same group) into `into`.
  void merge(std::vector<Accumulator>& into, const std::vector<Accumulator>& other) const;
  //! The aggregates' values, each of its call's type.
  std::vector<eval::Value> results(const std::vector<Accumulator>& accumulators) const;

  void encode(std::string& out, const std::vector<Accumulator>& accumulators) const;
  std::vector<Accumulator> decode(ValueReader& reader) const;

 private:
  enum class Fold : uint8_t { Count, CountValues, Sum, Avg, Min, Max, First, Last };
  const compiler::plan::LogicalAggregate& aggregate_;
  std::vector<Fold> folds_;
};

}  // namespace flow::runtime
