// A windowed stream–stream join (window_join_operator.hpp).
#include "runtime/state/window_join_operator.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "runtime/state/saturating_time.hpp"
#include "runtime/state/value_codec.hpp"

namespace flow::runtime {

using eval::Value;

WindowJoinOperator::WindowJoinOperator(StateStore& store, WindowJoinSpec spec)
    : store_(store),
      spec_(std::move(spec)),
      keyspace_(spec_.keyspace),
      expiry_(store_, keyspace_),
      watermark_(store_, keyspace_.meta("watermark"), INT64_MIN),
      live_(store_, keyspace_.meta("live"), 0),
      sequence_(store_, keyspace_.meta("sequence"), 0),
      shape_(store_, keyspace_.meta("shape")) {
  shape_.check(fmt::format("window join v1: left {} fields, right {} fields less {}, key at {}, {}{}, {} ms before, "
                           "{} ms after",
                           spec_.left_fields, spec_.right_fields, spec_.right_dropped, spec_.left_key_field,
                           spec_.left_outer ? "left outer " : "", spec_.right_outer ? "right outer" : "",
                           spec_.before_ms, spec_.after_ms),
               fmt::format("the state of the join with stream `{}` in `{}` was written by another version of the "
                           "query (other fields, window or kind of join); start with a new --state-dir",
                           spec_.other, store_.directory()));
  size_t offset = keyspace_.own_offset();
  for (auto& [key, bytes] : store_.scan(keyspace_.begin_of('p'), std::string_view(keyspace_.begin_of('q')))) {
    std::string_view tail = std::string_view(key).substr(offset);
    waiting_.emplace(std::make_pair(read_ordered(tail), read_ordered(tail.substr(8))), std::move(bytes));
  }
}

void WindowJoinOperator::on_record(const std::string& source, const Value& key, const std::vector<Value>& fields,
                                   int64_t event_time_ms, std::vector<StateOutput>&, StateTallies&) {
  on_side(source == spec_.other ? 1 : 0, key, fields, event_time_ms);  // rows come out as the watermark moves
}

int64_t WindowJoinOperator::drop_after(int side, int64_t time) const {
  return saturating_plus(time, side == 0 ? spec_.after_ms : spec_.before_ms);
}

int64_t WindowJoinOperator::emitted_through(int64_t watermark_ms) const {
  if (watermark_ms == INT64_MIN || watermark_ms == INT64_MAX) return watermark_ms;
  // An outer row is emitted once the watermark passes its time plus its side's window.
  int64_t hold = 0;
  if (spec_.left_outer) hold = std::max(hold, spec_.after_ms);
  if (spec_.right_outer) hold = std::max(hold, spec_.before_ms);
  return saturating_minus(watermark_ms, hold);
}

bool WindowJoinOperator::load(const std::string& id, KeyRecords& records) {
  records.deadline = INT64_MIN;
  records.sides[0].clear();
  records.sides[1].clear();
  if (!store_.get_into(keyspace_.state(id), loaded_)) return false;
  ValueReader reader(loaded_);
  records.deadline = reader.signed_varint();
  for (int side = 0; side < 2; ++side) {
    uint64_t count = reader.varint();
    size_t width = side == 0 ? spec_.left_fields : spec_.right_fields;
    for (uint64_t r = 0; r < count; ++r) {
      Kept kept;
      kept.time = reader.signed_varint();
      kept.matched = reader.varint() != 0;
      kept.fields.reserve(width);
      for (size_t f = 0; f < width; ++f) kept.fields.push_back(reader.value());
      records.sides[side].push_back(std::move(kept));
    }
  }
  if (!reader.at_end()) throw StateCorruption("a windowed join's records have bytes past their end");
  return true;
}

void WindowJoinOperator::save(const std::string& id, const KeyRecords& records) {
  std::string bytes;
  append_signed(bytes, records.deadline);
  for (const auto& side : records.sides) {
    append_varint(bytes, side.size());
    for (const Kept& kept : side) {
      append_signed(bytes, kept.time);
      append_varint(bytes, kept.matched ? 1 : 0);
      for (const Value& field : kept.fields) append_value(bytes, field);
    }
  }
  store_.put(keyspace_.state(id), std::move(bytes));
}

int64_t WindowJoinOperator::deadline_of(const KeyRecords& records) const {
  int64_t deadline = INT64_MAX;
  bool any = false;
  for (int side = 0; side < 2; ++side)
    if (!records.sides[side].empty()) {  // each side in order of time: its first is dropped first
      deadline = std::min(deadline, drop_after(side, records.sides[side].front().time));
      any = true;
    }
  return any ? deadline : INT64_MIN;
}

void WindowJoinOperator::store_key(const std::string& id, KeyRecords& records) {
  int64_t deadline = deadline_of(records);
  if (deadline != records.deadline) {
    if (records.deadline != INT64_MIN) expiry_.remove(records.deadline, id);
    if (deadline != INT64_MIN) expiry_.add(deadline, id);
  }
  if (deadline == INT64_MIN) {
    store_.erase(keyspace_.state(id));
    return;
  }
  records.deadline = deadline;
  save(id, records);
}

void WindowJoinOperator::pend(int64_t release, const Value& key, const std::vector<Value>* left,
                              const std::vector<Value>* right, int64_t event_time_ms) {
  std::string bytes;
  append_value(bytes, key);
  append_signed(bytes, event_time_ms);
  for (size_t f = 0; f < spec_.left_fields; ++f)
    append_value(bytes, left ? (*left)[f] : f == spec_.left_key_field ? key : Value());
  for (size_t f = 0; f < spec_.right_fields; ++f)
    if (f != spec_.right_dropped) append_value(bytes, right ? (*right)[f] : Value());
  int64_t sequence = sequence_.get();
  sequence_.set(sequence + 1);
  store_.put_new(waiting_key(release, sequence), bytes);
  waiting_.emplace(std::make_pair(release, sequence), std::move(bytes));
}

std::string WindowJoinOperator::waiting_key(int64_t release, int64_t sequence) const {
  std::string key = keyspace_.begin_of('p');
  append_ordered(key, release);
  append_ordered(key, sequence);
  return key;
}

void WindowJoinOperator::release(int64_t watermark_ms, std::vector<StateOutput>& out) {
  // Every row released before the watermark (all of them at the end of input): by release time,
  // then (of one time) by the row's bytes — not by arrival, which varies.
  auto last = watermark_ms == INT64_MAX ? waiting_.end() : waiting_.lower_bound({watermark_ms, INT64_MIN});
  std::vector<std::pair<int64_t, std::string_view>> due;
  for (auto it = waiting_.begin(); it != last; ++it) due.emplace_back(it->first.first, it->second);
  std::sort(due.begin(), due.end());
  size_t width = spec_.left_fields + spec_.right_fields - (spec_.right_dropped == SIZE_MAX ? 0 : 1);
  for (const auto& [time, bytes] : due) {
    ValueReader reader(bytes);
    Value key = reader.value();
    int64_t event_time = reader.signed_varint();
    std::vector<Value> row;
    row.reserve(width);
    for (size_t f = 0; f < width; ++f) row.push_back(reader.value());
    out.push_back(StateOutput::of(spec_.query, std::move(key), std::move(row), event_time));
  }
  for (auto it = waiting_.begin(); it != last;) {
    store_.erase(waiting_key(it->first.first, it->first.second));
    it = waiting_.erase(it);
  }
}

void WindowJoinOperator::on_side(int side, const Value& key, const std::vector<Value>& fields, int64_t event_time_ms) {
  last_late_ = false;
  size_t width = side == 0 ? spec_.left_fields : spec_.right_fields;
  if (fields.size() < width) throw std::logic_error("window join: a record with fewer fields than its side's");
  if (event_time_ms < watermark_.get()) {
    // The other side's records it could match may be dropped already: no answer would be certain.
    last_late_ = true;
    ++late_;
    return;
  }
  std::vector<Value> row(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(width));
  if (key.is_null()) {  // matches nothing, ever
    if (outer(side)) pend(event_time_ms, key, side == 0 ? &row : nullptr, side == 1 ? &row : nullptr, event_time_ms);
    return;
  }
  id_.clear();
  append_key_value(id_, key);
  KeyRecords& records = records_;
  bool existed = load(id_, records);
  Kept kept;
  kept.time = event_time_ms;
  // The other side's records within the window: a left record at t matches right ones in
  // [t - before, t + after]; a right one at t, left ones in [t - after, t + before].
  int other = 1 - side;
  int64_t from = saturating_minus(event_time_ms, side == 0 ? spec_.before_ms : spec_.after_ms);
  int64_t to = saturating_plus(event_time_ms, side == 0 ? spec_.after_ms : spec_.before_ms);
  for (Kept& candidate : records.sides[other]) {
    if (candidate.time < from || candidate.time > to) continue;
    const std::vector<Value>& left = side == 0 ? row : candidate.fields;
    const std::vector<Value>& right = side == 0 ? candidate.fields : row;
    int64_t joined_time = std::max(event_time_ms, candidate.time);
    pend(joined_time, key, &left, &right, joined_time);
    candidate.matched = true;
    kept.matched = true;
  }
  kept.fields = std::move(row);
  // In order of time (of two with one time, the later read last).
  auto& mine = records.sides[side];
  auto at = std::upper_bound(mine.begin(), mine.end(), event_time_ms,
                             [](int64_t t, const Kept& k) { return t < k.time; });
  mine.insert(at, std::move(kept));
  if (!existed) live_.set(live_.get() + 1);
  store_key(id_, records);
}

void WindowJoinOperator::advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies&) {
  if (watermark_ms <= watermark_.get()) return;
  watermark_.set(watermark_ms);
  expire(watermark_ms);
  release(watermark_ms, out);
}

void WindowJoinOperator::expire(int64_t watermark_ms) {
  // A record is dropped once the watermark is past its drop_after: at most watermark - 1.
  int64_t up_to = watermark_ms == INT64_MAX ? INT64_MAX : watermark_ms - 1;
  for (const ExpiryIndex::Entry& entry : expiry_.due(up_to)) {
    KeyRecords& records = records_;  // scratch: load() clears it
    if (!load(entry.id, records) || records.deadline != entry.deadline) {
      expiry_.remove(entry.deadline, entry.id);  // an entry the key has moved on from
      continue;
    }
    Value key = ValueReader(entry.id).value();  // the canonical form reads as a value
    for (int side = 0; side < 2; ++side) {
      auto& kept = records.sides[side];
      size_t gone = 0;
      while (gone < kept.size() && drop_after(side, kept[gone].time) <= up_to) {
        if (!kept[gone].matched && outer(side))
          pend(drop_after(side, kept[gone].time), key, side == 0 ? &kept[gone].fields : nullptr,
               side == 1 ? &kept[gone].fields : nullptr, kept[gone].time);
        ++gone;
      }
      kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(gone));
    }
    if (records.sides[0].empty() && records.sides[1].empty()) live_.set(live_.get() - 1);
    store_key(entry.id, records);
  }
}

}  // namespace flow::runtime
