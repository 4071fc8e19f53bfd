// A task's stateful stages and the records between them (stage_chain.hpp).
#include "runtime/tasks/stage_chain.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "compiler/plan/operators/logical_process.hpp"
#include "runtime/eval/stateless_pipeline.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/codec/message_key.hpp"

namespace flow::runtime {

namespace physical = compiler::physical;
using eval::Value;

namespace {

//! The compiled handlers of a `process` stage (none for an aggregate).
std::vector<flow_handler_fn> stage_handlers(const abi::Program* program, const compiler::plan::Plan& plan, size_t query,
                                            const physical::StatefulStage& stage) {
  if (stage.kind != compiler::plan::OperatorKind::Process) return {};
  const auto& process =
      static_cast<const compiler::plan::LogicalProcess&>(*plan.queries[query].operators[stage.operator_index]);
  return abi::handler_functions(program, query, process.handlers.size());
}

}  // namespace

bool open_shared_states(const compiler::plan::Plan& p, const physical::PhysicalPlan& physical,
                        const std::string& state_dir, const ProcessingClock& clock,
                        const abi::Program* program, SharedStates& shared, std::string& error) {
  shared.clear();
  shared.resize(p.queries.size());
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    error = fmt::format("cannot create the state directory `{}`: {}", state_dir, ec.message());
    return false;
  }
  for (size_t q = 0; q < p.queries.size(); ++q) {
    const auto& stages = physical.queries[q].stages;
    shared[q].resize(stages.size());
    for (size_t i = 0; i < stages.size(); ++i) {
      if (stages[i].scope != physical::StateScope::Shared) continue;
      auto state = std::make_unique<SharedState>();
      state->store = StateStore::open(state_dir + "/query-" + stages[i].store, error);
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

StageChain::StageChain(const compiler::plan::Plan& plan, const physical::PhysicalPlan& physical, Exit& exit,
                       flow_arena* arena)
    : plan_(plan), physical_(physical), exit_(exit), arena_(arena) {}

StageChain::~StageChain() = default;

void StageChain::open(const std::vector<size_t>& sources, StateStore& store, SharedStates& shared,
                      const ProcessingClock& clock, const abi::Program* program,
                      const std::vector<const flow_encoder*>& encoders) {
  encoders_ = encoders;
  stages_.assign(plan_.queries.size(), {});
  last_watermark_.assign(plan_.queries.size(), INT64_MIN);
  for (size_t q = 0; q < plan_.queries.size(); ++q) {
    const physical::QueryStages& query = physical_.queries[q];
    bool reads_mine = false;
    for (size_t source : sources)
      for (size_t read : query.sources) reads_mine |= source == read;
    if (!reads_mine) continue;
    for (size_t i = 0; i < query.stages.size(); ++i) {
      const physical::StatefulStage& stage = query.stages[i];
      if (SharedState* state = shared.empty() ? nullptr : shared[q][i].get()) {
        stages_[q].push_back({state->op.get(), state, i ? state->add_upstream() : 0});
        continue;
      }
      // A `process` stage's handlers are generated code; keyed state that feeds the sink directly
      // encodes what its compiled handlers emit.
      bool feeds_sink = query.stages.size() == 1 && stage.next_operator == stage.operator_index + 1;
      owned_.push_back(std::make_unique<KeyedStateOperator>(
          plan_, static_cast<int32_t>(q), store, clock, stage_handlers(program, plan_, q, stage),
          feeds_sink ? encoders_[q] : nullptr, StageSpec{stage.operator_index, stage.store}));
      stages_[q].push_back({owned_.back().get(), nullptr, 0});
    }
  }
}

void StageChain::to_state(int32_t query, size_t input, const flow_value* key, const flow_value* fields,
                          int64_t count, int64_t event_time) {
  if (stages_[query].empty()) return;
  StageBinding& binding = stages_[query].front();
  std::unique_lock<std::mutex> lock;
  if (binding.shared) lock = std::unique_lock(binding.shared->lock);
  binding.op->on_abi_record(input, key, fields, count, event_time, pending_outputs_, pending_tallies_);
}

void StageChain::to_aggregate(int32_t query, const flow_value* values, int64_t event_time) {
  if (stages_[query].empty()) return;
  StageBinding& binding = stages_[query].front();
  std::unique_lock<std::mutex> lock;
  if (binding.shared) lock = std::unique_lock(binding.shared->lock);
  binding.op->on_aggregate_input(values, event_time, pending_outputs_);
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
    {
      std::unique_lock<std::mutex> lock;
      if (stage.shared) lock = std::unique_lock(stage.shared->lock);
      int64_t own = i && stage.shared ? stage.shared->pass_watermark(stage.upstream_slot, upstream) : upstream;
      if (own != INT64_MIN) stage.op->advance_watermark(own, pending_outputs_, pending_tallies_);
      if (own == INT64_MAX) stage.op->advance_processing_time(INT64_MAX, pending_outputs_, pending_tallies_);
      upstream = own;
    }
    tag_stage(before, i);
    // The rows this stage emitted reach the next one before the next one's watermark moves.
    deliver();
    if (upstream == INT64_MIN) break;
  }
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
      }
      tag_stage(before, i);
      tallied |= !pending_tallies_.empty();
      deliver();
    }
  return emitted_ != emitted || tallied;
}

void StageChain::deliver() {
  std::vector<StateOutput>& outputs = pending_outputs_;
  // Feeding a stage appends its outputs to `outputs`: they are handled in this same pass.
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].encoded) {
      emitted_++;
      exit_.emit(outputs[i].query, outputs[i].message_key.data(), static_cast<int64_t>(outputs[i].message_key.size()),
                 outputs[i].json.data(), static_cast<int64_t>(outputs[i].json.size()));
      continue;
    }
    StateOutput output = std::move(outputs[i]);
    const compiler::plan::QueryPlan& query = plan_.queries[output.query];
    const auto& stages = physical_.queries[output.query].stages;
    const physical::StatefulStage& stage = stages.at(static_cast<size_t>(output.stage));
    if (stage.next_operator > stage.operator_index + 1) {
      // `… | where … | select … | into` (or the next stage): what follows runs on the outputs.
      auto result =
          eval::run_after_state(query, stage.operator_index + 1, std::move(output.record), std::move(output.key));
      for (const auto& [name, count] : result.tallies) pending_tallies_[name] += count;
      if (!result.passed) continue;
      output.record = std::move(result.output);
      output.key = std::move(result.key);
    }
    size_t next = static_cast<size_t>(output.stage) + 1;
    if (next < stages.size()) {
      StageBinding& binding = stages_[output.query][next];
      size_t before = outputs.size();
      {
        std::unique_lock<std::mutex> lock;
        if (binding.shared) lock = std::unique_lock(binding.shared->lock);
        binding.op->on_record(query.sources.front(), output.key ? *output.key : Value(), output.record,
                              output.event_time_ms, outputs, pending_tallies_);
      }
      for (size_t j = before; j < outputs.size(); ++j) outputs[j].stage = static_cast<int32_t>(next);
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
    exit_.emit(output.query, output.key ? key.data() : nullptr, static_cast<int64_t>(key.size()), json.data, json.len);
  }
  outputs.clear();
  for (const auto& [name, count] : pending_tallies_)
    for (size_t m = 0; m < plan_.metrics.size(); ++m)
      if (plan_.metrics[m].name == name) exit_.tally(m, count);
  pending_tallies_.clear();
}

size_t StageChain::live_keys(size_t query) const {
  return sum_over_task_stages(query, [](const KeyedStateOperator& op) { return op.live_keys(); });
}

int64_t StageChain::late_records(size_t query) const {
  return sum_over_task_stages(query, [](const KeyedStateOperator& op) { return op.late_records(); });
}

std::string StageChain::commit_shared() {
  for (auto& stages : stages_)
    for (auto& binding : stages) {
      if (!binding.shared) continue;
      std::lock_guard lock(binding.shared->lock);
      std::string problem = binding.shared->store->commit({});
      if (!problem.empty()) return problem;
    }
  return {};
}

}  // namespace flow::runtime
