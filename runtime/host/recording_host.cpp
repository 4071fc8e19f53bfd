// The recording host's callbacks. They copy what they receive, as the ABI requires of every host:
// the pointers generated code passes are valid only during the call.
#include "runtime/host/recording_host.hpp"

#include "runtime/host/host_symbols.hpp"

namespace flow::runtime {

namespace {

RecordingHost& host_of(flow_task* task) { return *reinterpret_cast<RecordingHost*>(task); }

//! Copies a value; a non-null value with a string's shape (len > 0 or a pointer) keeps its bytes.
OwnedValue own(const flow_value& value, bool is_string) {
  OwnedValue out;
  out.raw = value;
  if (is_string && !value.is_null && value.len > 0)
    out.text.assign(reinterpret_cast<const char*>(value.bits), static_cast<size_t>(value.len));
  return out;
}

extern "C" void recording_emit(flow_task* task, int32_t query, const char* key, int64_t key_len, const char* value,
                               int64_t value_len, int64_t event_time_ms) {
  host_of(task).emitted.push_back({query, key ? std::string(key, static_cast<size_t>(key_len)) : std::string(),
                                   key != nullptr, std::string(value, static_cast<size_t>(value_len)), event_time_ms});
}

extern "C" void recording_dead_letter(flow_task* task, const flow_record* record, int32_t reason, const char* detail,
                                      int64_t detail_len) {
  host_of(task).dead_letters.push_back(
      {record->offset, reason, std::string(detail ? detail : "", static_cast<size_t>(detail ? detail_len : 0))});
}

extern "C" void recording_tally(flow_task* task, int32_t metric, int64_t count) {
  host_of(task).tallies[metric] += count;
}

extern "C" void recording_to_state(flow_task* task, int32_t query, const flow_value* key, const flow_value* fields,
                                   int64_t field_count, int64_t event_time_ms, const flow_record*) {
  RecordingHost::HandedToState handed{query, std::nullopt, {}, event_time_ms};
  // The host does not know the schema here; a value whose `len` is set is a string (other kinds
  // keep len 0), which is what the ABI's representation makes observable.
  if (key) handed.key = own(*key, key->len > 0);
  for (int64_t i = 0; i < field_count; ++i) handed.fields.push_back(own(fields[i], fields[i].len > 0));
  host_of(task).handed_to_state.push_back(std::move(handed));
}

extern "C" void recording_to_aggregate(flow_task* task, int32_t query, const flow_value* values, int64_t count,
                                       int64_t event_time_ms, const flow_record*) {
  RecordingHost::HandedToState handed{query, std::nullopt, {}, event_time_ms};
  for (int64_t i = 0; i < count; ++i) handed.fields.push_back(own(values[i], values[i].len > 0));
  host_of(task).handed_to_aggregate.push_back(std::move(handed));
}

extern "C" flow_arena* recording_arena(flow_task* task) { return &host_of(task).arena; }

extern "C" int64_t recording_event_time_limit(flow_task* task) { return host_of(task).event_time_limit; }

extern "C" void recording_event_time_ahead(flow_task* task, const flow_record* record, int64_t event_time_ms) {
  host_of(task).dead_letters.push_back({record->offset, FLOW_EVENT_TIME_AHEAD, std::to_string(event_time_ms)});
}

}  // namespace

RecordingHost::RecordingHost(size_t arena_bytes) : arena_buffer_(arena_bytes) {
  flow_arena_init(&arena, arena_buffer_.data(), static_cast<int64_t>(arena_buffer_.size()));
}

void RecordingHost::clear() {
  emitted.clear();
  dead_letters.clear();
  tallies.clear();
  handed_to_state.clear();
  handed_to_aggregate.clear();
  flow_arena_reset(&arena);
}

std::vector<abi::HostSymbol> RecordingHost::symbols() {
  return host_symbols({&recording_emit, &recording_dead_letter, &recording_tally, &recording_to_state,
                       &recording_to_aggregate, &recording_arena, &recording_event_time_limit,
                       &recording_event_time_ahead});
}

}  // namespace flow::runtime
