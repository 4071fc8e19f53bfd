// For unit tests: the plan of a `.flow` text that must check cleanly. On a diagnostic the test
// fails and prints the rendered diagnostics.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "compiler/driver/check_file.hpp"
#include "compiler/physical/physical_planner.hpp"

namespace flow::compiler::testing {

inline plan::Plan checked_plan(const std::string& text, plan::PlanOptions options = {}) {
  CheckedFile checked = check_text("test.flow", text, true, options);
  INFO(checked.rendered());
  REQUIRE(checked.ok());
  return std::move(*checked.plan);
}

//! What the runtime reads of the same text: its physical plan.
inline physical::PhysicalPlan checked_physical_plan(const std::string& text, plan::PlanOptions options = {}) {
  return physical::build_physical_plan(checked_plan(text, options));
}

}  // namespace flow::compiler::testing
