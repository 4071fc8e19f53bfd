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

//! What the application needs to run: tasks, threads, cores, rate limits, delivery guarantee.
struct Budget {
  int64_t tasks = 0;            //!< one per partition of each source that a query reads
  int64_t producer_threads = 1; //!< librdkafka's producer thread, shared by all sinks
  int64_t spark_cores = 0;      //!< M queries × N partitions + P producers, as Spark would need
};

Budget compute_budget(const plan::Plan& plan);

std::string explain_text(const plan::Plan& plan, const ExplainOptions& options = {});
std::string explain_dot(const plan::Plan& plan, const ExplainOptions& options = {});

}  // namespace flow::compiler::explain
