// A windowed stream–stream join (`| join STREAM within … on …`, `left join`, `full join`): the
// state of one query's join, fed by every task of both streams.
//
// A record of the query's stream (the left side) at time t matches each record of the other
// stream (the right side) with an equal key and a time in [t - before, t + after]. A pair is the
// left fields, then the right ones (less a key field both join on by one name), keyed by the join
// key, at the later of the two times. It is found when the second of the two arrives, and comes
// out once the watermark — the least event time over every partition of both streams — has
// passed its time: every record that could join then has arrived (a later one would be late).
//
// Each record is kept until the watermark has passed the last time a record of the other side
// could match it (a left record: t + after; a right one: t + before). Then it is dropped, and a
// `left join` emits a left record that matched nothing with nulls for the right side (a `full
// join` does so for either side), at its own event time. A record older than the watermark when
// it arrives is late: dropped and counted (the records it could have matched may be gone). A
// record with a null key matches nothing: after an outer join's side it comes out with nulls.
//
// What comes out, and in which order, does not depend on the order the topics are read in, nor on
// how the watermark steps: rows come out by release time (a pair's time; an outer row's window
// end), then by their bytes. An outer row is older than the watermark that releases it, by up to
// the window: the join holds the watermark it passes on back by that much (emitted_through), so
// an aggregate after it does not judge it late.
//
// In the store (query_keyspace.hpp, under the stage's keyspace):
//   `s` + KEY   the key's records: its expiry deadline (zigzag; INT64_MIN: none), then per side
//               (left, right) the count and per record its time (zigzag), whether it has
//               matched (0/1) and its fields (value_codec.hpp), in order of time;
//   `x` + ordered(deadline) + KEY   when the key's earliest record is to be dropped;
//   `p` + ordered(release) + ordered(sequence)   a row waiting for the watermark: its key, event
//               time (zigzag) and fields;
//   `m` + watermark, live (keys with records), sequence, shape.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/state/expiry_index.hpp"
#include "runtime/state/query_keyspace.hpp"
#include "runtime/state/stateful_operator.hpp"

namespace flow::runtime {

struct WindowJoinSpec {
  int32_t query = 0;             //!< StateOutput::query of what it emits
  std::string keyspace;          //!< the store name: every key starts with keyspace + '\0'
  std::string other;             //!< the right side's source (records of any other source are left ones)
  size_t left_fields = 0;        //!< fields of a left record
  size_t right_fields = 0;       //!< fields of a right record (its whole schema)
  size_t right_dropped = SIZE_MAX;  //!< the right field left out of the output (SIZE_MAX: none)
  size_t left_key_field = SIZE_MAX; //!< where a right-only row holds the key (SIZE_MAX: nowhere)
  bool left_outer = false;       //!< unmatched left records come out (left and full joins)
  bool right_outer = false;      //!< unmatched right records come out (full joins)
  int64_t before_ms = 0;         //!< a right record matches from t - before_ms …
  int64_t after_ms = 0;          //!< … to t + after_ms
};

class WindowJoinOperator final : public StatefulOperator {
 public:
  WindowJoinOperator(StateStore& store, WindowJoinSpec spec);

  //! A record of side 0 (left) or 1 (right); `fields` that side's row. What it joins comes out
  //! of advance_watermark.
  void on_side(int side, const eval::Value& key, const std::vector<eval::Value>& fields, int64_t event_time_ms);
  //! Whether the last record handed over was dropped as late.
  bool last_was_late() const { return last_late_; }

  void on_record(const std::string& source, const eval::Value& key, const std::vector<eval::Value>& fields,
                 int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies& tallies) override;
  void advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies& tallies) override;
  void advance_processing_time(int64_t, std::vector<StateOutput>&, StateTallies&) override {}
  int64_t emitted_through(int64_t watermark_ms) const override;
  size_t live_keys() const override { return static_cast<size_t>(live_.get()); }
  int64_t late_records() const override { return late_; }
  int64_t watermark() const override { return watermark_.get(); }

 private:
  struct Kept {
    int64_t time = 0;
    bool matched = false;
    std::vector<eval::Value> fields;
  };
  struct KeyRecords {
    int64_t deadline = INT64_MIN;  //!< its expiry index entry (INT64_MIN: none)
    std::vector<Kept> sides[2];
  };

  bool load(const std::string& id, KeyRecords& records);
  void save(const std::string& id, const KeyRecords& records);
  //! When a record of `side` at `time` is dropped: once the watermark is past this.
  int64_t drop_after(int side, int64_t time) const;
  //! The earliest drop_after of the key's records (INT64_MIN: it has none).
  int64_t deadline_of(const KeyRecords& records) const;
  //! Moves the key's expiry entry to its deadline and saves it, or erases it when it holds nothing.
  void store_key(const std::string& id, KeyRecords& records);
  bool outer(int side) const { return side == 0 ? spec_.left_outer : spec_.right_outer; }
  //! A joined row (`left` or `right` null: an outer row), to come out once the watermark is past
  //! `release`.
  void pend(int64_t release, const eval::Value& key, const std::vector<eval::Value>* left,
            const std::vector<eval::Value>* right, int64_t event_time_ms);
  //! The store key of a waiting row.
  std::string waiting_key(int64_t release, int64_t sequence) const;
  //! Emits the rows whose release is before the watermark, by release time and then bytes.
  void release(int64_t watermark_ms, std::vector<StateOutput>& out);
  //! Drops the records of every key due by the watermark, pending outer rows.
  void expire(int64_t watermark_ms);

  StateStore& store_;
  WindowJoinSpec spec_;
  QueryKeyspace keyspace_;
  ExpiryIndex expiry_;
  StoredNumber watermark_;
  StoredNumber live_;
  StoredNumber sequence_;
  StoredShape shape_;
  //! The waiting rows, as in the store, also held here by (release, sequence): a trigger finds the
  //! ones due without a scan of the store. Read from the store once, at construction.
  std::map<std::pair<int64_t, int64_t>, std::string> waiting_;
  int64_t late_ = 0;
  bool last_late_ = false;
  // Scratch, reused from record to record.
  std::string id_;
  std::string loaded_;
  KeyRecords records_;
};

}  // namespace flow::runtime
