// Event time over a job's source partitions: per partition, the highest event time its records
// carried and whether it has been read to its end before delivering any; per source, the
// watermark — the least of its partitions' event times minus the declared lateness. Shared by
// every task (atomics: a task writes its own partitions, every task reads all of them).
//
// A partition that has delivered nothing holds its source's watermark back (its records may be
// older than the others') until it is judged caught up: read to the end the job last asked the
// broker for. A table's partition is judged so whenever it is read to its end, records or not:
// a table updated rarely must not hold every stream record it joins until its next update (its
// rows up to then have all arrived); a new record holds it again, at its own time. `flowrun test` holds every such judgement while it produces a phase's input
// (hold()), and allows it again once the new ends are known (allow()).
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

namespace flow::runtime {

class PartitionWatermarks {
 public:
  PartitionWatermarks() = default;
  //! Per source: its partition count, declared lateness (milliseconds), and whether it is a
  //! table (released when read to its end, whatever it delivered; none given: no table).
  void reset(const std::vector<int64_t>& partitions, const std::vector<int64_t>& lateness_ms,
             const std::vector<bool>& tables = {});

  //! The source's watermark; INT64_MIN while a partition that has delivered nothing is not
  //! caught up, or none has delivered; INT64_MAX for a table whose every partition is caught up
  //! (it holds nothing back).
  int64_t watermark(size_t source) const;
  //! A partition's records carried event times up to `event_time`.
  void delivered(size_t source, int32_t partition, int64_t event_time);
  bool has_delivered(size_t source, int32_t partition) const;
  //! Whether a partition may be judged caught up now (see hold), and whether it already is.
  bool may_judge() const { return judge_.load(std::memory_order_acquire); }
  bool caught_up(size_t source, int32_t partition) const;
  //! The partition was read to its end without delivering a record (a table's: whatever it
  //! delivered).
  void mark_caught_up(size_t source, int32_t partition);
  //! Whether the source is a table (its partitions are judged even after delivering).
  bool is_table(size_t source) const { return source < tables_.size() && tables_[source]; }
  //! More input is about to be produced: no partition that has delivered nothing counts as caught
  //! up, and none is judged, until allow().
  void hold();
  void allow() { judge_.store(true, std::memory_order_release); }

 private:
  std::vector<std::vector<std::atomic<int64_t>>> event_time_;  //!< per source, per partition; INT64_MIN: none
  std::vector<std::vector<std::atomic<bool>>> caught_up_;      //!< per source, per partition
  std::vector<int64_t> lateness_ms_;                            //!< per source
  std::vector<bool> tables_;                                    //!< per source
  std::atomic<bool> judge_{true};
};

}  // namespace flow::runtime
