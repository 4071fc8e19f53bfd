// Graphviz form of the plan: sources and sinks as topics (boxes), one cluster per query with its
// operators. Render with `flowc explain app.flow --format dot | dot -Tsvg > plan.svg`.
#include <fmt/format.h>

#include "compiler/explain/explain.hpp"
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
    out += fmt::format("  \"source:{}\" [shape=cylinder, label=\"{}\\ntopic {} ({} partitions)\"];\n",
                       escape(source.name), escape(source.name), escape(source.topic), source.partitions);
  for (const auto& sink : plan.sinks)
    out += fmt::format("  \"sink:{}\" [shape=cylinder, label=\"{}\\n{}\"];\n", escape(sink.name), escape(sink.name),
                       sink.kind == "kafka" ? "topic " + escape(sink.topic) : std::string("stdout"));
  int cluster = 0;
  for (const auto& query : plan.queries) {
    if (options.query && query.name != *options.query) continue;
    out += fmt::format("  subgraph cluster_{} {{\n    label=\"query {}\";\n", cluster++, escape(query.name));
    std::string previous;
    for (size_t i = 0; i < query.operators.size(); ++i) {
      const auto& op = *query.operators[i];
      std::string id = fmt::format("{}#{}", query.name, i);
      out += fmt::format("    \"{}\" [shape=box, label=\"{}\\n{}\"];\n", escape(id), op.name(), escape(op.describe()));
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
      if (auto* sink = dynamic_cast<const plan::LogicalSink*>(&op))
        out += fmt::format("  \"{}\" -> \"sink:{}\";\n", id, escape(sink->sink));
    }
  }
  return out + "}\n";
}

}  // namespace flow::compiler::explain
