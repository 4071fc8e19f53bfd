// Builds the physical plan (physical_plan.hpp) from a checked logical plan, once, for flowc's
// explain and codegen and for flowrun's loader alike; and writes its JSON. The runtime reads the
// result and never includes this (nor the logical plan).
#pragma once

#include <string>
#include <vector>

#include "compiler/physical/physical_plan.hpp"
#include "compiler/plan/json_writer.hpp"
#include "compiler/plan/plan.hpp"

namespace flow::compiler::physical {

PhysicalPlan build_physical_plan(const plan::Plan& plan);

//! Which fields of `source` its queries read (PhysicalPlan::decoded_fields of one source).
std::vector<bool> needed_fields(const plan::Plan& plan, const std::string& source);

//! The `physical` member of the plan's JSON (docs/plan.md).
void write_physical_json(plan::JsonWriter& json, const plan::Plan& plan, const PhysicalPlan& physical);

//! The plan's JSON with its physical plan as the `physical` member: what `flowc explain --format
//! json` prints and `flowc build` embeds in the shared object.
std::string plan_and_physical_json(const plan::Plan& plan);

}  // namespace flow::compiler::physical
