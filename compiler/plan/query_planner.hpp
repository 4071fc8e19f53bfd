// Plans one query: its inputs (Source, or a keyed Union), then each `| operator` in order, with
// the streaming rules that depend on the order of operators.
#pragma once

#include <optional>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/plan/expression_binder.hpp"
#include "compiler/plan/planner.hpp"

namespace flow::compiler::plan {

struct LogicalAggregate;

class QueryPlanner {
 public:
  QueryPlanner(const Plan& plan, DiagnosticSink& sink, PlanOptions options)
      : plan_(plan), sink_(sink), options_(options), binder_(sink) {}

  QueryPlan plan(const ast::QueryDecl& query);

 private:
  struct Pipeline;  // the state of the walk over one query's operators

  bool plan_inputs(const ast::QueryDecl& query, Pipeline& pipeline);
  void plan_operator(const ast::QueryDecl& query, size_t& index, Pipeline& pipeline);
  void plan_aggregate(const ast::QueryDecl& query, size_t& index, Pipeline& pipeline);
  //! `explode LIST as NAME`; not after keyed state (its stage functions hand out one row per row).
  void plan_explode(const ast::Operator& op, Pipeline& pipeline);
  void plan_process(const ast::Operator& op, Pipeline& pipeline);
  void plan_join(const ast::Operator& op, Pipeline& pipeline);
  //! `join STREAM within … on …`: a windowed stream–stream join.
  void plan_window_join(const ast::Operator& op, const SourcePlan& other, Pipeline& pipeline);
  //! `top N by …` after a windowed `group by`: the rows it emits are `input`'s fields, then the
  //! window's, then `rank`.
  void plan_top(const ast::Operator& op, const Scope& scope, const Schema& input, LogicalAggregate& aggregate,
                Schema& output);
  void plan_into(const ast::Operator& op, Pipeline& pipeline);
  bool check_not_after_state(const ast::Operator& op, const Pipeline& pipeline);
  //! A window needs `event_time` and `watermark` on every source; `emit_final` is labelled too.
  //! Windows and event-time timeouts need `event_time` and `watermark` on every source read.
  void check_event_time(Span span, std::string_view what, const ast::Operator* emit_final, const Pipeline& pipeline);
  //! Unbounded-state findings are errors, or warnings under --allow-unbounded-state.
  void unbounded(ErrorCode code, Span span, std::string message, std::string label, std::string note,
                 std::string help);

  const Plan& plan_;
  DiagnosticSink& sink_;
  PlanOptions options_;
  ExpressionBinder binder_;
};

}  // namespace flow::compiler::plan
