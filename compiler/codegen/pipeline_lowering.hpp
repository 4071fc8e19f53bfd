// Lowers the stateless part of every query to one fused loop per source: decode a record (only
// the fields its queries use), then for each query reading that source run its filters, tallies,
// keys and projections in registers, and end with either the sink (encode and emit) or a hand-over
// to the keyed state that follows (`flow_rt_to_state`). Bad records go to the dead-letter callback.
#pragma once

#include <string>
#include <vector>

#include "compiler/codegen/lowering_context.hpp"
#include "compiler/plan/plan.hpp"

namespace flow::compiler::codegen {

//! The name of the batch function generated for a source (see flow_batch_fn in flow_abi.h).
std::string batch_function_name(const std::string& source);

//! Which fields of `source` its queries read: what the decoder must decode.
std::vector<bool> needed_fields(const plan::Plan& plan, const std::string& source);

//! Adds one batch function per source that some query reads to the module.
void lower_pipelines(LoweringContext& cx, const plan::Plan& plan);

}  // namespace flow::compiler::codegen
