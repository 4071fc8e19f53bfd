// The keyed state engine's entry point: one query's stateful operator (`process` or `aggregate`)
// for one task. Generated code hands it every record that reaches the operator
// (flow_rt_to_state); the task's driver tells it when the watermark and the wall clock move, and
// commits the task's StateStore at each checkpoint. Everything it keeps lives in that store, under
// the query's name (query_keyspace.hpp), so after a restart it carries on from the last commit:
// keys are read back as their records arrive, and pending timeouts and open windows are found
// through the expiry index, which is stored with them.
#pragma once

#include <memory>

#include "runtime/abi/program.hpp"
#include "compiler/physical/physical_plan.hpp"
#include "runtime/state/aggregate_operator.hpp"
#include "runtime/state/process_operator.hpp"
#include "runtime/state/stateful_operator.hpp"
#include "runtime/state/temporal_join_operator.hpp"
#include "runtime/state/window_join_operator.hpp"

namespace flow::runtime {

class KeyedStateOperator {
 public:
  //! Runs `plan.queries[query]`'s first Process or Aggregate, keeping its state in `store` (which
  //! must outlive it). `clock` is the wall clock for processing-time timeouts (default: the system
  //! clock). `compiled`: a `process`'s handlers as native code, one per handler, null (or none)
  //! where the reference evaluator runs it. `sink_encoder`: given when the keyed state feeds the
  //! query's sink directly, so that compiled handlers emit encoded records (StateOutput::encoded).
  //! `stage`: which of the query's stateful operators it runs and its keyspace (default: the
  //! first, under the query's name). A query without keyed state is a logic_error.
  KeyedStateOperator(const compiler::physical::PhysicalPlan& plan, int32_t query, StateStore& store, ProcessingClock clock = {},
                     std::vector<flow_handler_fn> compiled = {}, const flow_encoder* sink_encoder = nullptr,
                     StageSpec stage = {});
  ~KeyedStateOperator();
  KeyedStateOperator(const KeyedStateOperator&) = delete;
  KeyedStateOperator& operator=(const KeyedStateOperator&) = delete;

  //! One record: `fields` are of the schema that reaches the operator (for a union, of `source`'s
  //! schema), `key` the current key (null when the query has none). Runs `on SOURCE` or
  //! `on event`, or adds the record to its group's aggregate (and windows). Emitted records and
  //! `emit changes` rows are appended to `out`, handler tallies added to `tallies`.
  void on_record(const std::string& source, const eval::Value& key,
                 const std::vector<eval::Value>& fields, int64_t event_time_ms, std::vector<StateOutput>& out,
                 StateTallies& tallies);
  //! The same, as generated code hands a record over (flow_rt_to_state): `key` null when the
  //! query has none, `fields` of the schema reaching the operator from `source`.
  //! The hot path's form: `input` is the source's index in the query's sources (the physical
  //! plan's order), no name is looked up.
  void on_abi_record(size_t input, const flow_value* key, const flow_value* fields, int64_t count,
                     int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies& tallies);
  void on_abi_record(const std::string& source, const flow_value* key, const flow_value* fields, int64_t count,
                     int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies& tallies);
  //! A record for an `aggregate`, as generated code hands it over (flow_rt_to_aggregate): the
  //! group's values, then the aggregates' arguments. A `process` is a logic_error.
  void on_aggregate_input(const flow_value* values, int64_t event_time_ms, std::vector<StateOutput>& out);
  //! The task's watermark is now `watermark_ms` (it never goes back: a smaller value is ignored).
  //! Times out every key whose event-time deadline is at most the watermark (`on timeout`, then
  //! the key's state is dropped) and closes every window whose end is at most the watermark
  //! (`emit final` rows go to `out`). Reads only what is due.
  void advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies& tallies);
  //! The wall clock is now `now_ms`: times out the keys of a processing-time timeout whose last
  //! record came at least the timeout before it.
  void advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out, StateTallies& tallies);

  //! Keys (`process`), groups (`aggregate` without a window) or open windows holding state.
  size_t live_keys() const;
  //! Records dropped since construction because every window they belong to had closed.
  int64_t late_records() const;
  //! A joined table's tombstone (a record without a value): `key` has no row from `event_time_ms`
  //! on. Only for a query whose state is a join.
  void on_tombstone(const eval::Value& key, int64_t event_time_ms);
  //! The type of the key the operator is handed (a join's: its join key's).
  const compiler::plan::Type& key_type() const { return key_type_; }
  //! Whether the last record handed over was dropped as late, and why (never for a `process`).
  LateDrop last_drop() const;
  //! The watermark last given (kept in the store); INT64_MIN before the first.
  int64_t watermark() const;
  //! StatefulOperator::ended_by_end_of_input of the stage's operator.
  bool ended_by_end_of_input() const;
  //! What the stage after this one goes by (StatefulOperator::emitted_through).
  int64_t emitted_through(int64_t watermark_ms) const;
  //! Handlers of a `process` that run as native code (0 for an aggregate).
  size_t compiled_handlers() const;
  //! StatefulOperator::set_end_of_input_step and expiring of the stage's operator.
  void set_end_of_input_step(size_t entries) { operator_->set_end_of_input_step(entries); }
  bool expiring() const { return operator_->expiring(); }

 private:
  const compiler::physical::Query& query_;
  std::unique_ptr<StatefulOperator> operator_;
  ProcessOperator* process_ = nullptr;      //!< operator_, when it is a `process`
  AggregateOperator* aggregate_ = nullptr;  //!< operator_, when it is an `aggregate`
  TemporalJoinOperator* join_ = nullptr;    //!< operator_, when it is a table `join`
  WindowJoinOperator* window_join_ = nullptr;  //!< operator_, when it is a windowed stream `join`
  compiler::plan::Type key_type_;       //!< of the key an aggregate is handed
  //! Per source the query reads: the schema of its records here (looked up once, not per record).
  std::vector<std::pair<std::string, const compiler::plan::Schema*>> input_schemas_;
};

}  // namespace flow::runtime
