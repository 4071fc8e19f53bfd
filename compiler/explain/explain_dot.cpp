// Graphviz form of the plan: sources and sinks as topics (cylinders), one cluster per query with
// its operators and how it runs (its tasks; each stateful stage's store and scope, drawn as a
// double box); a sink whose topic a source of the application reads is joined to that source by a
// dashed edge (a chain of queries). Render with `flowc explain app.flow --format dot | dot -Tsvg >
// plan.svg`.
#include <fmt/format.h>

#include "compiler/explain/explain.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/operators/logical_join.hpp"
#include "compiler/plan/operators/logical_sink.hpp"
#include "compiler/plan/operators/logical_source.hpp"
#include "compiler/plan/operators/logical_union.hpp"

namespace flow::compiler::explain {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string explain_dot(const plan::Plan& plan, const ExplainOptions& options) {
  std::string out = "digraph flow {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  for (const auto& source : plan.sources)
    out += fmt::format("  \"source:{}\" [shape=cylinder, label=\"{}{}\\ntopic {} ({} partitions)\"];\n",
                       escape(source.name), source.table ? "table " : "", escape(source.name), escape(source.topic),
                       source.partitions);
  for (const auto& sink : plan.sinks)
    out += fmt::format("  \"sink:{}\" [shape=cylinder, label=\"{}\\n{}\"];\n", escape(sink.name), escape(sink.name),
                       sink.kind == "kafka" ? "topic " + escape(sink.topic) : std::string("stdout"));
  physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  for (size_t s = 0; s < plan.sources.size(); ++s)
    if (physical.chained[s])
      for (const auto& sink : plan.sinks)
        if (sink.kind == "kafka" && sink.topic == plan.sources[s].topic)
          out += fmt::format("  \"sink:{}\" -> \"source:{}\" [style=dashed, label=\"chained\"];\n", escape(sink.name),
                             escape(plan.sources[s].name));
  int cluster = 0;
  for (size_t q = 0; q < plan.queries.size(); ++q) {
    const auto& query = plan.queries[q];
    if (options.query && query.name != *options.query) continue;
    const physical::TaskGroup& group = physical.task_groups.at(physical.queries[q].task_group);
    out += fmt::format("  subgraph cluster_{} {{\n    label=\"query {} ({} task{})\";\n", cluster++, escape(query.name),
                       group.partitions, group.partitions == 1 ? "" : "s");
    std::string previous;
    for (size_t i = 0; i < query.operators.size(); ++i) {
      const auto& op = *query.operators[i];
      std::string id = fmt::format("{}#{}", query.name, i);
      std::string stage_text;
      for (size_t k = 0; k < physical.queries[q].stages.size(); ++k) {
        const physical::StatefulStage& stage = physical.queries[q].stages[k];
        if (stage.operator_index == i)
          stage_text = fmt::format("\\nstage {}: store {}, state {}", k + 1, escape(stage.store),
                                   physical::scope_text(stage.scope));
      }
      out += fmt::format("    \"{}\" [shape={}, label=\"{}\\n{}{}\"];\n", escape(id), stage_text.empty() ? "box" : "box, peripheries=2",
                         op.name(), escape(op.describe()), stage_text);
      if (!previous.empty()) out += fmt::format("    \"{}\" -> \"{}\";\n", escape(previous), escape(id));
      previous = id;
    }
    out += "  }\n";
    for (size_t i = 0; i < query.operators.size(); ++i) {
      const auto& op = *query.operators[i];
      std::string id = escape(fmt::format("{}#{}", query.name, i));
      if (auto* source = dynamic_cast<const plan::LogicalSource*>(&op))
        out += fmt::format("  \"source:{}\" -> \"{}\";\n", escape(source->source), id);
      if (auto* union_op = dynamic_cast<const plan::LogicalUnion*>(&op))
        for (const auto& input : union_op->inputs)
          out += fmt::format("  \"source:{}\" -> \"{}\";\n", escape(input.source), id);
      if (auto* join = dynamic_cast<const plan::LogicalJoin*>(&op))
        out += fmt::format("  \"source:{}\" -> \"{}\" [label=\"{}\"];\n", escape(join->other), id,
                           join->windowed ? "records" : "rows");
      if (auto* sink = dynamic_cast<const plan::LogicalSink*>(&op))
        out += fmt::format("  \"{}\" -> \"sink:{}\";\n", id, escape(sink->sink));
    }
  }
  return out + "}\n";
}

}  // namespace flow::compiler::explain
