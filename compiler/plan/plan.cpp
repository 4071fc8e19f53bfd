// Plan lookups and the plan's JSON form (docs/plan.md). The JSON carries a format version; a
// change that removes or renames a member bumps it.
#include "compiler/plan/plan.hpp"

#include <algorithm>

#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_join.hpp"
#include "compiler/plan/operators/logical_union.hpp"

namespace flow::compiler::plan {

namespace {

template <typename T>
const T* find_named(const std::vector<T>& items, const std::string& name) {
  for (const auto& item : items)
    if (item.name == name) return &item;
  return nullptr;
}

const char* kind_name(OperatorKind kind) {
  switch (kind) {
    case OperatorKind::Source: return "source";
    case OperatorKind::Union: return "union";
    case OperatorKind::Filter: return "filter";
    case OperatorKind::Project: return "project";
    case OperatorKind::Tally: return "tally";
    case OperatorKind::Explode: return "explode";
    case OperatorKind::KeyBy: return "key_by";
    case OperatorKind::Aggregate: return "aggregate";
    case OperatorKind::Process: return "process";
    case OperatorKind::Sink: return "sink";
    case OperatorKind::Join: return "join";
  }
  return "";
}

}  // namespace

const SourcePlan* Plan::find_source(const std::string& name) const { return find_named(sources, name); }
const SinkPlan* Plan::find_sink(const std::string& name) const { return find_named(sinks, name); }
const MetricPlan* Plan::find_metric(const std::string& name) const { return find_named(metrics, name); }

bool QueryPlan::reads_stream(const std::string& source) const {
  return !operators.empty() && operators.front()->kind == OperatorKind::Source && !sources.empty() &&
         sources.front() == source;
}

const LogicalJoin* QueryPlan::join() const {
  for (const auto& op : operators)
    if (op->kind == OperatorKind::Join) return static_cast<const LogicalJoin*>(op.get());
  return nullptr;
}

const LogicalOperator* QueryPlan::stateful_operator() const {
  for (const auto& op : operators)
    if (op->kind == OperatorKind::Process || op->kind == OperatorKind::Aggregate || op->kind == OperatorKind::Join)
      return op.get();
  return nullptr;
}

size_t QueryPlan::process_index() const {
  for (size_t k = 1; k < operators.size(); ++k)
    if (operators[k]->kind == OperatorKind::Process) return k;
  return 0;
}

const Schema* QueryPlan::state_input_schema(const std::string& source) const {
  for (size_t k = 1; k < operators.size(); ++k)
    if (operators[k]->kind == OperatorKind::Process || operators[k]->kind == OperatorKind::Aggregate ||
        operators[k]->kind == OperatorKind::Join)
      return operator_input_schema(k, source);
  return nullptr;
}

const Schema* QueryPlan::operator_input_schema(size_t op, const std::string& source) const {
  if (op == 0 || op >= operators.size()) return nullptr;
  // A join's table reaches it straight from its topic; the stream through the operators before.
  if (operators[op]->kind == OperatorKind::Join) {
    const auto& join = static_cast<const LogicalJoin&>(*operators[op]);
    if (source == join.other) return &join.other_schema;
  }
  const LogicalOperator& feeding = *operators[op - 1];
  if (feeding.kind != OperatorKind::Union)
    return std::find(sources.begin(), sources.end(), source) != sources.end() ? &feeding.output : nullptr;
  for (const auto& input : static_cast<const LogicalUnion&>(feeding).inputs)
    if (input.source == source) return &input.schema;
  return nullptr;
}

void write_schema(JsonWriter& json, const Schema& schema) {
  json.begin_array();
  for (const auto& field : schema) {
    json.begin_object();
    json.key("name").value(field.name);
    json.key("type").value(field.type.to_string());
    json.end_object();
  }
  json.end_array();
}

std::string plan_to_json(const Plan& plan, const std::function<void(JsonWriter&)>& more) {
  JsonWriter json;
  json.begin_object();
  json.key("flow_plan_version").value(1);
  json.key("sources").begin_array();
  for (const auto& source : plan.sources) {
    json.begin_object();
    json.key("name").value(source.name);
    json.key("topic").value(source.topic);
    json.key("format").value(source.format);
    json.key("partitions").value(source.partitions);
    if (source.max_records_per_trigger) json.key("max_records_per_trigger").value(*source.max_records_per_trigger);
    else json.key("max_records_per_trigger").null();
    if (source.max_record_bytes) json.key("max_record_bytes").value(*source.max_record_bytes);
    else json.key("max_record_bytes").null();
    if (source.event_time) json.key("event_time").value(*source.event_time);
    else json.key("event_time").null();
    if (source.watermark_ms) json.key("watermark_ms").value(*source.watermark_ms);
    else json.key("watermark_ms").null();
    if (source.max_event_time_ahead_ms) json.key("max_event_time_ahead_ms").value(*source.max_event_time_ahead_ms);
    else json.key("max_event_time_ahead_ms").null();
    if (source.dead_letter) json.key("dead_letter").value(*source.dead_letter);
    else json.key("dead_letter").null();
    if (source.late) json.key("late").value(*source.late);
    else json.key("late").null();
    if (source.table) {
      json.key("table").value(true);
      json.key("key").value(source.table_key.value_or(""));
      if (source.max_rows) json.key("max_rows").value(*source.max_rows);
      if (source.ttl_ms) json.key("ttl_ms").value(*source.ttl_ms);
      json.key("history_ms").value(source.history_ms);
    }
    json.key("schema");
    write_schema(json, source.schema);
    json.end_object();
  }
  json.end_array();
  json.key("sinks").begin_array();
  for (const auto& sink : plan.sinks) {
    json.begin_object();
    json.key("name").value(sink.name);
    json.key("kind").value(sink.kind);
    if (sink.kind == "kafka") json.key("topic").value(sink.topic);
    json.end_object();
  }
  json.end_array();
  json.key("metrics").begin_array();
  for (const auto& metric : plan.metrics) json.value(metric.name);
  json.end_array();
  json.key("queries").begin_array();
  for (const auto& query : plan.queries) {
    json.begin_object();
    json.key("name").value(query.name);
    json.key("sources").begin_array();
    for (const auto& source : query.sources) json.value(source);
    json.end_array();
    json.key("operators").begin_array();
    for (const auto& op : query.operators) {
      json.begin_object();
      json.key("kind").value(kind_name(op->kind));
      op->write_json(json);
      json.key("output");
      write_schema(json, op->output);
      json.end_object();
    }
    json.end_array();
    json.end_object();
  }
  json.end_array();
  if (more) more(json);
  json.end_object();
  return json.str();
}

}  // namespace flow::compiler::plan
