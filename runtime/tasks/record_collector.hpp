// Where a task's records go: its queries' sinks (a Kafka topic, or stdout), its sources'
// dead-letter topics and `late` topics, with the reason in headers. It counts what Kafka has not acknowledged yet,
// so that the task's checkpoint commits only after its outputs are safe (checkpointer.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/abi/flow_abi.h"
#include "runtime/tasks/task_context.hpp"

namespace flow::runtime {

class RecordCollector {
 public:
  explicit RecordCollector(SharedRun& shared);

  //! A record for query `query`'s sink: its JSON and its message key (null `key`: none); the
  //! wall clock minus `event_time_ms` is the record's end-to-end latency.
  void emit(int32_t query, const char* key, int64_t key_len, const char* value, int64_t value_len,
            int64_t event_time_ms);
  //! A record of `input` that failed to decode, for `reason` (a flow_decode_result) and `detail`:
  //! to the source's dead-letter topic, or, without one, reported on stderr.
  void dead_letter(const TaskInput& input, const flow_record& record, int32_t reason, std::string_view detail);
  //! A record of `input` that query `query` dropped as late, for `reason`: to the source's `late`
  //! topic (which it must have), headers as a dead letter's plus `flow.query`.
  void late(const TaskInput& input, const flow_record& record, int32_t query, std::string reason);
  //! Records produced and not acknowledged yet (delivery reports decrement it).
  int64_t in_flight() const { return in_flight_.load(); }
  //! Per query: the end-to-end latency of the records this task wrote (one writer: the task).
  const DurationHistogram& latency(size_t query) const { return latency_[query]; }

 private:
  //! Writes `record` to `topic` (which takes at most `max_bytes`) with `headers`, cut to fit with
  //! the truncation headers when it is too large (then true); `what` names the topic's role in
  //! messages; `timestamp_ms` is the copy's timestamp (0: now).
  bool write_copy(const TaskInput& input, const flow_record& record, const std::string& topic, int64_t max_bytes,
                  std::vector<KafkaHeader> headers, const char* what, int64_t timestamp_ms);

  SharedRun& shared_;
  std::atomic<int64_t> in_flight_{0};
  std::unique_ptr<DurationHistogram[]> latency_;  //!< per query (atomics: neither movable nor copyable)
};

}  // namespace flow::runtime
