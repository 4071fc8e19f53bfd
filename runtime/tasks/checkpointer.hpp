// A task's checkpoint: its state changes and the offsets it consumed, written in one synced
// LevelDB batch — only once every output and dead letter it produced is acknowledged by Kafka, so
// that after a crash the triggers since the last commit are replayed (at-least-once), never lost.
// A store with a changelog is sent its commit then, and LevelDB writes it once Kafka has
// acknowledged the changelog records too (at a later trigger: the task does not wait for it).
// A trigger does not wait for the acknowledgements: it commits when everything produced so far is
// acknowledged — at this trigger's end or a later one's — and waits (flushes) only when the last
// commit is older than kCommitInterval, or at a stop.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/state/state_store.hpp"
#include "runtime/tasks/record_collector.hpp"
#include "runtime/tasks/stage_chain.hpp"
#include "runtime/tasks/task_context.hpp"

namespace flow::runtime {

//! The outcome of a commit of offsets to the consumer group: a failure is said once and counted.
void report_group_commit(SharedRun& shared, rd_kafka_resp_err_t err);

class Checkpointer {
 public:
  Checkpointer(SharedRun& shared, const std::string& task) : shared_(shared), task_(task) {}

  //! Records or timeouts were processed: commits `store` (with the inputs' next offsets) and the
  //! chain's shared stores when `collector`'s outputs are acknowledged, or waits for them when
  //! `now` or the last commit is too old. A failure stops the run (SharedRun::fail).
  void checkpoint(StateStore& store, const std::vector<TaskInput>& inputs, StageChain& chain,
                  const RecordCollector& collector, bool now);
  //! Something was processed since `store`'s last commit (or its commit is not written yet).
  bool uncommitted(const StateStore& store) const { return uncommitted_ || store.commit_prepared(); }

 private:
  //! Writes the commit prepared for the store's changelog once Kafka has acknowledged it (waiting
  //! for that when `now`, or when it was sent kCommitInterval ago). Whether it was written.
  bool finish_prepared(StateStore& store, const std::vector<TaskInput>& inputs, bool now,
                       std::chrono::steady_clock::time_point time);
  //! After a commit of the inputs' `next` offsets: the group's commit and the bookkeeping.
  void committed(const std::vector<TaskInput>& inputs, const std::vector<int64_t>& next, bool now,
                 std::chrono::steady_clock::time_point time);
  //! The inputs' `next` offsets to the consumer group (the app id), so Kafka's tools show the
  //! lag and a restart without the state directory is noticed (Job).
  void commit_to_group(const std::vector<TaskInput>& inputs, const std::vector<int64_t>& next, bool wait);
  //! Whether Kafka holds what the producer was handed (`in_flight`: some is not acknowledged
  //! yet): Pending while it may still wait (less than kCommitInterval since the last commit, and
  //! not `now`), else after a flush; Failed, with `why`, when the flush times out or a delivery
  //! failed.
  StageChain::Outputs outputs_acknowledged(bool in_flight, bool now, std::chrono::steady_clock::time_point time,
                                           const char** why = nullptr);

  //! The longest a task goes without committing while its outputs are in flight.
  static constexpr std::chrono::milliseconds kCommitInterval{1000};

  SharedRun& shared_;
  std::string task_;
  bool uncommitted_ = false;
  std::vector<int64_t> prepared_offsets_;  //!< the inputs' next offsets of the store's prepared commit
  std::chrono::steady_clock::time_point prepared_at_{};
  std::chrono::steady_clock::time_point last_commit_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_group_commit_{};
};

}  // namespace flow::runtime
