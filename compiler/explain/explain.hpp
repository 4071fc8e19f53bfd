// `flowc explain`: the plan for people (an indented tree with schemas and state), for tools (the
// plan JSON) and for pictures (Graphviz dot).
#pragma once

#include <optional>
#include <string>

#include "compiler/plan/plan.hpp"

namespace flow::compiler::explain {

struct ExplainOptions {
  std::optional<std::string> query;  //!< only this query (the application summary is kept)
};

//! For people: what the application needs to run (tasks, the core budget, rate limits, delivery
//! guarantee), then each query's operators with their schemas and state, and how it runs (its
//! physical plan).
std::string explain_text(const plan::Plan& plan, const ExplainOptions& options = {});
std::string explain_dot(const plan::Plan& plan, const ExplainOptions& options = {});

}  // namespace flow::compiler::explain
