// What the tasks of one job share (SharedRun: the plans, generated code, sinks, counters,
// watermarks, the failure that stops the run) and what one task reads (TaskInput: one source
// partition with its queue, decoder and offsets).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/abi/program.hpp"
#include "compiler/physical/physical_plan.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/kafka/kafka_client.hpp"
#include "runtime/metrics/duration_histogram.hpp"
#include "runtime/tasks/partition_watermarks.hpp"
#include "runtime/tasks/stage_chain.hpp"

namespace flow::runtime {

//! What every task shares: the plan, generated code, sinks, counters, watermarks.
struct SharedRun {
  const compiler::physical::PhysicalPlan* physical = nullptr;
  const abi::Program* program = nullptr;
  //! Due entries a stage expires per end-of-input step (StatefulOperator::set_end_of_input_step).
  size_t end_of_input_step = StatefulOperator::kDefaultEndOfInputStep;
  Producer* producer = nullptr;
  std::vector<EncoderPtr> encoders;               //!< per query (null when its sink is not encodable)
  std::vector<const flow_encoder*> encoder_table; //!< the same, as generated code takes them
  std::vector<std::unique_ptr<std::atomic<int64_t>>> metrics;  //!< per metric
  SharedStates shared_state;  //!< the stores of Shared stages (stage_chain.hpp)
  std::mutex stdout_mutex;                        //!< `sink … to stdout` lines stay whole
  //! `flowrun test`: the lines of `sink … to stdout`, kept per query instead of printed.
  bool capture_stdout = false;
  std::map<int32_t, std::vector<std::string>> captured_stdout;
  std::atomic<int64_t> records_in{0}, records_out{0}, dead_lettered{0};
  //! Dead letters written as a truncated copy: the whole record did not fit the topic.
  std::atomic<int64_t> dead_letters_truncated{0};
  std::vector<int64_t> dead_letter_max_bytes;  //!< per source: the largest record its dead-letter topic takes
  std::vector<int64_t> late_max_bytes;         //!< per source: the largest record its `late` topic takes
  //! Per query: the late records it dropped that were written to their source's `late` topic.
  std::vector<std::unique_ptr<std::atomic<int64_t>>> query_late_kept;
  //! Per query, per source of it (in the query's order): the source's records its first stage
  //! dropped as late. Rows a later stage drops are no source's records (Job::later_stage_late).
  std::vector<std::vector<std::unique_ptr<std::atomic<int64_t>>>> query_source_late;
  //! For progress: records read per source, records written per query, trigger time and count.
  std::vector<std::unique_ptr<std::atomic<int64_t>>> source_in, query_out;
  std::atomic<int64_t> trigger_ns{0}, trigger_count{0};
  //! Per source: records that went to the dead-letter topic (or were reported, without one).
  std::vector<std::unique_ptr<std::atomic<int64_t>>> source_dead_lettered;
  DurationHistogram trigger_durations;  //!< triggers that read records
  DurationHistogram commit_durations;
  std::atomic<int64_t> group_commit_failures{0};  //!< offsets the consumer group did not take   //!< checkpoints: waiting for the outputs' acknowledgements, then the stores' writes
  //! Event time and watermarks over every source partition.
  PartitionWatermarks watermarks;
  rd_kafka_t* consumer = nullptr;  //!< for the partitions' high watermarks (cached, never a call out)
  //! Processing time for timeouts `in processing time`: the system clock, or a test's own.
  ProcessingClock clock;
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mutex;

  void fail(const std::string& message);
};

//! An offset a worker sets while the main thread reads it (or the other way round): atomic, and
//! copyable so that TaskInputs can be moved into place while the job opens.
class SharedOffset {
 public:
  SharedOffset(int64_t value) : value_(value) {}  // NOLINT: reads as the plain number it holds
  SharedOffset(const SharedOffset& other) : value_(other.value_.load(std::memory_order_acquire)) {}
  SharedOffset& operator=(int64_t value) {
    value_.store(value, std::memory_order_release);
    return *this;
  }
  operator int64_t() const { return value_.load(std::memory_order_acquire); }  // NOLINT

 private:
  std::atomic<int64_t> value_;
};

struct TaskInput {
  size_t source_index = 0;
  const compiler::plan::SourcePlan* source = nullptr;
  int32_t partition = 0;
  rd_kafka_queue_t* queue = nullptr;
  flow_batch_fn batch = nullptr;
  //! Per query: where this source is in the query's sources (-1: the query does not read it), so
  //! keyed state is handed its index, not its name, per record.
  std::vector<int32_t> query_input;
  DecoderPtr decoder;
  SharedOffset next_offset = 0;  //!< the next offset to read (what a checkpoint records)
  //! The partition's end when the job last asked (at the start, and at every mark_end_offsets):
  //! what --until-idle reads up to, and what a partition must reach to be judged caught up.
  SharedOffset end_offset = -1;
};

}  // namespace flow::runtime
