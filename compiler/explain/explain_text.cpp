// The text form of explain: an application summary, then each query's operators top to bottom,
// each with the schema it produces, and the keyed state it keeps.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/explain/explain.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/bound_expr.hpp"
#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_join.hpp"
#include "compiler/plan/operators/logical_process.hpp"

namespace flow::compiler::explain {

namespace {

std::string plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

void summary(const plan::Plan& plan, const physical::PhysicalPlan& physical, std::string& out) {
  physical::CoreBudget budget = physical::core_budget(physical);
  out += fmt::format("application: {}, {}, {}, {}\n", plural(plan.sources.size(), "source", "sources"),
                     plural(plan.sinks.size(), "sink", "sinks"), plural(plan.metrics.size(), "metric", "metrics"),
                     plural(plan.queries.size(), "query", "queries"));
  for (const auto& source : plan.sources) {
    out += fmt::format("  {} {}: topic \"{}\", {}", source.table ? "table" : "source", source.name, source.topic,
                       plural(source.partitions, "partition", "partitions"));
    if (source.table_key) out += fmt::format(", key `{}`", *source.table_key);
    if (source.max_records_per_trigger)
      out += fmt::format(", at most {} records per partition per trigger", *source.max_records_per_trigger);
    if (source.max_record_bytes)
      out += fmt::format(", records over {} bytes dead-lettered", *source.max_record_bytes);
    else
      out += ", no rate limit";
    if (source.event_time) out += fmt::format(", event time `{}`", *source.event_time);
    if (source.watermark_ms) out += fmt::format(", watermark {}", plan::duration_to_source(*source.watermark_ms));
    if (source.dead_letter) out += fmt::format(", dead letters to \"{}\"", *source.dead_letter);
    if (source.late) out += fmt::format(", late records to \"{}\"", *source.late);
    out += "\n";
  }
  out += fmt::format("  tasks: {} (one per source partition, sources of a union together; each source is read "
                     "once for all its queries)\n",
                     budget.tasks);
  out += fmt::format("  core budget: {} for full parallelism ({} + {} producer thread); Spark would need {} "
                     "({} x partitions read + {} producer)\n",
                     budget.tasks + budget.producer_threads, plural(budget.tasks, "task", "tasks"),
                     budget.producer_threads,
                     budget.spark_cores, plural(plan.queries.size(), "query", "queries"), budget.producer_threads);
  out += "  fewer cores run slower, never stall: workers never block on a fetch\n";
  out += "  delivery: at-least-once (sink output is acknowledged before state and offsets commit)\n";
}

void state_details(const plan::LogicalOperator& op, std::string& out) {
  if (auto* process = dynamic_cast<const plan::LogicalProcess*>(&op)) {
    out += fmt::format("      state per key ({}): ~{} bytes\n", process->key_type.to_string(),
                       process->estimated_bytes_per_key());
    for (const auto& field : process->state)
      out += fmt::format("        {}: {}{}\n", field.name, field.type.to_string(),
                         field.type.kind == plan::TypeKind::List && field.type.max_length
                             ? fmt::format(" (keeps the newest {}{})", field.type.max_length,
                                       field.type.set ? " distinct values" : "")
                             : "");
    if (process->timeout_ms)
      out += fmt::format("      cleaned: after {} without records ({} time){}\n",
                         plan::duration_to_source(*process->timeout_ms),
                         process->processing_time ? "processing" : "event",
                         process->clears_state ? ", and by `clear state`" : "");
    else if (process->clears_state)
      out += "      cleaned: by `clear state`\n";
    else
      out += "      cleaned: never (allowed by --allow-unbounded-state)\n";
    if (!process->emits) out += "      consume-only: emits nothing\n";
  } else if (auto* join = dynamic_cast<const plan::LogicalJoin*>(&op); join && join->windowed) {
    int64_t left_bytes = 0, right_bytes = 0;
    for (size_t f = 0; f < join->stream_fields; ++f) left_bytes += plan::estimated_bytes(join->output[f].type);
    for (const auto& field : join->other_schema) right_bytes += plan::estimated_bytes(field.type);
    int64_t hold = std::max(join->left || join->full ? join->after_ms : 0, join->full ? join->before_ms : 0);
    out += fmt::format("      state: the records of both streams by key, ~{} bytes a record of this query's stream, ~{} "
                       "of stream {}; each pair waits until the watermark passes its time\n",
                       left_bytes, right_bytes, join->other);
    out += fmt::format("      cleaned: a record of this query's stream once the watermark is {} past its event time, one "
                       "of stream {} {} past (the watermark allows for each source's lateness){}\n",
                       plan::duration_to_source(join->after_ms), join->other,
                       plan::duration_to_source(join->before_ms),
                       join->left || join->full
                           ? fmt::format("; unmatched {} come out with nulls then, so the watermark after the join "
                                         "runs {} behind",
                                         join->full ? "records of either stream" : "records of this query's stream",
                                         plan::duration_to_source(hold))
                           : std::string());
  } else if (auto* join = dynamic_cast<const plan::LogicalJoin*>(&op)) {
    int64_t bytes = 0;
    for (const auto& field : join->other_schema) bytes += plan::estimated_bytes(field.type);
    out += fmt::format("      state: the rows of table {} by key, ~{} bytes each, {}; each record waits until the "
                       "watermark passes its event time\n",
                       join->other, bytes,
                       join->max_rows ? fmt::format("at most {}", plural(*join->max_rows, "row", "rows"))
                                      : std::string("any number of rows"));
    out += fmt::format("      cleaned: a replaced row after {} of event time (history){}\n",
                       plan::duration_to_source(join->history_ms),
                       join->ttl_ms ? fmt::format("; a key not updated for {} (ttl)",
                                                  plan::duration_to_source(*join->ttl_ms))
                                    : std::string());
  } else if (auto* aggregate = dynamic_cast<const plan::LogicalAggregate*>(&op)) {
    int64_t bytes = 0;
    for (const auto& field : aggregate->output) bytes += plan::estimated_bytes(field.type);
    if (aggregate->top)
      out += fmt::format("      state per key and window: at most {} (the top N), ~{} bytes each\n",
                         plural(aggregate->top->limit, "record", "records"), bytes);
    else
      out += fmt::format("      state per {}: ~{} bytes\n",
                         aggregate->window.kind == plan::WindowKind::None ? "key" : "key and window", bytes);
    if (aggregate->window.kind != plan::WindowKind::None)
      out += "      cleaned: when the watermark passes the window's end\n";
    else if (aggregate->timeout_ms)
      out += fmt::format("      cleaned: a group after {} without records ({} time)\n",
                         plan::duration_to_source(*aggregate->timeout_ms),
                         aggregate->processing_time ? "processing" : "event");
    else
      out += "      cleaned: never (allowed by --allow-unbounded-state)\n";
  }
}

//! How the query runs (physical_plan.hpp): its tasks, what generated code runs, each stateful
//! stage's store, and the topic it feeds when another query reads it.
void physical_details(const plan::Plan& plan, const physical::PhysicalPlan& physical, size_t q, std::string& out) {
  const physical::Query& query = physical.queries[q];
  const physical::TaskGroup& group = physical.task_groups.at(query.task_group);
  std::string sources;
  for (size_t s : group.sources) sources += (sources.empty() ? "" : ", ") + plan.sources[s].name;
  std::string table;
  if (const plan::LogicalJoin* join = plan.queries[q].join())
    if (const plan::SourcePlan* rows = plan.find_source(join->other))
      table = fmt::format("; the {} of {} {} feed its join", plural(rows->partitions, "task", "tasks"),
                          rows->table ? "table" : "stream", rows->name);
  out += fmt::format("  runs as: {} (partitions of {}{}{})\n", plural(group.partitions, "task", "tasks"), sources,
                     group.level ? fmt::format("; level {} of a chain of queries", group.level) : "", table);
  for (size_t i = 0; i < query.stages.size(); ++i) {
    const physical::StatefulStage& stage = query.stages[i];
    out += fmt::format("    stage {}: {} `{}`, state {}", i + 1, plan.queries[q].operators[stage.operator_index]->name(),
                       stage.store, physical::scope_text(stage.scope));
    size_t after = stage.next_operator - stage.operator_index - 1;
    if (after) out += fmt::format(", then {} on its rows", plural(static_cast<int64_t>(after), "operator", "operators"));
    out += "\n";
  }
  if (query.sink)
    for (size_t s = 0; s < plan.sources.size(); ++s)
      if (physical.chained[s] && plan.sinks[*query.sink].kind == "kafka" &&
          plan.sources[s].topic == plan.sinks[*query.sink].topic)
        out += fmt::format("    feeds source {} (topic \"{}\")\n", plan.sources[s].name, plan.sources[s].topic);
}

}  // namespace

std::string explain_text(const plan::Plan& plan, const ExplainOptions& options) {
  std::string out;
  physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  summary(plan, physical, out);
  for (size_t q = 0; q < plan.queries.size(); ++q) {
    const auto& query = plan.queries[q];
    if (options.query && query.name != *options.query) continue;
    out += fmt::format("\nquery {}\n", query.name);
    for (const auto& op : query.operators) {
      out += fmt::format("  {:<10} {}\n", op->name(), op->describe());
      out += fmt::format("      -> {}\n", plan::schema_to_string(op->output));
      state_details(*op, out);
    }
    physical_details(plan, physical, q, out);
  }
  return out;
}

}  // namespace flow::compiler::explain
