// A task's sinks and dead-letter topics (record_collector.hpp).
#include "runtime/tasks/record_collector.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

#include "compiler/physical/physical_plan.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/tasks/dead_letter_copy.hpp"

namespace flow::runtime {

namespace {

const compiler::physical::Sink* sink_of(const compiler::physical::Query& query) {
  return query.operators.empty() ? nullptr
                                 : std::get_if<compiler::physical::Sink>(&query.operators.back().body);
}

}  // namespace

RecordCollector::RecordCollector(SharedRun& shared)
    : shared_(shared), latency_(std::make_unique<DurationHistogram[]>(shared.physical ? shared.physical->queries.size() : 0)) {}

void RecordCollector::emit(int32_t query, const char* key, int64_t key_len, const char* value, int64_t value_len,
                           int64_t event_time_ms) {
  const compiler::physical::Sink* sink = sink_of(shared_.physical->queries[query]);
  // The coarse clock (a few ns, no system call): a millisecond-scale latency needs no better.
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  latency_[static_cast<size_t>(query)].observe_ms_between(
      event_time_ms, static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000);
  shared_.records_out.fetch_add(1, std::memory_order_relaxed);
  shared_.query_out[query]->fetch_add(1, std::memory_order_relaxed);
  if (!sink) return;
  if (sink->target == "stdout") {
    std::lock_guard lock(shared_.stdout_mutex);
    if (shared_.capture_stdout) {
      shared_.captured_stdout[query].emplace_back(value, static_cast<size_t>(value_len));
      return;
    }
    std::fwrite(value, 1, static_cast<size_t>(value_len), stdout);
    std::fputc('\n', stdout);
    return;
  }
  if (!shared_.producer->produce(sink->topic, -1, key, static_cast<size_t>(key_len), value,
                                 static_cast<size_t>(value_len), {}, &in_flight_))
    shared_.fail(fmt::format("cannot produce to topic `{}`: {}", sink->topic, shared_.producer->failure()));
}

void RecordCollector::dead_letter(const TaskInput& input, const flow_record& record, int32_t reason,
                                  std::string_view detail) {
  shared_.dead_lettered.fetch_add(1, std::memory_order_relaxed);
  shared_.source_dead_lettered[input.source_index]->fetch_add(1, std::memory_order_relaxed);
  const compiler::plan::SourcePlan& source = *input.source;
  std::string why = std::string(decode_reason_text(reason)) + ": " + std::string(detail);
  if (!source.dead_letter) {
    std::lock_guard lock(shared_.stdout_mutex);
    std::fprintf(stderr, "flowrun: warning: source `%s` partition %d offset %lld dropped (%s); declare "
                         "`dead_letter = \"TOPIC\"` to keep such records\n",
                 source.name.c_str(), input.partition, static_cast<long long>(record.offset), why.c_str());
    return;
  }
  if (write_copy(input, record, *source.dead_letter, shared_.dead_letter_max_bytes.at(input.source_index),
                 {{"flow.error", why},
                  {"flow.source", source.name},
                  {"flow.partition", std::to_string(input.partition)},
                  {"flow.offset", std::to_string(record.offset)}},
                 "dead-letter", 0))
    shared_.dead_letters_truncated.fetch_add(1, std::memory_order_relaxed);
}

void RecordCollector::late(const TaskInput& input, const flow_record& record, int32_t query, std::string reason) {
  const compiler::plan::SourcePlan& source = *input.source;
  shared_.query_late_kept[static_cast<size_t>(query)]->fetch_add(1, std::memory_order_relaxed);
  write_copy(input, record, *source.late, shared_.late_max_bytes.at(input.source_index),
             {{"flow.error", std::move(reason)},
              {"flow.source", source.name},
              {"flow.partition", std::to_string(input.partition)},
              {"flow.offset", std::to_string(record.offset)},
              {"flow.query", shared_.physical->queries[static_cast<size_t>(query)].name}},
             "late", record.timestamp_ms > 0 ? record.timestamp_ms : 0);  // the original timestamp
}

bool RecordCollector::write_copy(const TaskInput& input, const flow_record& record, const std::string& topic,
                                 int64_t max_bytes, std::vector<KafkaHeader> headers, const char* what,
                                 int64_t timestamp_ms) {
  const compiler::plan::SourcePlan& source = *input.source;
  headers.push_back({"flow.truncated", "true"});
  headers.push_back({"flow.original_bytes", std::to_string(record.value_len)});
  int64_t header_bytes = 0;
  for (const auto& header : headers) header_bytes += static_cast<int64_t>(header.name.size() + header.value.size());
  DeadLetterCopy copy = fit_dead_letter(record.value_len, record.key_len, header_bytes, max_bytes);
  if (copy.truncated) {
    std::lock_guard lock(shared_.stdout_mutex);
    std::fprintf(stderr,
                 "flowrun: warning: source `%s` partition %d offset %lld: the record (%lld bytes) does not fit "
                 "%s topic `%s` (at most %lld bytes); it gets the first %lld bytes, with headers "
                 "flow.truncated and flow.original_bytes\n",
                 source.name.c_str(), input.partition, static_cast<long long>(record.offset),
                 static_cast<long long>(record.value_len), what, topic.c_str(), static_cast<long long>(max_bytes),
                 static_cast<long long>(copy.value_bytes));
  } else {
    headers.resize(headers.size() - 2);  // whole: no truncation headers
  }
  if (!shared_.producer->produce(topic, input.partition, copy.keeps_key ? record.key : nullptr,
                                 copy.keeps_key ? static_cast<size_t>(record.key_len) : 0, record.value,
                                 static_cast<size_t>(copy.value_bytes), headers, &in_flight_, timestamp_ms))
    shared_.fail(fmt::format("cannot produce to {} topic `{}`: {}", what, topic, shared_.producer->failure()));
  return copy.truncated;
}

}  // namespace flow::runtime
