// From AST to logical plan: declarations become sources, sinks and metrics; each query becomes an
// operator pipeline with every name resolved and every type known. The streaming rules (one
// action, last aggregation, bounded state, event time, co-partitioned unions) are checked here,
// before anything runs.
#pragma once

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/plan/plan.hpp"
#include "compiler/syntax/ast.hpp"

namespace flow::compiler::plan {

struct PlanOptions {
  //! Report unbounded state (E0224, E0225) as warnings instead of errors.
  bool allow_unbounded_state = false;
};

//! Builds the plan of `program`. Problems go to `sink`; when it has errors the plan is partial
//! and must not be run.
Plan build_plan(const ast::Program& program, DiagnosticSink& sink, PlanOptions options = {});

//! A declared type (`list<string>(max 20)?`) as a plan type; unknown names give Error.
Type resolve_type(const ast::TypeRef& type);

}  // namespace flow::compiler::plan
