// Picks the implementation of a query's keyed state (keyed_state.hpp).
#include "runtime/state/keyed_state.hpp"

#include <chrono>
#include <stdexcept>

#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "runtime/state/aggregate_operator.hpp"
#include "runtime/state/process_operator.hpp"

namespace flow::runtime {

namespace {

int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

KeyedStateOperator::KeyedStateOperator(const compiler::plan::Plan& plan, int32_t query, StateStore& store,
                                       ProcessingClock clock) {
  const compiler::plan::QueryPlan& query_plan = plan.queries.at(static_cast<size_t>(query));
  const compiler::plan::LogicalOperator* op = query_plan.stateful_operator();
  if (!clock) clock = system_clock_ms;
  if (op && op->kind == compiler::plan::OperatorKind::Process)
    operator_ = std::make_unique<ProcessOperator>(static_cast<const compiler::plan::LogicalProcess&>(*op), query,
                                                  query_plan.name, store, std::move(clock));
  else if (op && op->kind == compiler::plan::OperatorKind::Aggregate)
    operator_ = std::make_unique<AggregateOperator>(static_cast<const compiler::plan::LogicalAggregate&>(*op), query,
                                                    query_plan.name, store);
  else
    throw std::logic_error("state: query `" + query_plan.name + "` keeps no keyed state");
}

KeyedStateOperator::~KeyedStateOperator() = default;

void KeyedStateOperator::on_record(const std::string& source, const compiler::eval::Value& key,
                                   const std::vector<compiler::eval::Value>& fields, int64_t event_time_ms,
                                   std::vector<StateOutput>& out, StateTallies& tallies) {
  operator_->on_record(source, key, fields, event_time_ms, out, tallies);
}

void KeyedStateOperator::advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out,
                                           StateTallies& tallies) {
  operator_->advance_watermark(watermark_ms, out, tallies);
}

void KeyedStateOperator::advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out,
                                                 StateTallies& tallies) {
  operator_->advance_processing_time(now_ms, out, tallies);
}

size_t KeyedStateOperator::live_keys() const { return operator_->live_keys(); }
int64_t KeyedStateOperator::late_records() const { return operator_->late_records(); }
int64_t KeyedStateOperator::watermark() const { return operator_->watermark(); }

}  // namespace flow::runtime
