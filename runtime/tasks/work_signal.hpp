// How idle workers wait for work without spinning: librdkafka calls `on_queue_event` when a
// partition queue goes from empty to non-empty (rd_kafka_queue_cb_event_enable), which wakes one
// waiting worker (it looks at every task, so one is enough per queue that got records); the job
// wakes them all for news (new end offsets, a stop). Waits are bounded: one worker wakes every
// kIdleWait (50 ms) to look at idle tasks, so processing-time timeouts, watermarks moved by other
// partitions and commits of acknowledged triggers still happen; the others every kSpareWait.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include <librdkafka/rdkafka.h>

namespace flow::runtime {

class WorkSignal {
 public:
  //! An idle task checks its timers every 100 ms (PartitionTask::trigger); looking twice as often
  //! keeps a due timeout from waiting a second period.
  static constexpr std::chrono::milliseconds kIdleWait{50};
  //! The other workers' bound: a safety net only, every record arrival wakes one of them.
  static constexpr std::chrono::milliseconds kSpareWait{1000};

  //! The notification count; read before looking for work, handed to `wait_after`.
  uint64_t generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }
  //! Wakes every waiting worker.
  void notify_all() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    changed_.notify_all();
  }
  //! Wakes one waiting worker. Cheap, never blocks for long: librdkafka's threads call it.
  void notify_one() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    changed_.notify_one();
  }
  //! Waits until a notification after `seen` (at once if one came meanwhile), or `bound`.
  void wait_after(uint64_t seen, std::chrono::milliseconds bound) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, bound, [&] { return generation_ != seen; });
  }
  //! The callback librdkafka takes (its opaque is the signal).
  static void on_queue_event(rd_kafka_t*, void* signal) { static_cast<WorkSignal*>(signal)->notify_one(); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t generation_ = 0;
};

}  // namespace flow::runtime
