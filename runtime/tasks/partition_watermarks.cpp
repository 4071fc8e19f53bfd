// Event time over a job's source partitions (partition_watermarks.hpp).
#include "runtime/tasks/partition_watermarks.hpp"

#include <algorithm>

namespace flow::runtime {

void PartitionWatermarks::reset(const std::vector<int64_t>& partitions, const std::vector<int64_t>& lateness_ms,
                                const std::vector<bool>& tables) {
  tables_ = tables;
  event_time_ = std::vector<std::vector<std::atomic<int64_t>>>(partitions.size());
  caught_up_ = std::vector<std::vector<std::atomic<bool>>>(partitions.size());
  for (size_t s = 0; s < partitions.size(); ++s) {
    event_time_[s] = std::vector<std::atomic<int64_t>>(static_cast<size_t>(partitions[s]));
    for (auto& t : event_time_[s]) t = INT64_MIN;
    caught_up_[s] = std::vector<std::atomic<bool>>(static_cast<size_t>(partitions[s]));
    for (auto& c : caught_up_[s]) c = false;
  }
  lateness_ms_ = lateness_ms;
}

int64_t PartitionWatermarks::watermark(size_t source) const {
  int64_t least = INT64_MAX;
  bool any = false;
  bool table = is_table(source);
  size_t released = 0;
  for (size_t p = 0; p < event_time_[source].size(); ++p) {
    int64_t t = event_time_[source][p].load(std::memory_order_relaxed);
    if (table && caught_up_[source][p].load(std::memory_order_relaxed)) {
      ++released;  // read to its end: every row it has up to now has arrived
      continue;
    }
    if (t == INT64_MIN) {
      // No record from this partition yet: an empty one does not hold the watermark back; one
      // with records still unread does, or they could all be dropped as late.
      if (caught_up_[source][p].load(std::memory_order_relaxed)) continue;
      return INT64_MIN;
    }
    least = std::min(least, t);
    any = true;
  }
  if (!any) return table && released == event_time_[source].size() ? INT64_MAX : INT64_MIN;
  // Saturated: an event time near INT64_MIN minus the lateness must not wrap to the far future.
  return least < INT64_MIN + lateness_ms_[source] ? INT64_MIN : least - lateness_ms_[source];
}

void PartitionWatermarks::delivered(size_t source, int32_t partition, int64_t event_time) {
  auto& seen = event_time_[source][static_cast<size_t>(partition)];
  // A table's partition that delivers holds the watermark again until it is read to its end.
  if (is_table(source)) caught_up_[source][static_cast<size_t>(partition)].store(false, std::memory_order_relaxed);
  int64_t previous = seen.load();
  while (event_time > previous && !seen.compare_exchange_weak(previous, event_time)) {
  }
}

bool PartitionWatermarks::has_delivered(size_t source, int32_t partition) const {
  return event_time_[source][static_cast<size_t>(partition)].load(std::memory_order_relaxed) != INT64_MIN;
}

bool PartitionWatermarks::caught_up(size_t source, int32_t partition) const {
  return caught_up_[source][static_cast<size_t>(partition)].load(std::memory_order_relaxed);
}

void PartitionWatermarks::mark_caught_up(size_t source, int32_t partition) {
  caught_up_[source][static_cast<size_t>(partition)].store(true, std::memory_order_relaxed);
}

void PartitionWatermarks::hold() {
  judge_.store(false, std::memory_order_release);
  for (size_t s = 0; s < caught_up_.size(); ++s)
    for (size_t p = 0; p < caught_up_[s].size(); ++p)
      if (event_time_[s][p].load() == INT64_MIN || is_table(s)) caught_up_[s][p] = false;
}

}  // namespace flow::runtime
