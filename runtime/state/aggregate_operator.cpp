// `aggregate` over the store: groups, windows, sessions and their closing (aggregate_operator.hpp).
#include "runtime/state/aggregate_operator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "runtime/eval/evaluator.hpp"

namespace flow::runtime {

using eval::Value;
using eval::Window;
using compiler::plan::WindowKind;

namespace {

constexpr char kVersion = 1;
//! A group of an aggregate with a `timeout` (its deadline first): another byte, so state written
//! with a timeout is never read as state without one, or the other way round.
constexpr char kTimedVersion = 2;
using Wide = __int128;

//! A window's end; one saturated at INT64_MAX (eval::windows_of) reaches past every event time.
Wide end_of(const Window& window) {
  return window.end == INT64_MAX ? Wide(INT64_MAX) + 1 : Wide(window.end);
}

int64_t saturate(Wide value) {
  return value > Wide(INT64_MAX) ? INT64_MAX : value < Wide(INT64_MIN) ? INT64_MIN : static_cast<int64_t>(value);
}

void check_version(ValueReader& reader, char expected = kVersion) {
  uint64_t version = reader.varint();
  if ((version == kVersion || version == kTimedVersion) && version != static_cast<uint64_t>(expected))
    throw StateCorruption(std::string("state: a group was written by the query ") +
                          (version == kTimedVersion ? "with" : "without") + " its aggregate's `timeout`, which it " +
                          (expected == kTimedVersion ? "now has" : "no longer has") +
                          ": start it with a new --state-dir (or --app-id), or restore the former declaration");
  if (version != static_cast<uint64_t>(expected))
    throw StateCorruption("state: unknown version of an aggregate's state");
}

}  // namespace

AggregateOperator::AggregateOperator(const compiler::physical::Aggregate& aggregate, int32_t query,
                                     const std::string& keyspace, StateStore& store, ProcessingClock clock)
    : aggregate_(aggregate),
      query_(query),
      store_(store),
      keyspace_(keyspace),
      expiry_(store, keyspace_),
      folds_(aggregate),
      live_(store, keyspace_.meta("live"), 0),
      watermark_(store, keyspace_.meta("watermark"), std::numeric_limits<int64_t>::min()),
      shape_(store, keyspace_.meta("shape")),
      clock_(std::move(clock)) {}

namespace {

//! What the bytes of an aggregate's state depend on: its group values' types, its window, and per
//! call the function, the arguments' types and count_distinct's bound. Not the output names, the
//! emit mode or the timeout's length, which change no byte (whether there is a timeout is in each
//! group's version byte).
std::string state_shape(const compiler::physical::Aggregate& aggregate) {
  std::string text;
  for (const auto& key : aggregate.keys) text += key.type.to_string() + ";";
  const auto& w = aggregate.window;
  text += fmt::format("w{},{},{},{},{};", static_cast<int>(w.kind), w.size_ms, w.slide_ms, w.gap_ms,
                      w.processing_time);
  for (const auto& call : aggregate.aggregates)
    text += fmt::format("{}({},{},{});", call.function, call.argument ? call.argument->type.to_string() : "",
                        call.by ? call.by->type.to_string() : "", call.max_distinct);
  if (const auto& top = aggregate.top) {  // N, the order and the records' fields
    text += fmt::format("top{}(", top->limit);
    for (const auto& key : top->order) text += key.value.type.to_string() + (key.descending ? " desc," : " asc,");
    for (size_t f = 0; f < aggregate.row_width(); ++f) text += aggregate.output[f].type.to_string() + ",";
    text += ");";
  }
  return text;
}

}  // namespace

void AggregateOperator::check_shape() {
  shape_.check(state_shape(aggregate_),
               "state: the aggregate of this query was declared otherwise when its state was written (its group "
               "fields, window, timeout, functions or their arguments differ): start it with a new --state-dir (or "
               "--app-id), or restore the former declaration");
}

std::vector<Value> AggregateOperator::decode_group(std::string_view group) const {
  ValueReader reader(group);
  std::vector<Value> values;
  for (size_t i = 0; i < aggregate_.keys.size(); ++i) values.push_back(reader.value());
  return values;
}

bool AggregateOperator::closed(const Window& window) const {
  return window.end > window.start && window.end <= watermark_.get();
}

std::optional<Value> AggregateOperator::row_key(std::vector<Value> values) const {
  if (values.empty()) return std::nullopt;  // a global window: its rows have no key
  if (values.size() == 1) return std::move(values.front());
  std::vector<std::string> names;
  for (size_t i = 0; i < values.size(); ++i) names.push_back(aggregate_.group_field(i).name);
  return Value::record(std::move(names), std::move(values));
}

StateOutput AggregateOperator::row(const std::string& group, const Window* window, const Accumulators& accumulators,
                                   int64_t event_time_ms) const {
  std::vector<Value> values = decode_group(group);
  StateOutput output = StateOutput::of(query_, std::nullopt, values, event_time_ms);
  if (window) {
    output.record.push_back(Value::timestamp(window->start));
    output.record.push_back(Value::timestamp(window->end));
  }
  for (Value& value : folds_.results(accumulators)) output.record.push_back(std::move(value));
  for (size_t i = 0; i < output.record.size() && i < aggregate_.output.size(); ++i)
    output.record[i] = eval::conform(std::move(output.record[i]), aggregate_.output[i].type);
  output.key = row_key(std::move(values));
  return output;
}

void AggregateOperator::emit_closed(const std::string& group, const Window& window, const Accumulators& accumulators,
                                    std::vector<StateOutput>& out) const {
  // A closed window's rows carry the latest event time the window can hold.
  int64_t event_time_ms = saturate(Wide(window.end) - 1);
  if (!aggregate_.top) {
    out.push_back(row(group, &window, accumulators, event_time_ms));
    return;
  }
  std::optional<Value> key = row_key(decode_group(group));
  for (std::vector<Value>& record : folds_.top_rows(accumulators, window))
    out.push_back(StateOutput::of(query_, key, std::move(record), event_time_ms));
}

void AggregateOperator::on_record(const std::string&, const Value& key, const std::vector<Value>& fields,
                                  int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies&) {
  eval::Environment env{&fields, nullptr, &key, nullptr};
  std::string group;
  for (size_t i = 0; i < aggregate_.keys.size(); ++i)
    append_key_value(group, eval::conform(eval::evaluate(aggregate_.keys[i], env),
                                                    aggregate_.group_field(i).type));
  add(group, folds_.arguments(fields, key), out, event_time_ms);
}

void AggregateOperator::on_grouped(const flow_value* values, int64_t event_time_ms, std::vector<StateOutput>& out) {
  std::string group;
  size_t keys = aggregate_.keys.size();
  for (size_t i = 0; i < keys; ++i) append_abi_key(group, values[i], aggregate_.group_field(i).type);
  const std::vector<compiler::plan::Type>& types = folds_.argument_types();
  std::vector<Value> arguments;
  arguments.reserve(types.size());
  // count() is handed a null; Value::from_abi makes it one whatever the type says.
  for (size_t i = 0; i < types.size(); ++i) arguments.push_back(Value::from_abi(values[keys + i], types[i]));
  add(group, arguments, out, event_time_ms);
}

void AggregateOperator::add(const std::string& group, const std::vector<Value>& arguments,
                            std::vector<StateOutput>& out, int64_t event_time_ms) {
  last_drop_.late = false;
  if (!shape_.checked()) check_shape();
  // A processing-time window is the clock's: the record belongs to the windows of its arrival.
  if (aggregate_.window.processing_time) event_time_ms = clock_();
  switch (aggregate_.window.kind) {
    case WindowKind::None: add_unwindowed(group, arguments, out, event_time_ms); return;
    case WindowKind::Tumbling:
    case WindowKind::Hopping: add_to_windows(group, arguments, out, event_time_ms); return;
    case WindowKind::Session: add_to_session(group, arguments, out, event_time_ms); return;
  }
}

void AggregateOperator::add_unwindowed(const std::string& group, const std::vector<Value>& arguments,
                                       std::vector<StateOutput>& out, int64_t event_time_ms) {
  const std::optional<int64_t>& timeout = aggregate_.timeout_ms;
  bool event_time = timeout && !aggregate_.processing_time;
  // Its group would already have been dropped: late, like a record of a closed window.
  if (event_time && watermark_.get() != INT64_MIN && saturate(Wide(event_time_ms) + *timeout) <= watermark_.get()) {
    late_.fetch_add(1, std::memory_order_relaxed);
    last_drop_ = {true, event_time_ms, saturate(Wide(event_time_ms) + *timeout), watermark_.get(), true};
    return;
  }
  // When the group last had a record: its event time, or the clock's reading.
  const int64_t since = !timeout ? 0 : event_time ? event_time_ms : clock_();
  std::string key = keyspace_.state(group);
  Accumulators accumulators = folds_.start();
  std::optional<std::string> stored = store_.get(key);
  int64_t deadline = INT64_MIN, indexed = INT64_MIN;
  if (stored) {
    ValueReader reader(*stored);
    check_version(reader, timeout ? kTimedVersion : kVersion);
    if (timeout) {
      deadline = reader.signed_varint();
      indexed = reader.signed_varint();
    }
    accumulators = folds_.decode(reader);
    // At or past its deadline the group has timed out, whether or not the watermark (or the
    // clock's next tick) has said so yet, as for `process` timeouts: the result does not depend on
    // when the watermark moved.
    if (timeout && since >= deadline) {
      accumulators = folds_.start();
      deadline = INT64_MIN;  // its expiry entry stays where it is, before the new deadline
    }
  } else {
    live_.set(live_.get() + 1);
  }
  folds_.add(accumulators, arguments, 0);
  std::string bytes(1, timeout ? kTimedVersion : kVersion);
  if (timeout) {
    deadline = std::max(deadline, saturate(Wide(since) + *timeout));
    // The expiry entry stays where it is while it is at or before the deadline: expire_groups
    // moves it when it comes due early. One write per record, not three.
    if (!stored) {
      expiry_.add(deadline, group);
      indexed = deadline;
    }
    append_signed(bytes, deadline);
    append_signed(bytes, indexed);
  }
  folds_.encode(bytes, accumulators);
  store_.put_read(std::move(key), std::move(bytes), stored ? std::optional(stored->size()) : std::nullopt);
  out.push_back(row(group, nullptr, accumulators, event_time_ms));
}

void AggregateOperator::add_to_windows(const std::string& group, const std::vector<Value>& arguments,
                                       std::vector<StateOutput>& out, int64_t event_time_ms) {
  bool added = false;
  Window latest{INT64_MIN, INT64_MIN};  // a late record's latest window, for the reason it is dropped
  for (const Window& window : eval::windows_of(aggregate_.window, event_time_ms)) {
    if (closed(window)) {
      if (window.start > latest.start) latest = window;
      continue;
    }
    added = true;
    std::string id = window_id(group, window.start);
    std::string key = keyspace_.state(id);
    Accumulators accumulators = folds_.start();
    std::optional<std::string> stored = store_.get(key);
    if (stored) {
      ValueReader reader(*stored);
      check_version(reader);
      reader.signed_varint();  // the end, known from the start
      accumulators = folds_.decode(reader);
      // A record that does not rank leaves a top's window as it is: no write.
      if (aggregate_.top && !folds_.ranks(accumulators, arguments)) continue;
    } else {
      expiry_.add(window.end, id);
      live_.set(live_.get() + 1);
    }
    folds_.add(accumulators, arguments, 0);
    std::string bytes(1, kVersion);
    append_signed(bytes, window.end);
    folds_.encode(bytes, accumulators);
    store_.put_read(std::move(key), std::move(bytes), stored ? std::optional(stored->size()) : std::nullopt);
    if (aggregate_.emit == compiler::plan::EmitMode::Changes)
      out.push_back(row(group, &window, accumulators, event_time_ms));
  }
  if (!added) {
    late_.fetch_add(1, std::memory_order_relaxed);
    last_drop_ = {true, latest.start, latest.end, watermark_.get()};
  }
}

std::optional<AggregateOperator::Sessions> AggregateOperator::load_sessions(const std::string& group) {
  std::optional<std::string> bytes = store_.get(keyspace_.state(group));
  if (!bytes) return std::nullopt;
  ValueReader reader(*bytes);
  check_version(reader);
  Sessions sessions;
  sessions.next_arrival = reader.varint();
  uint64_t count = reader.varint();
  for (uint64_t i = 0; i < count; ++i) {
    Session session;
    session.window.start = reader.signed_varint();
    session.window.end = reader.signed_varint();
    session.accumulators = folds_.decode(reader);
    sessions.open.push_back(std::move(session));
  }
  return sessions;
}

void AggregateOperator::save_sessions(const std::string& group, const Sessions& sessions) {
  if (sessions.open.empty()) {
    store_.erase(keyspace_.state(group));
    return;
  }
  std::string bytes(1, kVersion);
  append_varint(bytes, sessions.next_arrival);
  append_varint(bytes, sessions.open.size());
  for (const Session& session : sessions.open) {
    append_signed(bytes, session.window.start);
    append_signed(bytes, session.window.end);
    folds_.encode(bytes, session.accumulators);
  }
  store_.put(keyspace_.state(group), std::move(bytes));
}

void AggregateOperator::add_to_session(const std::string& group, const std::vector<Value>& arguments,
                                       std::vector<StateOutput>& out, int64_t event_time_ms) {
  Sessions sessions = load_sessions(group).value_or(Sessions{});
  Wide time = event_time_ms;
  Wide end = time + aggregate_.window.gap_ms;
  // The record joins every open session it is less than `gap` away from (eval::sessions_of's rule):
  // one that starts before its own session ends and ends after it.
  auto joins = [&](const Session& s) { return Wide(s.window.start) < end && time < end_of(s.window); };
  auto first = std::find_if(sessions.open.begin(), sessions.open.end(), joins);
  if (first == sessions.open.end() && end <= watermark_.get()) {
    late_.fetch_add(1, std::memory_order_relaxed);
    last_drop_ = {true, event_time_ms, saturate(end), watermark_.get()};
    return;
  }
  Session merged{{event_time_ms, saturate(end)}, folds_.start()};
  if (first != sessions.open.end()) merged = *first;
  for (const Session& s : sessions.open) {
    if (!joins(s)) continue;
    expiry_.remove(s.window.end, window_id(group, s.window.start));
    live_.set(live_.get() - 1);
    if (&s == &*first) continue;
    folds_.merge(merged.accumulators, s.accumulators);
    merged.window.start = std::min(merged.window.start, s.window.start);
    if (end_of(s.window) > end_of(merged.window)) merged.window.end = s.window.end;
  }
  std::erase_if(sessions.open, joins);
  merged.window.start = std::min(merged.window.start, event_time_ms);
  if (end > end_of(merged.window)) merged.window.end = saturate(end);
  folds_.add(merged.accumulators, arguments, sessions.next_arrival++);
  expiry_.add(merged.window.end, window_id(group, merged.window.start));
  live_.set(live_.get() + 1);
  auto position = std::find_if(sessions.open.begin(), sessions.open.end(),
                               [&](const Session& s) { return s.window.start > merged.window.start; });
  sessions.open.insert(position, merged);
  save_sessions(group, sessions);
  if (aggregate_.emit == compiler::plan::EmitMode::Changes)
    out.push_back(row(group, &merged.window, merged.accumulators, event_time_ms));
}

void AggregateOperator::expire_groups(int64_t up_to) {
  if (!shape_.checked()) check_shape();
  for (const ExpiryIndex::Entry& due : due_now(expiry_, up_to)) {
    expiry_.remove(due.deadline, due.id);
    std::string key = keyspace_.state(due.id);
    std::optional<std::string> stored = store_.get(key);
    if (!stored) continue;  // cannot happen; the stale index entry is gone now
    ValueReader reader(*stored);
    check_version(reader, kTimedVersion);
    int64_t deadline = reader.signed_varint();
    if (deadline > up_to) {  // records came since the entry was written: not due yet
      expiry_.add(deadline, due.id);
      reader.signed_varint();  // where the entry was
      Accumulators accumulators = folds_.decode(reader);
      std::string bytes(1, kTimedVersion);
      append_signed(bytes, deadline);
      append_signed(bytes, deadline);
      folds_.encode(bytes, accumulators);
      store_.put_read(std::move(key), std::move(bytes), stored->size());
      continue;
    }
    store_.erase(key);
    live_.set(live_.get() - 1);
  }
}

void AggregateOperator::advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out, StateTallies&) {
  if (aggregate_.timeout_ms && aggregate_.processing_time) expire_groups(now_ms);
  if (aggregate_.window.processing_time) close_windows(now_ms, out);
}

void AggregateOperator::advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies&) {
  if (aggregate_.window.processing_time) return;  // the clock closes its windows, not event time
  if (aggregate_.window.kind == WindowKind::None) {
    watermark_.set(std::max(watermark_.get(), watermark_ms));
    if (aggregate_.timeout_ms && !aggregate_.processing_time) expire_groups(watermark_.get());
    return;
  }
  close_windows(watermark_ms, out);
}

void AggregateOperator::close_windows(int64_t up_to, std::vector<StateOutput>& out) {
  if (!shape_.checked()) check_shape();
  watermark_.set(std::max(watermark_.get(), up_to));
  bool final = aggregate_.emit == compiler::plan::EmitMode::Final;
  for (const ExpiryIndex::Entry& due : due_now(expiry_, watermark_.get())) {
    expiry_.remove(due.deadline, due.id);
    std::string group = due.id.substr(0, due.id.size() - 8);
    int64_t start = read_ordered(std::string_view(due.id).substr(due.id.size() - 8));
    Window window{start, due.deadline};
    Accumulators accumulators;
    bool found = false;
    if (aggregate_.window.kind == WindowKind::Session) {
      std::optional<Sessions> sessions = load_sessions(group);
      auto it = !sessions ? std::vector<Session>::iterator()
                          : std::find_if(sessions->open.begin(), sessions->open.end(),
                                         [&](const Session& s) { return s.window == window; });
      if (sessions && it != sessions->open.end()) {
        found = true;
        accumulators = std::move(it->accumulators);
        sessions->open.erase(it);
        save_sessions(group, *sessions);
      }
    } else if (std::optional<std::string> bytes = store_.get(keyspace_.state(due.id))) {
      found = true;
      ValueReader reader(*bytes);
      check_version(reader);
      reader.signed_varint();
      accumulators = folds_.decode(reader);
      store_.erase(keyspace_.state(due.id));
    }
    if (!found) continue;  // cannot happen; the stale index entry is gone now
    live_.set(live_.get() - 1);
    if (final) emit_closed(group, window, accumulators, out);
  }
}

}  // namespace flow::runtime
