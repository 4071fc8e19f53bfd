// Where a partition's reading starts: at its checkpointed offset, unless retention has deleted
// records from there on before they were processed (`--on-retention-gap`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace flow::runtime {

//! What to do when a partition's checkpointed offset is below its low watermark.
enum class RetentionGap {
  Stop,  //!< stop the run, naming the partition and the records lost (the default)
  Skip,  //!< go on from the low watermark and count the records retention deleted
};

//! What to do when a stateful task has no local checkpoint but the consumer group (the app id)
//! has committed offsets: the state directory was lost, or is another one.
enum class LostState {
  Stop,       //!< stop the run, naming the partitions and the group's offsets (the default)
  Reprocess,  //!< start from the oldest record held with empty state (every output again)
};

struct StartOffset {
  int64_t offset = 0;   //!< the first offset to read
  int64_t skipped = 0;  //!< records deleted by retention between the checkpoint and `offset`
};

//! The start of `topic`'s `partition`, which holds the offsets from `low` to before `high`: its
//! checkpointed offset (none: a first run, which starts at the oldest record held). Nothing,
//! with `error` naming the partition, both offsets, the records lost and what to do, when the
//! checkpoint is below `low` and `gap` is Stop, or is beyond `high` (the topic holds fewer
//! records than were read: created again, or another cluster).
std::optional<StartOffset> start_offset(const std::string& topic, int32_t partition,
                                        std::optional<int64_t> checkpointed, int64_t low, int64_t high,
                                        RetentionGap gap, std::string& error);

//! The offset a partition resumes from when the task `task` has no checkpoint of its own for it
//! (`checkpointed` empty) but its consumer group `group` committed `group_offset` there — a
//! lost or other state directory. A task that keeps no state resumes at the group's offset;
//! one that keeps state stops (nothing, `error` naming the partition, the directory and what to
//! do) or, with LostState::Reprocess, starts from the oldest record (`warning` says so).
//! Otherwise `checkpointed` as it is.
struct LostCheckpoint {
  const std::string& task;
  const std::string& state_dir;
  const std::string& group;
  bool keeps_state;
  LostState on_lost_state;
};
std::optional<std::optional<int64_t>> resume_from(std::optional<int64_t> checkpointed,
                                                  std::optional<int64_t> group_offset, const std::string& topic,
                                                  int32_t partition, const LostCheckpoint& context,
                                                  std::string& error, std::string& warning);

}  // namespace flow::runtime
