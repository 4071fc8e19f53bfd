// What the keyed state of one query does for one task, whatever its kind (`process`, `aggregate`):
// the interface KeyedStateOperator (keyed_state.hpp) forwards to, and what its kinds share.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/eval/value.hpp"
#include "runtime/state/expiry_index.hpp"
#include "runtime/state/state_store.hpp"
#include "runtime/state/value_codec.hpp"
#include "stdlib/flow_stdlib.h"

namespace flow::runtime {

//! A record leaving keyed state, of the operator's `output` schema.
struct StateOutput {
  //! An output record of evaluated values (not encoded).
  static StateOutput of(int32_t query, std::optional<eval::Value> key,
                        std::vector<eval::Value> record, int64_t event_time_ms) {
    StateOutput output;
    output.query = query;
    output.key = std::move(key);
    output.record = std::move(record);
    output.event_time_ms = event_time_ms;
    return output;
  }

  int32_t query = 0;
  //! Which of the query's stateful stages emitted it (physical_plan.hpp): the runtime hands it to
  //! the next stage, or to the sink after the last.
  int32_t stage = 0;
  //! `process`: the key. `aggregate`: the group's value, or a record of the group fields when
  //! there are several (decoded from the canonical form, so -0.0 comes back as 0.0).
  std::optional<eval::Value> key;
  std::vector<eval::Value> record;
  //! The record's event time for `emit` in `on event`/`on SOURCE` and for `emit changes` rows;
  //! the deadline for an event-time timeout; the key's latest event time for a processing-time
  //! timeout; the window's end - 1 (the latest time it holds) for `emit final` rows.
  int64_t event_time_ms = 0;
  //! Set (instead of `key` and `record`) when keyed state wrote the record for the sink itself
  //! (a compiled handler of a query whose keyed state feeds its sink): the JSON value and the
  //! Kafka message key's bytes.
  bool encoded = false;
  std::string json;
  std::string message_key;
};

//! Which of a query's stateful operators a KeyedStateOperator runs, and under which name its
//! state lives (compiler/physical/physical_plan.hpp: StatefulStage).
struct StageSpec {
  size_t operator_index = 0;  //!< in the query's operators; 0: its first Aggregate or Process
  std::string keyspace;       //!< the store name (query_keyspace.hpp); empty: the query's name
};

//! Counts per metric, indexed like Plan::metrics: what keyed state and the operators after it
//! count, handed on to the job's metrics by index (no name is looked up per record). Generated
//! code adds to counters() directly; clear() keeps the memory.
class StateTallies {
 public:
  StateTallies() = default;
  explicit StateTallies(size_t metrics) : counts_(metrics, 0) {}
  void add(size_t metric, int64_t count = 1) {
    if (metric >= counts_.size()) counts_.resize(metric + 1, 0);
    counts_[metric] += count;
  }
  //! Metric `metric`'s count (0 when never counted).
  int64_t count(size_t metric) const { return metric < counts_.size() ? counts_[metric] : 0; }
  //! One counter per metric, at least `metrics` of them, for generated code to add to.
  int64_t* counters(size_t metrics) {
    if (counts_.size() < metrics) counts_.resize(metrics, 0);
    return counts_.data();
  }
  //! The counters (some may be 0).
  const std::vector<int64_t>& counts() const { return counts_; }
  //! Nothing counted since the last clear().
  bool empty() const {
    for (int64_t count : counts_)
      if (count) return false;
    return true;
  }
  void clear() { std::fill(counts_.begin(), counts_.end(), 0); }
  //! The same counts (a metric never counted is 0).
  bool operator==(const StateTallies& other) const {
    for (size_t m = 0; m < std::max(counts_.size(), other.counts_.size()); ++m)
      if (count(m) != other.count(m)) return false;
    return true;
  }

 private:
  std::vector<int64_t> counts_;
};

//! The wall clock in milliseconds since the epoch (replaceable in tests).
using ProcessingClock = std::function<int64_t()>;

class StatefulOperator {
 public:
  virtual ~StatefulOperator() = default;
  virtual void on_record(const std::string& source, const eval::Value& key,
                         const std::vector<eval::Value>& fields, int64_t event_time_ms,
                         std::vector<StateOutput>& out, StateTallies& tallies) = 0;
  virtual void advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies& tallies) = 0;
  virtual void advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out, StateTallies& tallies) = 0;
  virtual size_t live_keys() const = 0;
  virtual int64_t late_records() const = 0;
  virtual int64_t watermark() const = 0;
  //! What it has emitted every record up to, once the watermark is `watermark_ms`: the watermark
  //! the stage after it goes by. Its own, unless it emits records older than the watermark (a
  //! windowed join's outer rows).
  virtual int64_t emitted_through(int64_t watermark_ms) const { return watermark_ms; }
  //! Whether the end of input (the watermark at the end of time) changes what it keeps — it has
  //! windows, timeouts or a join's waiting records — so that its state, once closed, cannot go on.
  virtual bool ended_by_end_of_input() const { return true; }

  //! At the end of input (the watermark or the clock at the end of time) every key times out and
  //! every window closes: millions of them at once, each a state read and two erases kept until
  //! the next commit. There, one call expires at most `entries` of them, and expiring() says that
  //! more are due: the caller delivers and commits, then advances again (the same end of time)
  //! for the next ones. Before the end nothing changes: expiry keeps up with the watermark as it
  //! moves, and a late record must find a due key timed out (process_operator.cpp).
  void set_end_of_input_step(size_t entries) { end_of_input_step_ = entries == 0 ? 1 : entries; }
  //! The last call stopped at the end-of-input step with more entries due.
  bool expiring() const { return expiring_; }

 protected:
  //! The entries of `index` due by `up_to` that this call expires: all of them, or at the end of
  //! time at most one step's, then expiring() says whether more are due (a call before the end
  //! says nothing about the end's entries).
  std::vector<ExpiryIndex::Entry> due_now(ExpiryIndex& index, int64_t up_to) {
    if (up_to != INT64_MAX) return index.due(up_to);
    std::vector<ExpiryIndex::Entry> entries = index.due(up_to, end_of_input_step_);
    expiring_ = entries.size() >= end_of_input_step_;
    return entries;
  }

 private:
  size_t end_of_input_step_ = kDefaultEndOfInputStep;
  bool expiring_ = false;

 public:
  //! Entries one end-of-input step expires by default: ~200k store changes and their outputs
  //! between two commits, a few tens of MB.
  static constexpr size_t kDefaultEndOfInputStep = 100'000;
};

//! A number the operator keeps in its store (watermark, live entries), so it survives restarts
//! with the state it describes: read once at construction, written with the next commit.
class StoredNumber {
 public:
  StoredNumber(StateStore& store, std::string key, int64_t initial) : store_(store), key_(std::move(key)) {
    std::optional<std::string> bytes = store_.get(key_);
    value_ = bytes ? ValueReader(*bytes).signed_varint() : initial;
  }
  int64_t get() const { return value_; }
  void set(int64_t value) {
    if (value == value_) return;
    value_ = value;
    std::string bytes;
    append_signed(bytes, value);
    store_.put(key_, std::move(bytes));
  }

 private:
  StateStore& store_;
  std::string key_;
  int64_t value_ = 0;
};

//! What an operator's state bytes mean beyond their tags (its declaration's shape), as a hash
//! stored with the state: the first check stores it, a check against another shape stops the run.
class StoredShape {
 public:
  StoredShape(StateStore& store, std::string key) : number_(store, std::move(key), 0) {}
  bool checked() const { return checked_; }
  //! `text` describes the shape; `otherwise` is the StateCorruption message when the stored shape
  //! differs. A store written before shapes were stored has none and takes this one.
  void check(const std::string& text, const std::string& otherwise) {
    checked_ = true;
    int64_t hash = flow_hash_str({text.data(), static_cast<int64_t>(text.size())});
    if (hash == 0) hash = 1;  // 0 is "no shape stored"
    if (number_.get() == 0) return number_.set(hash);
    if (number_.get() != hash) throw StateCorruption(otherwise);
  }

 private:
  StoredNumber number_;
  bool checked_ = false;
};

}  // namespace flow::runtime
