// A stream–table join, temporal by event time (`| join TABLE on EXPR`, `| left join …`): the
// state of one query's join, fed by every task of its stream and of its table.
//
// Each table key has versions — its rows and tombstones, ordered by event time (of two with one
// time, the later read wins). A stream record at time t is answered with the last version of its
// key at or before t: a row (its fields but the key appended to the record's), or none (a
// tombstone, no version, or a row older than t by the table's `ttl`: it had expired by then).
// Inner: a record without a row gives nothing; left: it comes out with nulls. The output keeps
// the record's event time and is keyed by the join key.
//
// A record is answered only once the watermark — the least event time over every partition of
// both sides — has passed t (a table record at the watermark's own time is not late, so it may
// still come), so every table row up to t has arrived and the answer does not depend on which
// topic was read first. Until then it waits in the store, in an index ordered by (t, arrival),
// and comes out in that order; at the end of input (watermark INT64_MAX) all do. A record that
// arrives with t below the watermark is answered at once; one older than the watermark minus `history` is late (dropped,
// counted). A table record older than the watermark still becomes a version (from then on).
//
// In the store (query_keyspace.hpp, under the stage's keyspace):
//   `s` + KEY   the key's versions: its expiry deadline (zigzag; INT64_MIN: none), the count,
//               then per version its time (zigzag), 1 for a row or 0 for a tombstone, the row's
//               table_fields values (value_codec.hpp);
//   `p` + ordered(t) + ordered(sequence)   a waiting record: its key value, field count, fields;
//   `x` + ordered(deadline) + KEY   when the key may be dropped: its latest row's time + ttl +
//               history (with a `ttl`), or its tombstone's time + history;
//   `m` + watermark, live (keys whose latest version is a row), sequence, shape.
// Versions no longer needed are dropped when a key changes: every version newer than the
// watermark minus `history` is kept, and the latest one at or before it.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/state/expiry_index.hpp"
#include "runtime/state/query_keyspace.hpp"
#include "runtime/state/stateful_operator.hpp"

namespace flow::runtime {

struct TemporalJoinSpec {
  int32_t query = 0;               //!< StateOutput::query of what it emits
  std::string keyspace;            //!< the store name: every key starts with keyspace + '\0'
  std::string table;               //!< the table's name (records of this source are table records)
  size_t stream_fields = 0;        //!< fields of a stream row
  size_t table_fields = 0;         //!< fields of a table row (its whole schema, the key field included)
  size_t table_key_index = 0;      //!< which table field is the key: left out of the output
  bool left = false;               //!< a stream row without a table row comes out with nulls
  int64_t history_ms = 0;          //!< how long a replaced row is kept for late stream rows
  std::optional<int64_t> ttl_ms;   //!< a row not replaced for this long (event time) expires
  std::optional<int64_t> max_rows; //!< more live keys than this stops the run (TableFull)
};

//! A table holds more keys than its declared max_rows: the run stops with the reason.
struct TableFull : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TemporalJoinOperator final : public StatefulOperator {
 public:
  TemporalJoinOperator(StateStore& store, TemporalJoinSpec spec);

  //! A stream record: `key` its join key (null: matches no row), `fields` the stream row.
  void on_stream(const eval::Value& key, const std::vector<eval::Value>& fields, int64_t event_time_ms,
                 std::vector<StateOutput>& out);
  //! A table record: `fields` (table_fields values) is the key's row from `event_time_ms` on;
  //! null `fields` is a tombstone (no row from then on). Throws TableFull past max_rows.
  void on_table(const eval::Value& key, const std::vector<eval::Value>* fields, int64_t event_time_ms);
  //! Whether the last stream record handed over was dropped as late.
  bool last_was_late() const { return last_late_; }

  void on_record(const std::string& source, const eval::Value& key, const std::vector<eval::Value>& fields,
                 int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies& tallies) override;
  void advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies& tallies) override;
  void advance_processing_time(int64_t, std::vector<StateOutput>&, StateTallies&) override {}
  size_t live_keys() const override { return static_cast<size_t>(live_.get()); }
  int64_t late_records() const override { return late_; }
  int64_t watermark() const override { return watermark_.get(); }

 private:
  struct Version {
    int64_t time = 0;
    bool row = false;  //!< false: a tombstone
    std::vector<eval::Value> fields;
  };
  struct Versions {
    int64_t deadline = INT64_MIN;  //!< its expiry index entry (INT64_MIN: none)
    std::vector<Version> versions;
  };

  //! The key's versions; false when it has none.
  bool load(const std::string& id, Versions& versions);
  void save(const std::string& id, const Versions& versions);
  //! Drops the key's versions and its expiry entry.
  void erase(const std::string& id, const Versions& versions);
  //! Drops the versions no record can need any more (watermark minus history).
  void prune(Versions& versions) const;
  //! When the key may be dropped (INT64_MIN: never): see the header comment.
  int64_t deadline_of(const Versions& versions) const;
  //! Moves the key's expiry entry to its deadline.
  void reindex(const std::string& id, Versions& versions);
  static bool is_live(const Versions& versions) {
    return !versions.versions.empty() && versions.versions.back().row;
  }
  //! Answers a stream record (appends its output, if any, to `out`).
  void answer(const eval::Value& key, std::vector<eval::Value> fields, int64_t event_time_ms,
              std::vector<StateOutput>& out);
  //! Drops every key whose deadline is at most `up_to` and is still due.
  void expire(int64_t up_to);

  StateStore& store_;
  TemporalJoinSpec spec_;
  QueryKeyspace keyspace_;
  ExpiryIndex expiry_;
  StoredNumber watermark_;
  StoredNumber live_;
  StoredNumber sequence_;
  StoredShape shape_;
  //! The waiting records, as in the store (their `p` keys and bytes), also held here: a trigger
  //! finds the ones due without a scan of the store (whose uncommitted changes are unordered).
  //! Read from the store once, at construction.
  std::map<std::string, std::string> waiting_;
  int64_t late_ = 0;
  bool last_late_ = false;
  // Scratch, reused from record to record (no allocation for them per record).
  std::string id_;       //!< a key's canonical bytes
  std::string loaded_;   //!< a key's stored versions, as read
  Versions versions_;    //!< them, decoded
};

}  // namespace flow::runtime
