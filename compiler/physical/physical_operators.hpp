// The operators of the physical plan: what each of a query's operators computes (the
// descriptions it shares with the logical plan, compiler/plan/specs/) and the indices into the
// physical plan of what it names — the query's stream, a union's and a join's sources, the
// sink. They are values (the physical plan is copied into the
// runtime whole), built once by build_physical_plan from the checked logical plan; the runtime
// reads these and never a logical operator.
#pragma once

#include <cstddef>
#include <optional>
#include <variant>
#include <vector>

#include "compiler/plan/operator_kind.hpp"
#include "compiler/plan/specs/aggregate_spec.hpp"
#include "compiler/plan/specs/join_spec.hpp"
#include "compiler/plan/specs/process_spec.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::physical {

//! A query's one stream: `source_index` into PhysicalPlan::sources.
struct Read : plan::SourceSpec {
  size_t source_index = 0;
};

struct Union : plan::UnionSpec {
  std::vector<size_t> input_sources;  //!< per input: its index into PhysicalPlan::sources
};

using Filter = plan::FilterSpec;
using Project = plan::ProjectSpec;
using Explode = plan::ExplodeSpec;
using KeyBy = plan::KeyBySpec;

//! Generated code counts a tally by the metric's index (codegen resolves it); the evaluator by name.
using Tally = plan::TallySpec;

struct Join : plan::JoinSpec {
  size_t other_source = 0;  //!< the table's or the other stream's index into PhysicalPlan::sources
};

struct Aggregate : plan::AggregateSpec {
  plan::Schema output;  //!< the operator's (its rows'), which the spec's widths are of
  plan::Field group_field(size_t i) const { return AggregateSpec::group_field(i, output); }
  size_t row_width() const { return AggregateSpec::row_width(output); }
  size_t grouped_width() const { return AggregateSpec::grouped_width(output); }
};

struct Process : plan::ProcessSpec {
  plan::Schema output;  //!< the operator's: what `emit` makes
};

struct Sink : plan::SinkSpec {
  std::optional<size_t> sink_index;  //!< into PhysicalPlan::sinks
};

struct Operator {
  plan::OperatorKind kind = plan::OperatorKind::Source;
  plan::Schema output;  //!< what it produces
  std::variant<Read, Union, Filter, Project, Tally, Explode, KeyBy, Aggregate, Process, Sink, Join> body;

  //! The operator's description; `T` must be the one its kind says (else std::bad_variant_access).
  template <typename T>
  const T& as() const {
    return std::get<T>(body);
  }
};

}  // namespace flow::compiler::physical
