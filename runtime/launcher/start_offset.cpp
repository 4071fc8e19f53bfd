// The start offset of a partition (start_offset.hpp).
#include "runtime/launcher/start_offset.hpp"

#include <fmt/format.h>

namespace flow::runtime {

std::optional<StartOffset> start_offset(const std::string& topic, int32_t partition,
                                        std::optional<int64_t> checkpointed, int64_t low, int64_t high,
                                        RetentionGap gap, std::string& error) {
  if (!checkpointed) return StartOffset{low, 0};  // nothing read before: nothing of ours was deleted
  if (*checkpointed > high) {
    // Kafka's consumer would jump to the end, past records no run has read.
    error = fmt::format(
        "topic `{}` partition {}: the checkpoint resumes at offset {} but the topic ends at offset {}: it holds fewer "
        "records than the application has read (was it deleted and created again, or is this another cluster?); "
        "to read it from its start, give a new `--state-dir` (or delete the state directory)",
        topic, partition, *checkpointed, high);
    return std::nullopt;
  }
  if (*checkpointed >= low) return StartOffset{*checkpointed, 0};
  int64_t deleted = low - *checkpointed;
  if (gap == RetentionGap::Skip) return StartOffset{low, deleted};
  error = fmt::format(
      "topic `{}` partition {}: the checkpoint resumes at offset {} but the oldest record the topic still holds is "
      "at offset {} (its low watermark): retention deleted {} record{} before they were processed; make the topic's "
      "retention longer than the application may be stopped, and to go on without them, run again with "
      "`--on-retention-gap skip` (the skipped records are counted)",
      topic, partition, *checkpointed, low, deleted, deleted == 1 ? "" : "s");
  return std::nullopt;
}

std::optional<std::optional<int64_t>> resume_from(std::optional<int64_t> checkpointed,
                                                  std::optional<int64_t> group_offset, const std::string& topic,
                                                  int32_t partition, const LostCheckpoint& context,
                                                  std::string& error, std::string& warning) {
  if (checkpointed || !group_offset) return checkpointed;
  if (!context.keeps_state) return group_offset;  // nothing to lose: resume where the group is
  if (context.on_lost_state == LostState::Stop) {
    error = fmt::format(
        "task `{}`: `{}` holds no checkpoint for topic `{}` partition {}, but consumer group `{}` committed offset {} "
        "there: this application ran before with state this directory does not have (lost, or another "
        "--state-dir), and no changelog holds it (`--changelog off`, or its changelog topic was deleted). Restore "
        "the state directory; or run with `--on-lost-state reprocess` to start over from the "
        "oldest record with empty state (every output again); or use a new --app-id",
        context.task, context.state_dir, topic, partition, context.group, *group_offset);
    return std::nullopt;
  }
  warning = fmt::format(
      "task `{}`: no checkpoint for topic `{}` partition {} although consumer group `{}` is at offset {}: "
      "reprocessing from the oldest record with empty state (--on-lost-state reprocess)",
      context.task, topic, partition, context.group, *group_offset);
  return std::optional<int64_t>();
}

}  // namespace flow::runtime
