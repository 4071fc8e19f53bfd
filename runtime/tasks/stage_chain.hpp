// The stateful stages of the queries one task runs, and what flows between them (the physical
// plan's StatefulStage, compiler/physical/physical_plan.hpp). Generated code hands a record to a
// query's first stage; what a stage emits runs through the stateless operators after it (the
// program's stage function, flow_stage_fn; the reference evaluator where it has none), then
// reaches the next stage or leaves the chain for the query's sink. Tallies count by metric index. Event time and processing time
// move stage by stage: a stage's rows reach the next one before the next one's watermark moves, so
// an `emit final` row (event time: its window's end minus 1 ms) is never late in the stage after.
//
// Independent of Kafka: PartitionTask drives it from its triggers, and the differential tests
// drive it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/abi/program.hpp"
#include "compiler/physical/physical_plan.hpp"
#include "runtime/abi/flow_abi.h"
#include "runtime/state/keyed_state.hpp"
#include "runtime/state/state_store.hpp"

namespace flow::runtime {

//! Keyed state that every task of a query feeds: an aggregate grouped by fields other than the
//! partitioning key must see every record of a group, wherever its partition is, and a stage
//! after the first sees what every task's stage before emits (an in-process shuffle); the lock
//! makes the tasks take turns.
struct SharedState {
  std::mutex lock;
  std::unique_ptr<StateStore> store;
  std::unique_ptr<KeyedStateOperator> op;
  //! A stage after a query's first: per feeding task, the watermark up to which the stage before
  //! has emitted everything into this one. The stage's own watermark is the least of them, so a
  //! row that another task's stage before has yet to emit is never late here.
  std::vector<int64_t> upstream;

  //! A feeding task's slot in `upstream` (taken while the job opens, before any trigger).
  size_t add_upstream() {
    upstream.push_back(INT64_MIN);
    return upstream.size() - 1;
  }
  //! The task in `slot` has emitted everything up to `watermark`; returns the stage's watermark.
  //! Call with `lock` held.
  int64_t pass_watermark(size_t slot, int64_t watermark) {
    upstream[slot] = std::max(upstream[slot], watermark);
    int64_t least = INT64_MAX;
    for (int64_t w : upstream) least = std::min(least, w);
    return least;
  }
};

//! Per query, per stateful stage: the shared store of a stage whose scope is Shared, else null.
using SharedStates = std::vector<std::vector<std::unique_ptr<SharedState>>>;

//! Opens the Shared stages' stores (`state_dir`/query-STORE) and operators (a `process`'s
//! handlers as `program`'s native code where it has them); false and `error` when a store
//! cannot be opened.
bool open_shared_states(const compiler::physical::PhysicalPlan& plan, const std::string& state_dir, const ProcessingClock& clock,
                        const abi::Program* program, const StateStoreOptions& options, SharedStates& shared,
                        std::string& error);

class StageChain {
 public:
  //! Where records leave the chain.
  class Exit {
   public:
    virtual ~Exit() = default;
    //! A record for query `query`'s sink: its JSON, its message key (null `key`: none) and the
    //! event time it carries (for the end-to-end latency).
    virtual void emit(int32_t query, const char* key, int64_t key_len, const char* value, int64_t value_len,
                      int64_t event_time_ms) = 0;
    //! `count` more for Plan::metrics[metric].
    virtual void tally(size_t metric, int64_t count) = 0;
    //! The run cannot go on: `why`.
    virtual void fail(const std::string& why) = 0;
  };

  //! `arena`: scratch memory to encode records in (reset before each). Everything given must
  //! outlive the chain.
  StageChain(const compiler::physical::PhysicalPlan& plan, Exit& exit, flow_arena* arena);
  ~StageChain();

  //! Opens the stages of every query reading one of `sources` (indices into Plan::sources): Task
  //! stages in `store` — the first one's handlers as `program`'s native code when it has them —
  //! and Shared ones from `shared`, taking a slot in each (SharedState::upstream); the operators
  //! after each stage as `program`'s stage function where it has one. `encoders`: per query, its
  //! sink's (null when not encodable).
  void open(const std::vector<size_t>& sources, StateStore& store, SharedStates& shared, const ProcessingClock& clock,
            const abi::Program* program, const std::vector<const flow_encoder*>& encoders);

  //! Whether this chain runs stateful stages of query `query`.
  bool has_state(size_t query) const { return query < stages_.size() && !stages_[query].empty(); }
  //! Whether a stage of query `query` was closed at the end of input (its watermark at the end of
  //! time, committed by an `--until-idle` run) and that changed it: its windows closed, its
  //! timeouts fired (a stage without either goes on as it was).
  bool closed_at_end(size_t query) const;

  //! A record generated code hands to query `query`'s first stage (flow_rt_to_state /
  //! flow_rt_to_aggregate); its outputs are pending until deliver(). `input`: the record's source
  //! as an index into the query's sources. Returns whether the first stage dropped the record as
  //! late, and why (only a first stage's input rows are source records: see docs/runtime.md).
  LateDrop to_state(int32_t query, size_t input, const flow_value* key, const flow_value* fields, int64_t count,
                    int64_t event_time);
  LateDrop to_aggregate(int32_t query, const flow_value* values, int64_t event_time);
  //! A tombstone of the table query `query` joins (a record of its topic without a value): the
  //! message key's bytes `key`, at `event_time`. False with `why` when the key is not one of the
  //! table key's type (then nothing changes: the caller dead-letters the record).
  bool to_tombstone(int32_t query, std::string_view key, int64_t event_time, std::string& why);

  //! Query `query`'s event time is now `watermark` (ignored when INT64_MIN): stage by stage, each
  //! stage's outputs delivered before the next stage moves. At INT64_MAX (the end of input), a
  //! stage whose every feeding task has reached the end also fires its processing-time timeouts;
  //! a stage expires at most its end-of-input step there, and the stages after it wait until it
  //! has no more due (expiring(): deliver, commit and advance again).
  void advance_event_time(size_t query, int64_t watermark);
  //! Whether a stage of query `query` stopped at its end-of-input step with more due.
  bool expiring(size_t query) const;
  //! The most due entries (timeouts, windows) a stage expires in one end-of-input step
  //! (StatefulOperator::set_end_of_input_step), for the stages opened since.
  void set_end_of_input_step(size_t entries) { end_of_input_step_ = entries; }
  //! The watermark last given to query `query` (INT64_MIN: none yet).
  int64_t last_watermark(size_t query) const { return last_watermark_[query]; }
  //! The wall clock is `now`: processing-time timeouts of every stage, delivered stage by stage.
  //! True when anything was emitted or counted.
  bool advance_processing_time(int64_t now);
  //! Hands every pending output on (to the next stage or the sink) and adds pending tallies.
  void deliver();

  //! Keys held by this chain's own (Task) stages of query `query`.
  size_t live_keys(size_t query) const;
  //! Records the query's task-scoped stages dropped as late (their windows had closed).
  int64_t late_records(size_t query) const;
  //! What `commit_shared` learns of the producer's outputs, under a shared store's lock.
  enum class Outputs { Acknowledged, Pending, Failed };
  //! Commits the stores of the Shared stages this chain feeds; a problem's text, else empty.
  //! `outputs` runs under each store's lock, just before its commit, and says whether Kafka holds
  //! every output handed to the producer: only then does the store commit (Pending: it is left
  //! for a later checkpoint, and `deferred` set; Failed: a problem). Under the lock, because any
  //! task may release a shared stage's rows and produce them: between a flush outside it and the
  //! commit, rows the store no longer holds could still be unsent, and a crash then lost them (the
  //! window join's kill test found it).
  std::string commit_shared(const std::function<Outputs()>& outputs = [] { return Outputs::Acknowledged; },
                            bool* deferred = nullptr);
  //! Whether this chain feeds a Shared stage.
  bool feeds_shared() const {
    for (const auto& stages : stages_)
      for (const auto& binding : stages)
        if (binding.shared) return true;
    return false;
  }

 private:
  //! Hands pending_outputs_[from…] on, and what the stages they feed emit, in one pass.
  void deliver_from(size_t from);
  //! deliver_from(from) while a shared stage's lock is held (its rows leave in the order its
  //! state made them), then drops those outputs from the pending ones.
  void deliver_shared(size_t from);
  size_t end_of_input_step_ = StatefulOperator::kDefaultEndOfInputStep;
  struct StageBinding {
    KeyedStateOperator* op = nullptr;
    SharedState* shared = nullptr;  //!< set when the state is shared by all tasks (take its lock)
    size_t upstream_slot = 0;       //!< this chain's slot in shared->upstream (stages after the first)
    //! The generated code of the operators after the stage (flow_stage_fn); null when none follow
    //! it or they were not compiled (the reference evaluator runs them).
    flow_stage_fn after = nullptr;
    const compiler::plan::Schema* after_schema = nullptr;  //!< of the rows those operators make
    compiler::plan::Type after_key_type;                   //!< of the key their `key by` sets
  };
  //! Sets `binding`'s generated operators after stage `stage` of query `query`.
  void bind_after(StageBinding& binding, size_t query, size_t stage, const abi::Program* program);
  //! Runs the operators after `output`'s stage on it (generated code, else the evaluator); false
  //! when a `where` dropped it. When it goes to the sink and generated code ran, `encoded` is set
  //! and its JSON and message key are in `json` and `key` (in the arena), `output` untouched.
  bool run_after(StateOutput& output, const StageBinding& binding, bool to_sink, bool& encoded, flow_str& json,
                 std::string& key);
  //! Counts of the evaluator's tallies (by metric name: the reference tier) by index.
  void add_named_tallies(const std::vector<std::pair<std::string, int64_t>>& tallies);
  //! Marks pending outputs [from, end) as emitted by stage `stage`.
  void tag_stage(size_t from, size_t stage);
  //! `of(operator)` summed over the query's task-scoped stages (shared ones the job counts once).
  template <typename Of>
  auto sum_over_task_stages(size_t query, Of of) const {
    decltype(of(std::declval<const KeyedStateOperator&>())) sum = 0;
    if (query < stages_.size())
      for (const auto& stage : stages_[query])
        if (!stage.shared) sum += of(*stage.op);
    return sum;
  }

  const compiler::physical::PhysicalPlan& plan_;
  Exit& exit_;
  flow_arena* arena_;
  std::vector<const flow_encoder*> encoders_;
  std::vector<std::unique_ptr<KeyedStateOperator>> owned_;  //!< the Task stages' operators
  //! Per query, per stateful stage (physical plan order); empty when the chain does not run the
  //! query or the query keeps no state.
  std::vector<std::vector<StageBinding>> stages_;
  std::vector<int64_t> last_watermark_;  //!< per query
  std::vector<StateOutput> pending_outputs_;
  StateTallies pending_tallies_;  //!< per metric index, handed to Exit::tally at each deliver()
  std::vector<flow_value> stage_in_, stage_out_;  //!< a stage's row as generated code reads and writes it
  std::vector<flow_value> stage_elements_;        //!< the elements of stage_in_'s lists
  std::vector<eval::Value> stage_values_;         //!< scratch: stage_out_ as the next stage reads it
  std::string message_key_;                       //!< scratch: the message key of a row encoded there
  int64_t emitted_ = 0;  //!< records sent to sinks, to tell whether a step emitted
};

}  // namespace flow::runtime
