// `process` over the store: load a key's state, run its handler, write it back (process_operator.hpp).
#include "runtime/state/process_operator.hpp"

#include <limits>

namespace flow::runtime {

using compiler::eval::Value;

namespace {

// 1: last event, deadline, fields (the index entry at the deadline); 2: the index entry's time too.
constexpr char kEntryVersion = 2;

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

}  // namespace

ProcessOperator::ProcessOperator(const compiler::plan::LogicalProcess& process, int32_t query,
                                 const std::string& query_name, StateStore& store, ProcessingClock clock)
    : process_(process),
      query_(query),
      store_(store),
      keyspace_(query_name),
      expiry_(store, keyspace_),
      clock_(std::move(clock)),
      initial_(compiler::eval::ProcessState::initial(process)),
      live_(store, keyspace_.meta("live"), 0),
      watermark_(store, keyspace_.meta("watermark"), std::numeric_limits<int64_t>::min()) {}

std::optional<ProcessOperator::Entry> ProcessOperator::load(const std::string& id) {
  std::optional<std::string> bytes = store_.get(keyspace_.state(id));
  if (!bytes) return std::nullopt;
  ValueReader reader(*bytes);
  uint64_t version = reader.varint();
  if (version != 1 && version != kEntryVersion)
    throw StateCorruption("state: unknown version of a `process` key's state");
  Entry entry;
  entry.last_event_ms = reader.signed_varint();
  entry.deadline_ms = reader.signed_varint();
  entry.indexed_ms = version == 1 ? entry.deadline_ms : reader.signed_varint();
  uint64_t count = reader.varint();
  if (count != process_.state.size())
    throw StateCorruption("state: a key has " + std::to_string(count) + " state fields, the query " +
                          std::to_string(process_.state.size()));
  for (uint64_t i = 0; i < count; ++i) entry.state.fields.push_back(reader.value());
  return entry;
}

void ProcessOperator::save(const std::string& id, const Entry& entry) {
  std::string bytes;
  append_varint(bytes, kEntryVersion);
  append_signed(bytes, entry.last_event_ms);
  append_signed(bytes, entry.deadline_ms);
  append_signed(bytes, entry.indexed_ms);
  append_varint(bytes, entry.state.fields.size());
  for (const Value& field : entry.state.fields) append_value(bytes, field);
  store_.put(keyspace_.state(id), std::move(bytes));
}

void ProcessOperator::drop(const std::string& id, const Entry& entry) {
  store_.erase(keyspace_.state(id));
  if (process_.timeout_ms) expiry_.remove(entry.indexed_ms, id);
  live_.set(live_.get() - 1);
}

void ProcessOperator::collect(compiler::eval::HandlerResult& result, const Value& key, int64_t event_time_ms,
                              std::vector<StateOutput>& out, StateTallies& tallies) const {
  for (auto& record : result.emitted) out.push_back({query_, key, std::move(record), event_time_ms});
  for (const auto& [metric, count] : result.tallies) tallies[metric] += count;
}

void ProcessOperator::on_record(const std::string& source, const Value& key, const std::vector<Value>& fields,
                                int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies& tallies) {
  const compiler::plan::HandlerPlan* handler = compiler::eval::find_handler(process_, source);
  if (!handler) handler = compiler::eval::find_handler(process_, "event");
  if (!handler) return;  // no handler reads this source's records

  std::string id;
  append_key_value(id, key);
  std::optional<Entry> stored = load(id);
  if (stored && process_.timeout_ms && !process_.processing_time && event_time_ms >= stored->deadline_ms) {
    // In event time the key timed out before this record came: end that state first, so results
    // do not depend on when the watermark happened to move (batch sizes, partition counts).
    Entry expired = std::move(*stored);
    stored.reset();
    time_out(id, expired, compiler::eval::find_handler(process_, "timeout"), out, tallies);
  }
  Entry entry = stored ? *stored : Entry{event_time_ms, 0, 0, initial_};
  compiler::eval::HandlerResult result = compiler::eval::run_handler(process_, *handler, entry.state, key, &fields);
  collect(result, key, event_time_ms, out, tallies);
  if (result.cleared) {
    if (stored) drop(id, *stored);
    return;
  }

  entry.last_event_ms = std::max(entry.last_event_ms, event_time_ms);
  if (process_.timeout_ms) {
    int64_t since = process_.processing_time ? clock_() : entry.last_event_ms;
    entry.deadline_ms = saturating_add(since, *process_.timeout_ms);
    // A later deadline may leave the index entry where it is, at or before it: expire() moves it
    // when it comes due. That saves two index writes per record for a key whose entry is far
    // from due (a long timeout, a busy key); an entry due soon is moved now, as it would
    // otherwise cost a move plus a state write when it came due.
    int64_t now = process_.processing_time ? clock_() : watermark_.get();
    bool due_soon = !stored || stored->indexed_ms <= saturating_add(now, *process_.timeout_ms / 2);
    if (!stored || entry.deadline_ms < stored->indexed_ms || (due_soon && entry.deadline_ms != stored->indexed_ms)) {
      if (stored) expiry_.remove(stored->indexed_ms, id);
      expiry_.add(entry.deadline_ms, id);
      entry.indexed_ms = entry.deadline_ms;
    }
  }
  if (!stored) live_.set(live_.get() + 1);
  save(id, entry);
}

void ProcessOperator::expire(int64_t up_to, std::vector<StateOutput>& out, StateTallies& tallies) {
  const compiler::plan::HandlerPlan* handler = compiler::eval::find_handler(process_, "timeout");
  for (const ExpiryIndex::Entry& due : expiry_.due(up_to)) {
    std::optional<Entry> entry = load(due.id);
    if (!entry || entry->indexed_ms != due.deadline) {  // cannot happen; heal rather than fire
      expiry_.remove(due.deadline, due.id);
      continue;
    }
    if (entry->deadline_ms > up_to) {  // records came since the entry was written: not due yet
      expiry_.remove(due.deadline, due.id);
      expiry_.add(entry->deadline_ms, due.id);
      entry->indexed_ms = entry->deadline_ms;
      save(due.id, *entry);
      continue;
    }
    time_out(due.id, *entry, handler, out, tallies);
  }
}

void ProcessOperator::time_out(const std::string& id, Entry& entry, const compiler::plan::HandlerPlan* handler,
                               std::vector<StateOutput>& out, StateTallies& tallies) {
  Value key = ValueReader(id).value();
  if (handler) {
    compiler::eval::HandlerResult result = compiler::eval::run_handler(process_, *handler, entry.state, key, nullptr);
    // An event-time timeout happens at its deadline; a processing-time one is stamped with the
    // key's latest event time, as output event times are event times.
    collect(result, key, process_.processing_time ? entry.last_event_ms : entry.deadline_ms, out, tallies);
  }
  drop(id, entry);
}

void ProcessOperator::advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies& tallies) {
  watermark_.set(std::max(watermark_.get(), watermark_ms));
  if (process_.timeout_ms && !process_.processing_time) expire(watermark_.get(), out, tallies);
}

void ProcessOperator::advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out, StateTallies& tallies) {
  if (process_.timeout_ms && process_.processing_time) expire(now_ms, out, tallies);
}

}  // namespace flow::runtime
