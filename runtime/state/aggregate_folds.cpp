// Running aggregates, fold by fold, with the reference evaluator's rules (aggregate.hpp).
#include "runtime/state/aggregate_folds.hpp"

#include "runtime/eval/aggregate.hpp"

#include <stdexcept>

#include "runtime/eval/evaluator.hpp"
#include "runtime/eval/operators.hpp"
#include "stdlib/flow_stdlib.h"

namespace flow::runtime {

using eval::Value;
using eval::ValueKind;

namespace {


//! Whether `better` keeps `best` (by identity of kind and bits, as `better` builds a new Value).
bool keeps(const Value& best, const Value& result) { return best == result; }

}  // namespace

AggregateFolds::AggregateFolds(const compiler::plan::LogicalAggregate& aggregate) : aggregate_(aggregate) {
  for (const auto& call : aggregate.aggregates) {
    const std::string& f = call.function;
    if (f == "count") folds_.push_back(call.argument ? Fold::CountValues : Fold::Count);
    else if (f == "sum") folds_.push_back(Fold::Sum);
    else if (f == "avg") folds_.push_back(Fold::Avg);
    else if (f == "min") folds_.push_back(Fold::Min);
    else if (f == "max") folds_.push_back(Fold::Max);
    else if (f == "first") folds_.push_back(Fold::First);
    else if (f == "last") folds_.push_back(Fold::Last);
    else throw std::logic_error("state: unknown aggregate function `" + f + "`");
  }
}

std::vector<Accumulator> AggregateFolds::start() const {
  std::vector<Accumulator> out(folds_.size());
  for (size_t i = 0; i < folds_.size(); ++i)
    if (folds_[i] == Fold::Sum)
      out[i].value = aggregate_.aggregates[i].type.kind == compiler::plan::TypeKind::Float ? Value::floating(0.0)
                                                                                           : Value::integer(0);
  return out;
}

std::vector<Value> AggregateFolds::arguments(const std::vector<Value>& record, const Value& key) const {
  eval::Environment env{&record, nullptr, &key, nullptr};
  std::vector<Value> out;
  for (const auto& call : aggregate_.aggregates)
    out.push_back(call.argument ? eval::evaluate(*call.argument, env) : Value::null());
  return out;
}

void AggregateFolds::add(std::vector<Accumulator>& into, const std::vector<Value>& arguments,
                         uint64_t arrival) const {
  for (size_t i = 0; i < folds_.size(); ++i) {
    Accumulator& a = into[i];
    const Value& v = arguments[i];
    switch (folds_[i]) {
      case Fold::Count: ++a.count; break;
      case Fold::CountValues: a.count += v.is_null() ? 0 : 1; break;
      case Fold::Sum:
        if (!v.is_null()) a.value = eval::apply_binary("+", a.value, v);
        break;
      case Fold::Avg:
        if (v.is_null()) break;
        a.total += v.kind == ValueKind::Float ? v.float_value : static_cast<double>(v.int_value);
        ++a.count;
        break;
      case Fold::Min:
      case Fold::Max:
        if (v.is_null()) break;
        if (a.value.is_null()) {
          a.value = v;
          a.arrival = arrival;
        } else if (Value best = eval::min_max_step(a.value, v, folds_[i] == Fold::Min); !keeps(a.value, best)) {
          a.value = std::move(best);
          a.arrival = arrival;
        }
        break;
      case Fold::First:
        if (a.count++ > 0) break;
        a.value = v;
        a.arrival = arrival;
        break;
      case Fold::Last:
        ++a.count;
        a.value = v;
        a.arrival = arrival;
        break;
    }
  }
}

void AggregateFolds::merge(std::vector<Accumulator>& into, const std::vector<Accumulator>& other) const {
  for (size_t i = 0; i < folds_.size(); ++i) {
    Accumulator& a = into[i];
    const Accumulator& b = other[i];
    switch (folds_[i]) {
      case Fold::Count:
      case Fold::CountValues: a.count += b.count; break;
      case Fold::Sum: a.value = eval::apply_binary("+", a.value, b.value); break;
      case Fold::Avg:
        a.total += b.total;
        a.count += b.count;
        break;
      case Fold::Min:
      case Fold::Max: {
        if (b.value.is_null()) break;
        if (a.value.is_null()) {
          a = b;
          break;
        }
        // The earlier-arrived value plays `best`, as in a fold in arrival order.
        bool a_first = a.arrival < b.arrival;
        const Accumulator& earlier = a_first ? a : b;
        const Accumulator& later = a_first ? b : a;
        Value best = eval::min_max_step(earlier.value, later.value, folds_[i] == Fold::Min);
        a = keeps(earlier.value, best) ? earlier : later;
        break;
      }
      case Fold::First:
      case Fold::Last: {
        if (b.count == 0) break;
        int64_t count = a.count + b.count;
        bool take = a.count == 0 || (folds_[i] == Fold::First ? b.arrival < a.arrival : b.arrival > a.arrival);
        if (take) a = b;
        a.count = count;
        break;
      }
    }
  }
}

std::vector<Value> AggregateFolds::results(const std::vector<Accumulator>& accumulators) const {
  std::vector<Value> out;
  for (size_t i = 0; i < folds_.size(); ++i) {
    const Accumulator& a = accumulators[i];
    Value value;
    switch (folds_[i]) {
      case Fold::Count:
      case Fold::CountValues: value = Value::integer(a.count); break;
      case Fold::Avg:
        value = a.count == 0 ? Value::null() : Value::floating(a.total / static_cast<double>(a.count));
        break;
      default: value = a.value; break;
    }
    out.push_back(eval::conform(std::move(value), aggregate_.aggregates[i].type));
  }
  return out;
}

void AggregateFolds::encode(std::string& out, const std::vector<Accumulator>& accumulators) const {
  for (size_t i = 0; i < folds_.size(); ++i) {
    const Accumulator& a = accumulators[i];
    switch (folds_[i]) {
      case Fold::Count:
      case Fold::CountValues: append_signed(out, a.count); break;
      case Fold::Sum: append_value(out, a.value); break;
      case Fold::Avg:
        append_double(out, a.total);
        append_signed(out, a.count);
        break;
      case Fold::Min:
      case Fold::Max:
        append_value(out, a.value);
        append_varint(out, a.arrival);
        break;
      case Fold::First:
      case Fold::Last:
        append_signed(out, a.count);
        append_value(out, a.value);
        append_varint(out, a.arrival);
        break;
    }
  }
}

std::vector<Accumulator> AggregateFolds::decode(ValueReader& reader) const {
  std::vector<Accumulator> out(folds_.size());
  for (size_t i = 0; i < folds_.size(); ++i) {
    Accumulator& a = out[i];
    switch (folds_[i]) {
      case Fold::Count:
      case Fold::CountValues: a.count = reader.signed_varint(); break;
      case Fold::Sum: a.value = reader.value(); break;
      case Fold::Avg:
        a.total = reader.floating();
        a.count = reader.signed_varint();
        break;
      case Fold::Min:
      case Fold::Max:
        a.value = reader.value();
        a.arrival = reader.varint();
        break;
      case Fold::First:
      case Fold::Last:
        a.count = reader.signed_varint();
        a.value = reader.value();
        a.arrival = reader.varint();
        break;
    }
  }
  return out;
}

}  // namespace flow::runtime
