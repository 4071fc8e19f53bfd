// Lowers the stateless part of every query to one fused loop per source: decode a record (only
// the fields its queries use), then for each query reading that source run its filters, tallies,
// keys and projections in registers, and end with either the sink (encode and emit) or a hand-over
// to the keyed state that follows: `flow_rt_to_state` for a `process`, `flow_rt_to_aggregate`
// with the group's values and the aggregates' arguments already computed for an `aggregate`. Bad
// records go to the dead-letter callback.
#pragma once

#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"
#include "compiler/codegen/lowering_context.hpp"
#include "compiler/plan/plan.hpp"

namespace flow::compiler::codegen {

//! Adds one batch function per source that some query reads to the module.
void lower_pipelines(LoweringContext& cx, const plan::Plan& plan);

}  // namespace flow::compiler::codegen
