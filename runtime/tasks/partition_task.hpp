// A partition task: partition N of a source (or of every source of a union group), with its
// queues, decoders, keyed state and checkpoint. One worker runs a task's trigger at a time; a
// trigger takes what the task's partition queues hold right now (never waiting on a fetch), up to
// the source's rate limit, runs the generated batch function, feeds keyed state (stage_chain),
// moves the watermark (partition_watermarks), writes through its record collector and
// checkpoints (checkpointer).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/state/state_store.hpp"
#include "runtime/tasks/checkpointer.hpp"
#include "runtime/tasks/record_collector.hpp"
#include "runtime/tasks/stage_chain.hpp"
#include "runtime/tasks/task_context.hpp"

namespace flow::runtime {

class PartitionTask {
 public:
  PartitionTask(std::string name, SharedRun& shared);
  ~PartitionTask();

  const std::string& name() const { return name_; }
  std::vector<TaskInput>& inputs() { return inputs_; }
  //! Opens the task's state store and the keyed state of every query reading its sources.
  bool open_state(const std::string& directory, const StateStoreOptions& options, std::string& error);
  std::map<std::string, int64_t> committed_offsets() { return store_->committed_offsets(); }

  //! Runs one trigger if a worker is not already running it; true if it consumed records.
  bool try_trigger(int64_t max_records_default);
  //! Fires the processing-time timeouts due by the clock, also when no record arrives (waits
  //! for a running trigger to end).
  void fire_processing_timeouts();
  //! End of input: move event and processing time to the end (windows close, timeouts fire).
  void finish();
  //! Commits what is not committed yet, waiting for its outputs' acknowledgements (at a stop).
  void commit_now();
  bool reached_end() const;

  //! The source partitions' level in a chain of queries (physical_plan.hpp: TaskGroup::level).
  int level() const { return level_; }
  void set_level(int level) { level_ = level; }
  //! Keys of query `query`'s keyed state owned by this task (0 if none or shared).
  size_t state_keys(size_t query) const;
  int64_t late_records(size_t query) const { return chain_.late_records(query); }
  //! Bytes of this task's state store.
  int64_t state_bytes() const;
  //! Whether query `query`'s state here was closed at the end of an `--until-idle` run.
  bool state_closed_at_end(size_t query) const { return chain_.closed_at_end(query); }
  //! The task's store (null before open_state).
  const StateStore* store() const { return store_.get(); }
  StateStore* store() { return store_.get(); }
  //! The end-to-end latency of query `query`'s outputs from this task (RecordCollector).
  const DurationHistogram& latency(size_t query) const { return collector_.latency(query); }

  //! A record of input `index` that reached the consumer's main queue instead of the partition's
  //! own (fetched between assignment and forwarding): kept, and read before the queue's records.
  void spill(size_t index, rd_kafka_message_t* message);

  // The generated code's callbacks, as the JIT sees them.
  static std::vector<abi::HostSymbol> host_symbols();

  // Called from the callbacks.
  void emit(int32_t query, const char* key, int64_t key_len, const char* value, int64_t value_len,
            int64_t event_time_ms);
  void dead_letter(const flow_record* record, int32_t reason, const char* detail, int64_t detail_len);
  void to_state(int32_t query, const flow_value* key, const flow_value* fields, int64_t count, int64_t event_time,
                const flow_record* record);
  void to_aggregate(int32_t query, const flow_value* values, int64_t event_time, const flow_record* record);
  //! Query `query`'s first stage dropped `record` as late: to its source's `late` topic, if any.
  void late(int32_t query, const flow_record* record, const LateDrop& drop);
  //! Runs `work`; an exception stops the run (SharedRun::fail) with `doing` and its message.
  //! A template, not std::function: it wraps every hand-over to keyed state, which must not
  //! allocate.
  template <typename Work>
  void guarded(const char* doing, Work&& work) {
    try {
      work();
    } catch (const std::exception& e) {
      fail_with(doing, e.what());
    }
  }
  //! Stops the run: this task failed while `doing`, for `why`.
  void fail_with(const char* doing, const char* why);
  void tally(int32_t metric, int64_t count);
  flow_arena* arena() { return &arena_; }
  //! flow_rt_event_time_limit and flow_rt_event_time_ahead (flow_abi.h) for the batch being run.
  int64_t event_time_limit() const;
  void event_time_ahead(const flow_record* record, int64_t event_time);

 private:
  void trigger(int64_t max_records_default);
  //! The least watermark of query `query`'s sources (INT64_MIN while one is unknown).
  int64_t query_watermark(size_t query) const;
  //! Commits state and offsets once this task's outputs are acknowledged (checkpointer.hpp);
  //! `now` waits for them.
  void checkpoint(bool now = false);
  //! Marks the input's partition caught up when it is read to its end (PartitionWatermarks).
  void note_caught_up(const TaskInput& input);
  //! A record of a joined table without a value: its key's row is deleted (dead-lettered when
  //! its message key is not of the key's type).
  void tombstone(TaskInput& input, const flow_record& record);
  //! Runs `on timeout` of the keys whose processing-time deadline passed; true if any output.
  bool advance_processing_time();

  std::string name_;
  SharedRun& shared_;
  std::vector<TaskInput> inputs_;
  std::unique_ptr<StateStore> store_;
  //! Where the stage chain's records leave: this task's sinks and the shared counters.
  class ChainExit final : public StageChain::Exit {
   public:
    explicit ChainExit(PartitionTask& task) : task_(task) {}
    void emit(int32_t query, const char* key, int64_t key_len, const char* value, int64_t value_len,
              int64_t event_time_ms) override {
      task_.emit(query, key, key_len, value, value_len, event_time_ms);
    }
    void tally(size_t metric, int64_t count) override { task_.tally(static_cast<int32_t>(metric), count); }
    void fail(const std::string& why) override { task_.shared_.fail(why); }

   private:
    PartitionTask& task_;
  };
  ChainExit exit_;
  int level_ = 0;
  std::atomic<bool> busy_{false};
  std::mutex spill_lock_;
  std::vector<std::vector<rd_kafka_message_t*>> spilled_;  //!< per input, in offset order
  std::vector<char> arena_buffer_;
  flow_arena arena_{};
  //! The chain's own scratch memory: a shared stage's rows are encoded while generated code is in
  //! the middle of a record (StageChain::deliver_shared), whose values live in `arena_`.
  std::vector<char> chain_arena_buffer_;
  flow_arena chain_arena_{};
  StageChain chain_;
  const TaskInput* current_ = nullptr;  //!< the input whose batch is running
  int64_t max_event_time_seen_ = INT64_MIN;
  int64_t processing_time_checked_ = INT64_MIN;  //!< the clock when timeouts were last fired
  RecordCollector collector_;
  Checkpointer checkpointer_;
  std::vector<rd_kafka_message_t*> messages_;  //!< a trigger's records as librdkafka hands them
  std::vector<flow_record> records_;            //!< the same, as generated code reads them
};

}  // namespace flow::runtime
