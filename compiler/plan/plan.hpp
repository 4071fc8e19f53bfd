// The logical plan of a whole application: its sources, sinks, metrics and one operator
// pipeline per query. It is the contract between the compiler and the runtime; its JSON form is
// documented in docs/plan.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/declarations.hpp"
#include "compiler/plan/logical_operator.hpp"

namespace flow::compiler::plan {

struct LogicalJoin;

struct QueryPlan {
  std::string name;
  Span span;
  std::vector<std::string> sources;  //!< the sources it reads
  OperatorList operators;            //!< Source or Union first, Sink last

  //! Whether `source` is the query's one stream: its first operator reads it alone (a query with
  //! a join reads its table too, but only as the join's second input).
  bool reads_stream(const std::string& source) const;
  //! The query's join, if it has one.
  const LogicalJoin* join() const;
  //! Keyed state the query keeps (a Process, an Aggregate or a Join), if any: the first.
  const LogicalOperator* stateful_operator() const;
  //! Where the query's `process` is in its operators (a query has at most one: it is the last
  //! aggregation), 0 when it has none.
  size_t process_index() const;
  //! The schema of the records that reach its keyed state from `source`: after a union, that
  //! source's own; otherwise the output of the operator before the state. Null when none does.
  const Schema* state_input_schema(const std::string& source) const;
  //! The schema of the records that reach operators[op] from `source`: a union's input schema
  //! right after the union, otherwise the output of operators[op - 1]. Null when `source` is not
  //! one of the query's.
  const Schema* operator_input_schema(size_t op, const std::string& source) const;
};

struct Plan {
  std::vector<SourcePlan> sources;
  std::vector<SinkPlan> sinks;
  std::vector<MetricPlan> metrics;
  std::vector<QueryPlan> queries;

  const SourcePlan* find_source(const std::string& name) const;
  const SinkPlan* find_sink(const std::string& name) const;
  const MetricPlan* find_metric(const std::string& name) const;
};

//! The plan as JSON (format version 1, documented in docs/plan.md). `more` writes members of its
//! own at the end of the top-level object (the physical plan does: physical_plan.hpp).
std::string plan_to_json(const Plan& plan, const std::function<void(JsonWriter&)>& more = {});

}  // namespace flow::compiler::plan
