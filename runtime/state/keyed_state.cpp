// Picks the implementation of a query's keyed state (keyed_state.hpp).
#include "runtime/state/keyed_state.hpp"

#include <chrono>
#include <stdexcept>

#include "compiler/physical/physical_plan.hpp"

namespace flow::runtime {

namespace {

int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

KeyedStateOperator::KeyedStateOperator(const compiler::physical::PhysicalPlan& plan, int32_t query, StateStore& store,
                                       ProcessingClock clock, std::vector<flow_handler_fn> compiled,
                                       const flow_encoder* sink_encoder, StageSpec stage)
    : query_(plan.queries.at(static_cast<size_t>(query))) {
  if (stage.operator_index == 0)
    for (size_t k = 1; k < query_.operators.size() && !stage.operator_index; ++k)
      if (query_.operators[k].kind == compiler::plan::OperatorKind::Process ||
          query_.operators[k].kind == compiler::plan::OperatorKind::Aggregate ||
          query_.operators[k].kind == compiler::plan::OperatorKind::Join)
        stage.operator_index = k;
  if (stage.keyspace.empty()) stage.keyspace = query_.name;
  const compiler::physical::Operator* op =
      stage.operator_index && stage.operator_index < query_.operators.size() ? &query_.operators[stage.operator_index]
                                                                             : nullptr;
  for (const std::string& source : query_.source_names)
    input_schemas_.emplace_back(source, query_.operator_input_schema(stage.operator_index, source));
  if (!clock) clock = system_clock_ms;
  if (op && op->kind == compiler::plan::OperatorKind::Process) {
    auto process = std::make_unique<ProcessOperator>(plan, query, store, std::move(clock), std::move(compiled),
                                                     sink_encoder, stage);
    process_ = process.get();
    operator_ = std::move(process);
  } else if (op && op->kind == compiler::plan::OperatorKind::Aggregate) {
    const auto& aggregate = op->as<compiler::physical::Aggregate>();
    if (!aggregate.keys.empty()) key_type_ = aggregate.keys.front().type;
    auto aggregator = std::make_unique<AggregateOperator>(aggregate, query, stage.keyspace, store, clock);
    aggregate_ = aggregator.get();
    operator_ = std::move(aggregator);
  } else if (op && op->kind == compiler::plan::OperatorKind::Join) {
    const auto& join = op->as<compiler::physical::Join>();
    key_type_ = join.key.type;
    if (join.windowed) {
      WindowJoinSpec spec;
      spec.query = query;
      spec.keyspace = stage.keyspace;
      spec.other = join.other;
      spec.left_fields = join.stream_fields;
      spec.right_fields = join.other_schema.size();
      spec.right_dropped = join.other_key_index < join.other_schema.size() ? join.other_key_index : SIZE_MAX;
      spec.left_key_field = join.stream_key_field.value_or(SIZE_MAX);
      spec.left_outer = join.left || join.full;
      spec.right_outer = join.full;
      spec.before_ms = join.before_ms;
      spec.after_ms = join.after_ms;
      auto joiner = std::make_unique<WindowJoinOperator>(store, std::move(spec));
      window_join_ = joiner.get();
      operator_ = std::move(joiner);
      return;
    }
    TemporalJoinSpec spec;
    spec.query = query;
    spec.keyspace = stage.keyspace;
    spec.table = join.other;
    spec.stream_fields = join.stream_fields;
    spec.table_fields = join.other_schema.size();
    spec.table_key_index = join.other_key_index;
    spec.left = join.left;
    spec.history_ms = join.history_ms;
    spec.ttl_ms = join.ttl_ms;
    spec.max_rows = join.max_rows;
    auto joiner = std::make_unique<TemporalJoinOperator>(store, std::move(spec));
    join_ = joiner.get();
    operator_ = std::move(joiner);
  } else {
    throw std::logic_error("state: query `" + query_.name + "` keeps no keyed state");
  }
}

KeyedStateOperator::~KeyedStateOperator() = default;

void KeyedStateOperator::on_record(const std::string& source, const eval::Value& key,
                                   const std::vector<eval::Value>& fields, int64_t event_time_ms,
                                   std::vector<StateOutput>& out, StateTallies& tallies) {
  operator_->on_record(source, key, fields, event_time_ms, out, tallies);
}

void KeyedStateOperator::on_abi_record(const std::string& source, const flow_value* key, const flow_value* fields,
                                       int64_t count, int64_t event_time_ms, std::vector<StateOutput>& out,
                                       StateTallies& tallies) {
  size_t input = SIZE_MAX;
  for (size_t i = 0; i < input_schemas_.size(); ++i)
    if (input_schemas_[i].first == source) input = i;
  on_abi_record(input, key, fields, count, event_time_ms, out, tallies);
}

void KeyedStateOperator::on_abi_record(size_t input, const flow_value* key, const flow_value* fields, int64_t count,
                                       int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies& tallies) {
  const compiler::plan::Schema* schema = input < input_schemas_.size() ? input_schemas_[input].second : nullptr;
  if (!schema || static_cast<size_t>(count) < schema->size())
    throw std::logic_error("state: query `" + query_.name + "` is handed a record it does not read (input " +
                           std::to_string(input) + ")");
  const std::string& source = input_schemas_[input].first;
  if (process_) {
    if (!key) throw std::logic_error("state: a `process` is handed a record without its key");
    process_->on_abi_record(input, *key, fields, *schema, event_time_ms, out, tallies);
    return;
  }
  std::vector<eval::Value> values;
  values.reserve(schema->size());
  for (size_t i = 0; i < schema->size(); ++i) values.push_back(eval::Value::from_abi(fields[i], (*schema)[i].type));
  eval::Value key_value;
  if (key) key_value = eval::Value::from_abi(*key, key_type_);
  operator_->on_record(source, key_value, values, event_time_ms, out, tallies);
}

void KeyedStateOperator::on_tombstone(const eval::Value& key, int64_t event_time_ms) {
  if (!join_) throw std::logic_error("state: query `" + query_.name + "` is handed a tombstone but joins no table");
  join_->on_table(key, nullptr, event_time_ms);
}

LateDrop KeyedStateOperator::last_drop() const {
  if (aggregate_) return aggregate_->last_drop();
  LateDrop drop;
  if (join_ && join_->last_was_late()) {
    drop.late = true;
    drop.join_history = true;
    drop.watermark = join_->watermark();
  }
  if (window_join_ && window_join_->last_was_late()) {
    drop.late = true;
    drop.join_window = true;
    drop.watermark = window_join_->watermark();
  }
  return drop;
}

void KeyedStateOperator::on_aggregate_input(const flow_value* values, int64_t event_time_ms,
                                            std::vector<StateOutput>& out) {
  if (!aggregate_) throw std::logic_error("state: query `" + query_.name + "` is handed an aggregate's input");
  aggregate_->on_grouped(values, event_time_ms, out);
}

size_t KeyedStateOperator::compiled_handlers() const { return process_ ? process_->compiled_handlers() : 0; }

void KeyedStateOperator::advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out,
                                           StateTallies& tallies) {
  operator_->advance_watermark(watermark_ms, out, tallies);
}

void KeyedStateOperator::advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out,
                                                 StateTallies& tallies) {
  operator_->advance_processing_time(now_ms, out, tallies);
}

size_t KeyedStateOperator::live_keys() const { return operator_->live_keys(); }
int64_t KeyedStateOperator::late_records() const { return operator_->late_records(); }
int64_t KeyedStateOperator::watermark() const { return operator_->watermark(); }
bool KeyedStateOperator::ended_by_end_of_input() const { return operator_->ended_by_end_of_input(); }
int64_t KeyedStateOperator::emitted_through(int64_t watermark_ms) const {
  return operator_->emitted_through(watermark_ms);
}

}  // namespace flow::runtime
