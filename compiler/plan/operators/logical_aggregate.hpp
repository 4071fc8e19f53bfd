// Aggregate (`group by … [window …] | aggregate … | emit final|changes`): keyed, optionally
// windowed aggregation. `emit changes` makes it keyed state processing: it must be the last
// aggregation of its query.
#pragma once

#include <optional>

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/aggregate_spec.hpp"

namespace flow::compiler::plan {

struct LogicalAggregate final : LogicalOperator, AggregateSpec {
  LogicalAggregate() : LogicalOperator(OperatorKind::Aggregate) {}
  std::string name() const override { return top ? "Top" : "Aggregate"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;

  bool emit_written = false;            //!< `emit` given explicitly (else the default for the window)
  Span emit_span;

  //! AggregateSpec's, of this operator's output.
  Field group_field(size_t i) const { return AggregateSpec::group_field(i, output); }
  size_t row_width() const { return AggregateSpec::row_width(output); }
  size_t grouped_width() const { return AggregateSpec::grouped_width(output); }
};

}  // namespace flow::compiler::plan
