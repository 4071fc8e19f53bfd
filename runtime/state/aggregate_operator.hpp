// `aggregate` for one task: running aggregates (aggregate_folds.hpp) per group, and per window
// when windowed, with window assignment from the reference evaluator (eval::windows_of) and its
// session rule. In the store (query_keyspace.hpp), after a version byte (1):
//   no window          `s` + group                 the accumulators
//   tumbling, hopping  `s` + group + ordered start the window's end (zigzag), the accumulators
//   session            `s` + group                 the next arrival number, the count of open
//                                                  sessions, and per session its start, end and
//                                                  accumulators
// and each open window has an expiry entry at its end. A `top N by …` is one fold whose
// accumulator holds up to N records (aggregate_folds.hpp); its closed window emits them, ranked.
// When the watermark reaches a window's end the window closes: `emit final` emits its row, and its state is dropped (with `emit changes`
// too: its last row went out with its last record). A record whose windows have all closed is
// late: it is dropped and counted (late_records), and last_drop() says which window had closed,
// so that the task can write a first stage's late record to its source's `late` topic. Without a
// window a group's state is kept for
// ever, as the checker warns — unless the aggregate has a `timeout`: then its entry is
//   no window, timeout  `s` + group                 its deadline and where its expiry entry is
//                                                  (zigzag each), the accumulators
// with an expiry entry (id: the group) at or before the deadline, moved lazily as for `process`
// timeouts. By event time the deadline is the group's latest event time plus the timeout, and the
// watermark passing it drops the group — so does a record of the group at or past the deadline,
// before the watermark has (its group starts again); a record that comes after its group would
// already have been dropped (event time + timeout at or before the watermark) is late. In processing time the
// deadline is the clock at the group's last record plus the timeout. A dropped group emits
// nothing (its last row went out with its last record); its next record starts it again.
// A window `in processing time` is assigned by the clock when the record arrives and closed when
// the clock passes its end (advance_processing_time); event time and the watermark play no part,
// and the rows it emits carry the window's end minus 1 ms on that clock as their event time.
#pragma once

#include <atomic>

#include "runtime/eval/aggregate.hpp"
#include "compiler/physical/physical_plan.hpp"
#include "runtime/state/aggregate_folds.hpp"
#include "runtime/state/expiry_index.hpp"
#include "runtime/state/query_keyspace.hpp"
#include "runtime/state/stateful_operator.hpp"

namespace flow::runtime {

//! Whether the last record handed to an aggregate was dropped as late, and why: the latest window
//! it belongs to had closed when the stage's watermark was `watermark`. Plain values: asked per record.
struct LateDrop {
  bool late = false;
  int64_t window_start = 0;
  int64_t window_end = 0;
  int64_t watermark = 0;
  //! An aggregate without a window but with a `timeout`: the record's group had timed out at
  //! window_end (its event time plus the timeout).
  bool group_timed_out = false;
  //! A join: the record is older than its table's history at `watermark` (the rows current then
  //! are no longer kept).
  bool join_history = false;
  //! A windowed join: the record is older than the watermark (the other side's records it could
  //! match may be gone).
  bool join_window = false;
};

class AggregateOperator final : public StatefulOperator {
 public:
  //! `keyspace`: the store name its state lives under (the query's name for its first stage).
  AggregateOperator(const compiler::physical::Aggregate& aggregate, int32_t query, const std::string& keyspace,
                    StateStore& store, ProcessingClock clock);  //!< `clock`: KeyedStateOperator's

  void on_record(const std::string& source, const eval::Value& key,
                 const std::vector<eval::Value>& fields, int64_t event_time_ms, std::vector<StateOutput>& out,
                 StateTallies& tallies) override;
  //! A record as generated code hands it over (flow_rt_to_aggregate): the group's values, then
  //! the aggregates' arguments.
  void on_grouped(const flow_value* values, int64_t event_time_ms, std::vector<StateOutput>& out);
  void advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies& tallies) override;
  void advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out, StateTallies& tallies) override;
  size_t live_keys() const override { return static_cast<size_t>(live_.get()); }
  int64_t late_records() const override { return late_.load(std::memory_order_relaxed); }
  //! The decision on the last record handed over (on_record or on_grouped).
  const LateDrop& last_drop() const { return last_drop_; }
  int64_t watermark() const override { return watermark_.get(); }
  //! Windows close and timeouts fire at the end of input; an aggregate with neither goes on.
  bool ended_by_end_of_input() const override {
    return aggregate_.window.kind != compiler::plan::WindowKind::None || aggregate_.timeout_ms.has_value();
  }

 private:
  using Accumulators = std::vector<Accumulator>;
  struct Session {
    eval::Window window;
    Accumulators accumulators;
  };
  struct Sessions {
    uint64_t next_arrival = 0;
    std::vector<Session> open;  //!< ordered by start
  };

  std::string window_id(const std::string& group, int64_t start) const { return group + ordered_bytes(start); }
  std::vector<eval::Value> decode_group(std::string_view group) const;
  //! Whether the watermark has passed `window` (an end that wrapped past the int64 limit never closes).
  bool closed(const eval::Window& window) const;

  //! Folds one record's arguments into its group's state (and windows).
  void add(const std::string& group, const std::vector<eval::Value>& arguments,
           std::vector<StateOutput>& out, int64_t event_time_ms);
  void add_unwindowed(const std::string& group, const std::vector<eval::Value>& arguments,
                      std::vector<StateOutput>& out, int64_t event_time_ms);
  void add_to_windows(const std::string& group, const std::vector<eval::Value>& arguments,
                      std::vector<StateOutput>& out, int64_t event_time_ms);
  void add_to_session(const std::string& group, const std::vector<eval::Value>& arguments,
                      std::vector<StateOutput>& out, int64_t event_time_ms);

  //! Closes the windows whose end is at most `up_to` (the watermark, or the clock for
  //! processing-time windows): `emit final` emits their rows; their state is dropped.
  void close_windows(int64_t up_to, std::vector<StateOutput>& out);
  //! Drops the groups of an aggregate with a `timeout` whose deadline is at most `up_to`.
  void expire_groups(int64_t up_to);

  std::optional<Sessions> load_sessions(const std::string& group);
  void save_sessions(const std::string& group, const Sessions& sessions);

  //! The output row: group values, window bounds when windowed, the aggregates.
  StateOutput row(const std::string& group, const eval::Window* window, const Accumulators& accumulators,
                  int64_t event_time_ms) const;
  //! The rows of a closed window: its aggregate's row, or a top's rows in rank order.
  void emit_closed(const std::string& group, const eval::Window& window, const Accumulators& accumulators,
                   std::vector<StateOutput>& out) const;
  //! The rows' key: the group's one value, a record of its several, none for a global window.
  std::optional<eval::Value> row_key(std::vector<eval::Value> values) const;

  const compiler::physical::Aggregate& aggregate_;
  int32_t query_;
  StateStore& store_;
  QueryKeyspace keyspace_;
  ExpiryIndex expiry_;
  AggregateFolds folds_;
  StoredNumber live_;
  StoredNumber watermark_;
  //! A hash of what the state's layout depends on (state_shape in the .cpp), stored with the
  //! state: a query whose aggregate was declared otherwise stops instead of misreading it.
  StoredShape shape_;
  void check_shape();
  ProcessingClock clock_;
  //! Read by the progress reporter while the task's worker adds to it.
  std::atomic<int64_t> late_{0};
  LateDrop last_drop_;
};

}  // namespace flow::runtime
