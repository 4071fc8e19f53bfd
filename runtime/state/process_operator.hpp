// `process` for one task: each key's state fields and its timeout, run through the reference
// evaluator's handlers (compiler/eval/process_handler.hpp), so the semantics are exactly those of
// docs/language.md "Evaluation". A key's state is, in the store (query_keyspace.hpp, `s` + key):
//   a version byte (1), the key's latest event time and its deadline (zigzag varints), the field
//   count (varint) and the fields (value_codec.hpp).
// The deadline of an event-time timeout is the latest event time seen for the key plus the
// timeout (so a late record never brings it forward); of a processing-time timeout, the wall
// clock at the key's last record plus the timeout. It fires once the watermark (or the wall
// clock) reaches it: `on timeout` runs, then the key's state is dropped.
#pragma once

#include "compiler/eval/process_handler.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "runtime/state/expiry_index.hpp"
#include "runtime/state/query_keyspace.hpp"
#include "runtime/state/stateful_operator.hpp"

namespace flow::runtime {

class ProcessOperator final : public StatefulOperator {
 public:
  ProcessOperator(const compiler::plan::LogicalProcess& process, int32_t query, const std::string& query_name,
                  StateStore& store, ProcessingClock clock);

  void on_record(const std::string& source, const compiler::eval::Value& key,
                 const std::vector<compiler::eval::Value>& fields, int64_t event_time_ms, std::vector<StateOutput>& out,
                 StateTallies& tallies) override;
  void advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies& tallies) override;
  void advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out, StateTallies& tallies) override;
  size_t live_keys() const override { return static_cast<size_t>(live_.get()); }
  int64_t late_records() const override { return 0; }  // `process` sees late records too
  int64_t watermark() const override { return watermark_.get(); }

 private:
  struct Entry {
    int64_t last_event_ms = 0;
    int64_t deadline_ms = 0;  //!< meaningful only with a timeout
    //! Where the key's expiry index entry is: at or before its deadline. A record that moves the
    //! deadline later leaves the entry where it is (one state write per record instead of three);
    //! when the entry comes due before the deadline, expire() moves it to the deadline.
    int64_t indexed_ms = 0;
    compiler::eval::ProcessState state;
  };

  std::optional<Entry> load(const std::string& id);
  void save(const std::string& id, const Entry& entry);
  void drop(const std::string& id, const Entry& entry);
  //! Times out every key whose deadline is at most `up_to`.
  void expire(int64_t up_to, std::vector<StateOutput>& out, StateTallies& tallies);
  //! Runs `on timeout` for the key `id` (if the query has one) and drops its state.
  void time_out(const std::string& id, Entry& entry, const compiler::plan::HandlerPlan* handler,
                std::vector<StateOutput>& out, StateTallies& tallies);
  void collect(compiler::eval::HandlerResult& result, const compiler::eval::Value& key, int64_t event_time_ms,
               std::vector<StateOutput>& out, StateTallies& tallies) const;

  const compiler::plan::LogicalProcess& process_;
  int32_t query_;
  StateStore& store_;
  QueryKeyspace keyspace_;
  ExpiryIndex expiry_;
  ProcessingClock clock_;
  compiler::eval::ProcessState initial_;
  StoredNumber live_;
  StoredNumber watermark_;
};

}  // namespace flow::runtime
