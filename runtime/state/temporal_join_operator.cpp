// A stream–table join by event time (temporal_join_operator.hpp).
#include "runtime/state/temporal_join_operator.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "runtime/state/saturating_time.hpp"
#include "runtime/state/value_codec.hpp"

namespace flow::runtime {

using eval::Value;

TemporalJoinOperator::TemporalJoinOperator(StateStore& store, TemporalJoinSpec spec)
    : store_(store),
      spec_(std::move(spec)),
      keyspace_(spec_.keyspace),
      expiry_(store_, keyspace_),
      watermark_(store_, keyspace_.meta("watermark"), INT64_MIN),
      live_(store_, keyspace_.meta("live"), 0),
      sequence_(store_, keyspace_.meta("sequence"), 0),
      shape_(store_, keyspace_.meta("shape")) {
  shape_.check(fmt::format("join v1: stream {} fields, table {} fields keyed by field {}, {}", spec_.stream_fields,
                           spec_.table_fields, spec_.table_key_index, spec_.left ? "left" : "inner"),
               fmt::format("the state of the join with table `{}` in `{}` was written by another version of the "
                           "query (other fields, or another kind of join); start with a new --state-dir",
                           spec_.table, store_.directory()));
  for (auto& [key, bytes] : store_.scan(keyspace_.begin_of('p'), std::string_view(keyspace_.begin_of('q'))))
    waiting_.emplace(std::move(key), std::move(bytes));
}

void TemporalJoinOperator::on_record(const std::string& source, const Value& key, const std::vector<Value>& fields,
                                     int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies&) {
  if (source == spec_.table)
    on_table(key, &fields, event_time_ms);
  else
    on_stream(key, fields, event_time_ms, out);
}

bool TemporalJoinOperator::load(const std::string& id, Versions& versions) {
  versions.versions.clear();
  versions.deadline = INT64_MIN;
  if (!store_.get_into(keyspace_.state(id), loaded_)) return false;
  ValueReader reader(loaded_);
  versions.deadline = reader.signed_varint();
  uint64_t count = reader.varint();
  for (uint64_t v = 0; v < count; ++v) {
    Version version;
    version.time = reader.signed_varint();
    version.row = reader.varint() != 0;
    if (version.row)
      for (size_t f = 0; f < spec_.table_fields; ++f) version.fields.push_back(reader.value());
    versions.versions.push_back(std::move(version));
  }
  if (!reader.at_end()) throw StateCorruption("a join's table versions have bytes past their end");
  return true;
}

void TemporalJoinOperator::save(const std::string& id, const Versions& versions) {
  std::string bytes;
  append_signed(bytes, versions.deadline);
  append_varint(bytes, versions.versions.size());
  for (const Version& version : versions.versions) {
    append_signed(bytes, version.time);
    append_varint(bytes, version.row ? 1 : 0);
    for (const Value& field : version.fields) append_value(bytes, field);
  }
  store_.put(keyspace_.state(id), std::move(bytes));
}

void TemporalJoinOperator::erase(const std::string& id, const Versions& versions) {
  if (versions.deadline != INT64_MIN) expiry_.remove(versions.deadline, id);
  store_.erase(keyspace_.state(id));
}

void TemporalJoinOperator::prune(Versions& versions) const {
  if (watermark_.get() == INT64_MIN) return;
  int64_t bound = saturating_minus(watermark_.get(), spec_.history_ms);
  // The last version at or before the bound answers every record a later one does not.
  size_t keep_from = 0;
  for (size_t v = 0; v < versions.versions.size(); ++v)
    if (versions.versions[v].time <= bound) keep_from = v;
  versions.versions.erase(versions.versions.begin(), versions.versions.begin() + static_cast<std::ptrdiff_t>(keep_from));
}

int64_t TemporalJoinOperator::deadline_of(const Versions& versions) const {
  if (versions.versions.empty()) return INT64_MIN;
  const Version& latest = versions.versions.back();
  if (!latest.row) return saturating_plus(latest.time, spec_.history_ms);
  if (spec_.ttl_ms) return saturating_plus(saturating_plus(latest.time, *spec_.ttl_ms), spec_.history_ms);
  return INT64_MIN;
}

void TemporalJoinOperator::reindex(const std::string& id, Versions& versions) {
  int64_t deadline = deadline_of(versions);
  if (deadline == versions.deadline) return;
  if (versions.deadline != INT64_MIN) expiry_.remove(versions.deadline, id);
  if (deadline != INT64_MIN) expiry_.add(deadline, id);
  versions.deadline = deadline;
}

void TemporalJoinOperator::on_table(const Value& key, const std::vector<Value>* fields, int64_t event_time_ms) {
  id_.clear();
  append_key_value(id_, key);
  Versions& versions = versions_;
  load(id_, versions);
  bool was_live = is_live(versions);
  Version version;
  version.time = event_time_ms;
  version.row = fields != nullptr;
  if (fields) {
    version.fields.assign(fields->begin(), fields->begin() + static_cast<std::ptrdiff_t>(
                                                                  std::min(fields->size(), spec_.table_fields)));
    version.fields.resize(spec_.table_fields);
  }
  // After every version at or before its time: of two with one time the later read wins.
  auto at = std::upper_bound(versions.versions.begin(), versions.versions.end(), event_time_ms,
                             [](int64_t t, const Version& v) { return t < v.time; });
  versions.versions.insert(at, std::move(version));
  prune(versions);
  bool live = is_live(versions);
  if (live && !was_live) {
    if (spec_.max_rows && live_.get() + 1 > *spec_.max_rows)
      throw TableFull(fmt::format("table `{}` would hold more than its `max_rows = {}` keys; raise `max_rows`, or "
                                  "add a `ttl` so that keys not updated for that long are dropped",
                                  spec_.table, *spec_.max_rows));
    live_.set(live_.get() + 1);
  } else if (was_live && !live) {
    live_.set(live_.get() - 1);
  }
  reindex(id_, versions);
  save(id_, versions);
}

void TemporalJoinOperator::on_stream(const Value& key, const std::vector<Value>& fields, int64_t event_time_ms,
                                     std::vector<StateOutput>& out) {
  last_late_ = false;
  int64_t watermark = watermark_.get();
  if (watermark != INT64_MIN && event_time_ms < saturating_minus(watermark, spec_.history_ms)) {
    // The versions current then may be gone: no answer would be certain.
    last_late_ = true;
    ++late_;
    return;
  }
  std::vector<Value> row(fields.begin(),
                         fields.begin() + static_cast<std::ptrdiff_t>(std::min(fields.size(), spec_.stream_fields)));
  // A table record at the watermark's own time may still come (it is not late), so a record is
  // answered once the watermark is past its time: every table row up to it has arrived then.
  if (watermark != INT64_MIN && event_time_ms < watermark) return answer(key, std::move(row), event_time_ms, out);
  int64_t sequence = sequence_.get();
  sequence_.set(sequence + 1);
  std::string waiting = keyspace_.begin_of('p');
  append_ordered(waiting, event_time_ms);
  append_ordered(waiting, sequence);
  std::string bytes;
  append_value(bytes, key);
  append_varint(bytes, row.size());
  for (const Value& field : row) append_value(bytes, field);
  store_.put_new(waiting, bytes);
  waiting_.emplace_hint(waiting_.end(), std::move(waiting), std::move(bytes));
}

void TemporalJoinOperator::answer(const Value& key, std::vector<Value> fields, int64_t event_time_ms,
                                  std::vector<StateOutput>& out) {
  const Version* current = nullptr;
  Versions& versions = versions_;
  versions.versions.clear();
  if (!key.is_null()) {
    id_.clear();
    append_key_value(id_, key);
    if (load(id_, versions))
      for (const Version& version : versions.versions)
        if (version.time <= event_time_ms) current = &version;
  }
  // A row not replaced for the ttl had expired by then.
  if (current && spec_.ttl_ms && event_time_ms >= saturating_plus(current->time, *spec_.ttl_ms)) current = nullptr;
  bool row = current && current->row;
  if (!row && !spec_.left) return;
  fields.reserve(fields.size() + spec_.table_fields);
  for (size_t f = 0; f < spec_.table_fields; ++f)
    if (f != spec_.table_key_index) fields.push_back(row ? current->fields[f] : Value());
  out.push_back(StateOutput::of(spec_.query, key, std::move(fields), event_time_ms));
}

void TemporalJoinOperator::advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies&) {
  if (watermark_ms <= watermark_.get()) return;
  watermark_.set(watermark_ms);
  // Every waiting record before the watermark (all of them at the end of input), in (event
  // time, arrival) order.
  std::string begin = keyspace_.begin_of('p');
  std::string end = begin;
  if (watermark_ms == INT64_MAX) {
    end = keyspace_.begin_of('q');
  } else {
    append_ordered(end, watermark_ms);
  }
  size_t offset = keyspace_.own_offset();
  auto last = waiting_.lower_bound(end);
  for (auto it = waiting_.begin(); it != last; it = waiting_.erase(it)) {
    const auto& [waiting, bytes] = *it;
    int64_t event_time = read_ordered(std::string_view(waiting).substr(offset));
    ValueReader reader(bytes);
    Value key = reader.value();
    uint64_t count = reader.varint();
    std::vector<Value> fields;
    for (uint64_t f = 0; f < count; ++f) fields.push_back(reader.value());
    answer(key, std::move(fields), event_time, out);
    store_.erase(waiting);
  }
  expire(watermark_ms);
}

void TemporalJoinOperator::expire(int64_t up_to) {
  for (const ExpiryIndex::Entry& entry : expiry_.due(up_to)) {
    Versions versions;
    if (!load(entry.id, versions) || versions.deadline != entry.deadline) {
      expiry_.remove(entry.deadline, entry.id);  // an entry the key has moved on from
      continue;
    }
    if (is_live(versions)) live_.set(live_.get() - 1);
    erase(entry.id, versions);
  }
}

}  // namespace flow::runtime
