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
  if (collector.in_flight() > 0) {
    if (!now && time - last_commit_ < kCommitInterval) return;
    if (!shared_.producer->flush(30'000)) {
      shared_.fail("Kafka did not acknowledge the outputs of a trigger; stopping before committing it");
      return;
    }
  }
  if (shared_.producer->failed_deliveries() > 0) {
    shared_.fail("Kafka did not acknowledge an output; stopping before committing the trigger that produced it");
    return;
  }
  std::map<std::string, int64_t> offsets;
  for (const auto& input : inputs)
    offsets[fmt::format("{}/{}", input.source->topic, input.partition)] = input.next_offset;
  std::string problem = store.commit(offsets);
  if (!problem.empty()) shared_.fail(fmt::format("task `{}`: cannot checkpoint: {}", task_, problem));
  // Shared state commits its own store; its inputs' offsets are in each task's checkpoint.
  problem = chain.commit_shared();
  if (!problem.empty()) shared_.fail(fmt::format("shared state: cannot checkpoint: {}", problem));
  uncommitted_ = false;
  last_commit_ = time;
  shared_.commit_durations.observe_ns(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - time).count());
}

}  // namespace flow::runtime
