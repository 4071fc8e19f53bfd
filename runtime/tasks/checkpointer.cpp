// A task's checkpoint (checkpointer.hpp).
#include "runtime/tasks/checkpointer.hpp"

#include <fmt/format.h>

#include <map>

namespace flow::runtime {

void Checkpointer::checkpoint(StateStore& store, const std::vector<TaskInput>& inputs, StageChain& chain,
                              const RecordCollector& collector, bool now) {
  uncommitted_ = true;
  if (shared_.failed) return;  // nothing commits after a failure: a restart replays it
  auto time = std::chrono::steady_clock::now();
  // A commit sent to the changelog is written to LevelDB once Kafka has acknowledged it; until
  // then the next one waits (and the triggers go on).
  if (store.commit_prepared() && !finish_prepared(store, inputs, now, time)) return;
  // Shared state holds what every feeding task's triggers did, and may have emitted rows that
  // another task produced: before it commits, every output of the job is acknowledged, so the
  // committed state never runs ahead of what Kafka holds.
  bool shared_state = chain.feeds_shared();
  const char* why = nullptr;
  switch (outputs_acknowledged(
      collector.in_flight() > 0 || (shared_state && rd_kafka_outq_len(shared_.producer->handle()) > 0), now, time,
      &why)) {
    case StageChain::Outputs::Pending: return;
    case StageChain::Outputs::Failed: shared_.fail(why); return;
    case StageChain::Outputs::Acknowledged: break;
  }
  // Shared state first, then this task's offsets: a crash between the two replays records the
  // shared state has seen (at-least-once), never skips records whose effect it lost.
  if (shared_state) {
    bool deferred = false;
    std::string problem = chain.commit_shared(
        // Another task may have produced rows of the shared state since the check above: they
        // wait as this task's own do.
        [&] { return outputs_acknowledged(rd_kafka_outq_len(shared_.producer->handle()) > 0, now, time); },
        &deferred);
    if (!problem.empty()) {
      shared_.fail(fmt::format("shared state: cannot checkpoint: {}", problem));
      return;
    }
    if (deferred) return;  // this task's offsets wait for the shared state they fed
  }
  std::map<std::string, int64_t> offsets;
  for (const auto& input : inputs)
    offsets[fmt::format("{}/{}", input.source->topic, input.partition)] = input.next_offset;
  if (store.commit_log()) {
    // Sent now, written when acknowledged: a later checkpoint, or this one when it is `now`.
    std::string problem = store.prepare_commit(offsets);
    if (!problem.empty()) {
      shared_.fail(fmt::format("task `{}`: cannot checkpoint: {}", task_, problem));
      return;
    }
    prepared_offsets_.clear();
    for (const auto& input : inputs) prepared_offsets_.push_back(input.next_offset);
    prepared_at_ = time;
    uncommitted_ = false;  // everything so far is in the prepared commit
    if (now) finish_prepared(store, inputs, now, time);
    return;
  }
  std::string problem = store.commit(offsets);
  if (!problem.empty()) {
    shared_.fail(fmt::format("task `{}`: cannot checkpoint: {}", task_, problem));
    return;
  }
  std::vector<int64_t> next;
  for (const auto& input : inputs) next.push_back(input.next_offset);
  uncommitted_ = false;
  committed(inputs, next, now, time);
}

bool Checkpointer::finish_prepared(StateStore& store, const std::vector<TaskInput>& inputs, bool now,
                                   std::chrono::steady_clock::time_point time) {
  if (!store.commit_log()->acknowledged() && !now && time - prepared_at_ < kCommitInterval) return false;
  // Returns at once when everything is acknowledged; says so when a record was refused.
  std::string problem = store.commit_log()->wait();
  if (!problem.empty()) {
    shared_.fail(fmt::format("task `{}`: cannot checkpoint: {}", task_, problem));
    return false;
  }
  problem = store.finish_commit();
  if (!problem.empty()) {
    shared_.fail(fmt::format("task `{}`: cannot checkpoint: {}", task_, problem));
    return false;
  }
  committed(inputs, prepared_offsets_, now, time);
  return true;
}

void Checkpointer::committed(const std::vector<TaskInput>& inputs, const std::vector<int64_t>& next, bool now,
                             std::chrono::steady_clock::time_point time) {
  if (shared_.consumer && (now || time - last_group_commit_ >= kCommitInterval)) {
    commit_to_group(inputs, next, now);
    last_group_commit_ = time;
  }
  last_commit_ = time;
  shared_.commit_durations.observe_ns(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - time).count());
}

StageChain::Outputs Checkpointer::outputs_acknowledged(bool in_flight, bool now,
                                                       std::chrono::steady_clock::time_point time, const char** why) {
  if (in_flight) {
    if (!now && time - last_commit_ < kCommitInterval) return StageChain::Outputs::Pending;
    if (!shared_.producer->flush(30'000)) {
      if (why) *why = "Kafka did not acknowledge the outputs of a trigger; stopping before committing it";
      return StageChain::Outputs::Failed;
    }
  }
  if (shared_.producer->failed_deliveries() > 0) {
    if (why) *why = "Kafka did not acknowledge an output; stopping before committing the trigger that produced it";
    return StageChain::Outputs::Failed;
  }
  return StageChain::Outputs::Acknowledged;
}

void report_group_commit(SharedRun& shared, rd_kafka_resp_err_t err) {
  // The checkpoint in the state directory is what a restart reads; the group's offsets show the
  // lag to Kafka's tools and tell a lost state directory. A failed commit costs neither the
  // data nor the restart: said once, counted.
  if (!err || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  if (shared.group_commit_failures.fetch_add(1) == 0)
    fmt::print(stderr, "flowrun: warning: committing offsets to the consumer group failed ({}); the checkpoints in "
                       "the state directory are unaffected\n",
               rd_kafka_err2str(err));
}

void Checkpointer::commit_to_group(const std::vector<TaskInput>& inputs, const std::vector<int64_t>& next, bool wait) {
  // After the local checkpoint, never before: the group is never ahead of the state directory.
  // Asynchronous (Job::on_group_commit reports a failure), at most once a second: a commit costs
  // the task no round trip — but for the last checkpoint of a run, which the consumer's close
  // would otherwise race.
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    rd_kafka_topic_partition_list_add(list, inputs[i].source->topic.c_str(), inputs[i].partition)->offset = next[i];
  rd_kafka_resp_err_t err = rd_kafka_commit(shared_.consumer, list, wait ? 0 : 1);
  if (wait) report_group_commit(shared_, err);
  rd_kafka_topic_partition_list_destroy(list);
}

}  // namespace flow::runtime
