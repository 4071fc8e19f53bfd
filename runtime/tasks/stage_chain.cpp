// A task's stateful stages and the records between them (stage_chain.hpp).
#include "runtime/tasks/stage_chain.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

#include "compiler/physical/physical_plan.hpp"
#include "runtime/eval/stateless_pipeline.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/codec/message_key.hpp"

namespace flow::runtime {

namespace physical = compiler::physical;
using eval::Value;

namespace {

//! The compiled handlers of a `process` stage (none for an aggregate).
std::vector<flow_handler_fn> stage_handlers(const abi::Program* program, const compiler::physical::PhysicalPlan& plan, size_t query,
                                            const physical::StatefulStage& stage) {
  if (stage.kind != compiler::plan::OperatorKind::Process) return {};
  const auto& process =
      plan.queries[query].operators[stage.operator_index].as<compiler::physical::Process>();
  return abi::handler_functions(program, query, process.handlers.size());
}

}  // namespace

bool open_shared_states(const compiler::physical::PhysicalPlan& p, const std::string& state_dir, const ProcessingClock& clock,
                        const abi::Program* program, const StateStoreOptions& options, SharedStates& shared,
                        std::string& error) {
  shared.clear();
  shared.resize(p.queries.size());
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    error = fmt::format("cannot create the state directory `{}`: {}", state_dir, ec.message());
    return false;
  }
  for (size_t q = 0; q < p.queries.size(); ++q) {
    const auto& stages = p.queries[q].stages;
    shared[q].resize(stages.size());
    for (size_t i = 0; i < stages.size(); ++i) {
      if (stages[i].scope != physical::StateScope::Shared) continue;
      auto state = std::make_unique<SharedState>();
      state->store = StateStore::open(state_dir + "/query-" + stages[i].store, error, options);
      if (!state->store) {
        error = fmt::format("query `{}`: {}", p.queries[q].name, error);
        return false;
      }
      state->op = std::make_unique<KeyedStateOperator>(
          p, static_cast<int32_t>(q), *state->store, clock, stage_handlers(program, p, q, stages[i]), nullptr, StageSpec{stages[i].operator_index, stages[i].store});
      shared[q][i] = std::move(state);
    }
  }
  return true;
}

StageChain::StageChain(const compiler::physical::PhysicalPlan& plan, Exit& exit, flow_arena* arena)
    : plan_(plan), exit_(exit), arena_(arena), pending_tallies_(plan.metrics.size()) {}

StageChain::~StageChain() = default;

void StageChain::open(const std::vector<size_t>& sources, StateStore& store, SharedStates& shared,
                      const ProcessingClock& clock, const abi::Program* program,
                      const std::vector<const flow_encoder*>& encoders) {
  encoders_ = encoders;
  stages_.assign(plan_.queries.size(), {});
  last_watermark_.assign(plan_.queries.size(), INT64_MIN);
  for (size_t q = 0; q < plan_.queries.size(); ++q) {
    const physical::Query& query = plan_.queries[q];
    bool reads_mine = false;
    for (size_t source : sources)
      for (size_t read : query.sources) reads_mine |= source == read;
    if (!reads_mine) continue;
    for (size_t i = 0; i < query.stages.size(); ++i) {
      const physical::StatefulStage& stage = query.stages[i];
      if (SharedState* state = shared.empty() ? nullptr : shared[q][i].get()) {
        StageBinding binding;
        binding.op = state->op.get();
        binding.shared = state;
        binding.upstream_slot = i ? state->add_upstream() : 0;
        {
          std::lock_guard lock(state->lock);
          binding.op->set_end_of_input_step(end_of_input_step_);
        }
        stages_[q].push_back(binding);
        bind_after(stages_[q].back(), q, i, program);
        continue;
      }
      // A `process` stage's handlers are generated code; keyed state that feeds the sink directly
      // encodes what its compiled handlers emit.
      bool feeds_sink = query.stages.size() == 1 && stage.next_operator == stage.operator_index + 1;
      owned_.push_back(std::make_unique<KeyedStateOperator>(
          plan_, static_cast<int32_t>(q), store, clock, stage_handlers(program, plan_, q, stage),
          feeds_sink ? encoders_[q] : nullptr, StageSpec{stage.operator_index, stage.store}));
      StageBinding binding;
      binding.op = owned_.back().get();
      binding.op->set_end_of_input_step(end_of_input_step_);
      stages_[q].push_back(binding);
      bind_after(stages_[q].back(), q, i, program);
    }
  }
}

void StageChain::bind_after(StageBinding& binding, size_t query, size_t stage, const abi::Program* program) {
  const physical::StatefulStage& spec = plan_.queries[query].stages[stage];
  if (spec.next_operator <= spec.operator_index + 1) return;
  const auto& operators = plan_.queries[query].operators;
  binding.after = program ? program->stage_function(query, stage) : nullptr;
  binding.after_schema = &operators[spec.next_operator - 1].output;
  for (size_t i = spec.operator_index + 1; i < spec.next_operator; ++i)
    if (operators[i].kind == compiler::plan::OperatorKind::KeyBy)
      binding.after_key_type = operators[i].as<compiler::physical::KeyBy>().key.type;
}

void StageChain::add_named_tallies(const std::vector<std::pair<std::string, int64_t>>& tallies) {
  for (const auto& [name, count] : tallies)
    for (size_t m = 0; m < plan_.metrics.size(); ++m)
      if (plan_.metrics[m].name == name) pending_tallies_.add(m, count);
}

bool StageChain::run_after(StateOutput& output, const StageBinding& binding, bool to_sink, bool& encoded,
                           flow_str& json, std::string& key) {
  encoded = false;
  if (!binding.after) {
    const physical::StatefulStage& stage = plan_.queries[output.query].stages[static_cast<size_t>(output.stage)];
    auto result = eval::run_after_state(plan_.queries[output.query], stage.operator_index + 1,
                                        std::move(output.record), std::move(output.key));
    add_named_tallies(result.tallies);
    if (!result.passed) return false;
    output.record = std::move(result.output);
    output.key = std::move(result.key);
    return true;
  }
  // The row as flow_values; a list's elements in stage_elements_ (sized first: no pointer moves).
  size_t elements = 0;
  for (const Value& field : output.record)
    if (field.kind == eval::ValueKind::List) elements += field.items.size();
  stage_elements_.resize(elements);
  stage_in_.clear();
  size_t at = 0;
  for (const Value& field : output.record) {
    if (field.kind != eval::ValueKind::List) {
      stage_in_.push_back(field.to_abi());
      continue;
    }
    for (size_t e = 0; e < field.items.size(); ++e) stage_elements_[at + e] = field.items[e].to_abi();
    stage_in_.push_back(
        {reinterpret_cast<int64_t>(stage_elements_.data() + at), static_cast<int64_t>(field.items.size()), 0});
    at += field.items.size();
  }
  // A key that is a record (several `group by` fields) is never read by generated code.
  bool scalar_key =
      output.key && output.key->kind != eval::ValueKind::Record && output.key->kind != eval::ValueKind::List;
  flow_value key_in = scalar_key ? output.key->to_abi() : flow_value{0, 0, 1};
  flow_value key_out{0, 0, 1};
  const compiler::plan::Schema& schema = *binding.after_schema;
  stage_out_.assign(schema.size(), flow_value{0, 0, 1});
  flow_arena_reset(arena_);
  int32_t result = binding.after(pending_tallies_.counters(plan_.metrics.size()), stage_in_.data(), &key_in,
                                 stage_out_.data(), &key_out, arena_);
  if (arena_->out_of_space) {
    exit_.fail(fmt::format("query `{}`: a row after its stateful stage {} needs more than the {} bytes of scratch "
                           "memory its task has for strings; shorten the strings it builds",
                           plan_.queries[output.query].name, output.stage + 1, arena_->capacity));
    return false;
  }
  if (!(result & FLOW_STAGE_PASSED)) return false;
  bool keyed = result & FLOW_STAGE_KEYED;
  if (to_sink && encoders_[output.query]) {
    // Straight from generated code's values to JSON: no evaluator values in between.
    json = flow_json_encode(encoders_[output.query], stage_out_.data(), arena_);
    if (keyed)
      key = message_key(key_out, binding.after_key_type);
    else
      key = output.key ? message_key(*output.key) : std::string();
    encoded = true;
    if (keyed) output.key = Value();  // a key, whatever its value (null: no bytes)
    return true;
  }
  // The output may point into the input row's strings: it is read whole before the row changes.
  stage_values_.resize(schema.size());
  for (size_t f = 0; f < schema.size(); ++f) stage_values_[f] = Value::from_abi(stage_out_[f], schema[f].type);
  if (keyed) output.key = Value::from_abi(key_out, binding.after_key_type);
  output.record.swap(stage_values_);
  return true;
}

LateDrop StageChain::to_state(int32_t query, size_t input, const flow_value* key, const flow_value* fields,
                              int64_t count, int64_t event_time) {
  if (stages_[query].empty()) return {};
  StageBinding& binding = stages_[query].front();
  std::unique_lock<std::mutex> lock;
  if (binding.shared) lock = std::unique_lock(binding.shared->lock);
  size_t before = pending_outputs_.size();
  binding.op->on_abi_record(input, key, fields, count, event_time, pending_outputs_, pending_tallies_);
  if (binding.shared) deliver_shared(before);
  return binding.op->last_drop();
}

LateDrop StageChain::to_aggregate(int32_t query, const flow_value* values, int64_t event_time) {
  if (stages_[query].empty()) return {};
  StageBinding& binding = stages_[query].front();
  std::unique_lock<std::mutex> lock;
  if (binding.shared) lock = std::unique_lock(binding.shared->lock);
  size_t before = pending_outputs_.size();
  binding.op->on_aggregate_input(values, event_time, pending_outputs_);
  if (binding.shared) deliver_shared(before);
  return binding.op->last_drop();
}

bool StageChain::to_tombstone(int32_t query, std::string_view key, int64_t event_time, std::string& why) {
  if (stages_[query].empty()) return true;
  StageBinding& binding = stages_[query].front();
  Value key_value;
  if (binding.op->key_type().kind == compiler::plan::TypeKind::Int) {
    // An int key is the message key's decimal text (as flow's sinks and `--input` write it).
    int64_t number = 0;
    auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), number);
    if (key.empty() || error != std::errc() || end != key.data() + key.size()) {
      why = fmt::format("a tombstone (a record without a value) whose message key `{}` is not an `int`, the type of "
                        "the table's key",
                        key);
      return false;
    }
    key_value = Value::integer(number);
  } else {
    key_value = Value::string(std::string(key));
  }
  std::unique_lock<std::mutex> lock;
  if (binding.shared) lock = std::unique_lock(binding.shared->lock);
  binding.op->on_tombstone(key_value, event_time);
  return true;
}

void StageChain::tag_stage(size_t from, size_t stage) {
  for (size_t i = from; i < pending_outputs_.size(); ++i) pending_outputs_[i].stage = static_cast<int32_t>(stage);
}

void StageChain::advance_event_time(size_t query, int64_t watermark) {
  if (watermark == INT64_MIN) return;
  last_watermark_[query] = std::max(last_watermark_[query], watermark);
  int64_t upstream = watermark;  // what the stage before has emitted everything up to
  for (size_t i = 0; i < stages_[query].size(); ++i) {
    StageBinding& stage = stages_[query][i];
    size_t before = pending_outputs_.size();
    bool more_due = false;  // it stopped at its end-of-input step: the stages after it wait
    {
      std::unique_lock<std::mutex> lock;
      if (stage.shared) lock = std::unique_lock(stage.shared->lock);
      int64_t own = i && stage.shared ? stage.shared->pass_watermark(stage.upstream_slot, upstream) : upstream;
      if (own != INT64_MIN) stage.op->advance_watermark(own, pending_outputs_, pending_tallies_);
      if (own == INT64_MAX) stage.op->advance_processing_time(INT64_MAX, pending_outputs_, pending_tallies_);
      upstream = stage.op->emitted_through(own);
      more_due = stage.op->expiring();
      tag_stage(before, i);
      if (stage.shared) deliver_shared(before);
    }
    // The rows this stage emitted reach the next one before the next one's watermark moves.
    deliver();
    if (upstream == INT64_MIN || more_due) break;
  }
}

bool StageChain::expiring(size_t query) const {
  for (const StageBinding& stage : stages_[query]) {
    std::unique_lock<std::mutex> lock;
    if (stage.shared) lock = std::unique_lock(stage.shared->lock);
    if (stage.op->expiring()) return true;
  }
  return false;
}

bool StageChain::advance_processing_time(int64_t now) {
  int64_t emitted = emitted_;
  bool tallied = !pending_tallies_.empty();
  for (auto& stages : stages_)
    for (size_t i = 0; i < stages.size(); ++i) {
      size_t before = pending_outputs_.size();
      {
        std::unique_lock<std::mutex> lock;
        if (stages[i].shared) lock = std::unique_lock(stages[i].shared->lock);
        stages[i].op->advance_processing_time(now, pending_outputs_, pending_tallies_);
        tag_stage(before, i);
        if (stages[i].shared) deliver_shared(before);
      }
      tallied |= !pending_tallies_.empty();
      deliver();
    }
  return emitted_ != emitted || tallied;
}

void StageChain::deliver() {
  deliver_from(0);
  pending_outputs_.clear();
  const std::vector<int64_t>& counts = pending_tallies_.counts();
  for (size_t m = 0; m < counts.size(); ++m)
    if (counts[m]) exit_.tally(m, counts[m]);
  pending_tallies_.clear();
}

void StageChain::deliver_shared(size_t from) {
  // Called with the shared stage's lock held: the rows leave (to the sink, or into the next
  // stage) in the order the shared state made them. Delivered after the lock, two tasks'
  // changes of one key could reach the topic swapped — task A makes `count 2`, task B `count 3`
  // and sends it, then A sends its `count 2` — and a reader keeping the last row per key would
  // end on a stale count.
  if (from >= pending_outputs_.size()) return;
  deliver_from(from);
  pending_outputs_.erase(pending_outputs_.begin() + static_cast<std::ptrdiff_t>(from), pending_outputs_.end());
}

void StageChain::deliver_from(size_t from) {
  std::vector<StateOutput>& outputs = pending_outputs_;
  // Feeding a stage appends its outputs to `outputs`: they are handled in this same pass.
  for (size_t i = from; i < outputs.size(); ++i) {
    if (outputs[i].encoded) {
      emitted_++;
      exit_.emit(outputs[i].query, outputs[i].message_key.data(), static_cast<int64_t>(outputs[i].message_key.size()),
                 outputs[i].json.data(), static_cast<int64_t>(outputs[i].json.size()), outputs[i].event_time_ms);
      continue;
    }
    StateOutput output = std::move(outputs[i]);
    const compiler::physical::Query& query = plan_.queries[output.query];
    const auto& stages = plan_.queries[output.query].stages;
    const physical::StatefulStage& stage = stages.at(static_cast<size_t>(output.stage));
    size_t next = static_cast<size_t>(output.stage) + 1;
    if (stage.next_operator > stage.operator_index + 1) {
      // `… | where … | select … | into` (or the next stage): what follows runs on the outputs.
      bool encoded = false;
      flow_str json{};
      std::string& key = message_key_;
      if (!run_after(output, stages_[output.query][static_cast<size_t>(output.stage)], next == stages.size(), encoded,
                     json, key))
        continue;
      if (encoded) {
        emitted_++;
        exit_.emit(output.query, output.key ? key.data() : nullptr, static_cast<int64_t>(key.size()), json.data,
                   json.len, output.event_time_ms);
        continue;
      }
    }
    if (next < stages.size()) {
      StageBinding& binding = stages_[output.query][next];
      size_t before = outputs.size();
      {
        std::unique_lock<std::mutex> lock;
        if (binding.shared) lock = std::unique_lock(binding.shared->lock);
        binding.op->on_record(query.source_names.front(), output.key ? *output.key : Value(), output.record,
                              output.event_time_ms, outputs, pending_tallies_);
        for (size_t j = before; j < outputs.size(); ++j) outputs[j].stage = static_cast<int32_t>(next);
        if (binding.shared) deliver_shared(before);
      }
      continue;
    }
    const flow_encoder* encoder = encoders_[output.query];
    if (!encoder) {
      exit_.fail(fmt::format("query `{}`: its output cannot be written as JSON by this build (record or nested "
                             "list fields)",
                             query.name));
      continue;
    }
    flow_arena_reset(arena_);
    flow_str json = encode_values(encoder, output.record, arena_);
    std::string key = output.key ? message_key(*output.key) : std::string();
    emitted_++;
    exit_.emit(output.query, output.key ? key.data() : nullptr, static_cast<int64_t>(key.size()), json.data, json.len,
               output.event_time_ms);
  }
}

size_t StageChain::live_keys(size_t query) const {
  return sum_over_task_stages(query, [](const KeyedStateOperator& op) { return op.live_keys(); });
}

bool StageChain::closed_at_end(size_t query) const {
  if (!has_state(query)) return false;
  for (const StageBinding& stage : stages_[query])
    if (stage.op->watermark() == INT64_MAX && stage.op->ended_by_end_of_input()) return true;
  return false;
}

int64_t StageChain::late_records(size_t query) const {
  return sum_over_task_stages(query, [](const KeyedStateOperator& op) { return op.late_records(); });
}

std::string StageChain::commit_shared(const std::function<Outputs()>& outputs, bool* deferred) {
  for (auto& stages : stages_)
    for (auto& binding : stages) {
      if (!binding.shared) continue;
      std::lock_guard lock(binding.shared->lock);
      Outputs acknowledged = outputs();
      if (acknowledged == Outputs::Failed)
        return "Kafka did not acknowledge the outputs of a trigger; stopping before committing the shared state "
               "that emitted them";
      if (acknowledged == Outputs::Pending) {
        if (deferred) *deferred = true;
        return {};
      }
      std::string problem = binding.shared->store->commit({});
      if (!problem.empty()) return problem;
    }
  return {};
}

}  // namespace flow::runtime
