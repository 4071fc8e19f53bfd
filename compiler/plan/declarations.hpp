// What a .flow file declares besides its queries: its sources (and tables), sinks and metrics,
// as the checker resolved them. The logical plan and the physical plan hold them as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "compiler/diagnostics/source_file.hpp"
#include "compiler/plan/type.hpp"

namespace flow::compiler::plan {

struct SourcePlan {
  std::string name;
  std::string topic;
  std::string format;
  Schema schema;
  int64_t partitions = 0;
  std::optional<int64_t> max_records_per_trigger;
  std::optional<int64_t> max_record_bytes;  //!< larger records are dead-lettered (default 8 MiB)
  std::optional<std::string> event_time;  //!< a timestamp field of `schema`
  std::optional<int64_t> watermark_ms;
  //! How far past the wall clock an event time may be; a record beyond it is dead-lettered, so
  //! one bad clock cannot move the watermark past every later record (default below).
  std::optional<int64_t> max_event_time_ahead_ms;
  std::optional<std::string> dead_letter;  //!< topic
  //! Topic for the records of this source a query drops as late (the windows they belong to had
  //! closed): each is written there whole, with the reason in headers.
  std::optional<std::string> late;
  //! A table (`table NAME …`): the latest row per key of its topic, read only by `join`.
  bool table = false;
  std::optional<std::string> table_key;  //!< the field that is a row's key
  std::optional<int64_t> max_rows;       //!< more keys than this stops the run
  std::optional<int64_t> ttl_ms;         //!< a key not updated for this long (event time) is dropped
  int64_t history_ms = 0;                //!< how long a replaced row stays for stream records that come late

  int64_t event_time_ahead_bound_ms() const { return max_event_time_ahead_ms.value_or(kDefaultMaxEventTimeAheadMs); }
  //! One hour: a producer's clock may be off by minutes, not by days (recent Kafka brokers also
  //! reject timestamps more than an hour ahead by default: message.timestamp.after.max.ms).
  static constexpr int64_t kDefaultMaxEventTimeAheadMs = 3'600'000;
  Span span;
};

struct SinkPlan {
  std::string name;
  std::string kind;  //!< kafka or stdout
  std::string topic;
  Span span;
};

struct MetricPlan {
  std::string name;
  Span span;
};

}  // namespace flow::compiler::plan
