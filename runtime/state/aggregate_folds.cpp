// Running aggregates, fold by fold, with the reference evaluator's rules (aggregate.hpp).
#include "runtime/state/aggregate_folds.hpp"

#include "runtime/eval/aggregate.hpp"

#include <fmt/format.h>

#include <algorithm>
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

//! Merges the min/max (max_by/min_by) of two windows by the values in `field`: the one a fold in
//! arrival order would keep (the earlier-arrived value plays `best`).
void merge_best(Accumulator& a, const Accumulator& b, Value Accumulator::*field, bool smaller) {
  if ((b.*field).is_null()) return;
  if ((a.*field).is_null()) {
    a = b;
    return;
  }
  bool a_first = a.arrival < b.arrival;
  const Accumulator& earlier = a_first ? a : b;
  const Accumulator& later = a_first ? b : a;
  Value best = eval::min_max_step(earlier.*field, later.*field, smaller);
  if (!keeps(earlier.*field, best)) a = later;
  else if (!a_first) a = earlier;
}

}  // namespace

AggregateFolds::AggregateFolds(const compiler::physical::Aggregate& aggregate) : aggregate_(aggregate) {
  if (aggregate.top) {  // one fold over whole records
    folds_.push_back(Fold::Top);
    first_argument_.push_back(0);
    for (const auto& key : aggregate.top->order) argument_types_.push_back(key.value.type);
    for (size_t f = 0; f < aggregate.row_width(); ++f) argument_types_.push_back(aggregate.output[f].type);
  }
  for (const auto& call : aggregate.aggregates) {
    const std::string& f = call.function;
    first_argument_.push_back(argument_types_.size());
    argument_types_.push_back(call.argument ? call.argument->type : compiler::plan::Type::scalar(compiler::plan::TypeKind::Int));
    if (call.by) argument_types_.push_back(call.by->type);
    if (f == "count") folds_.push_back(call.argument ? Fold::CountValues : Fold::Count);
    else if (f == "sum") folds_.push_back(Fold::Sum);
    else if (f == "avg") folds_.push_back(Fold::Avg);
    else if (f == "min") folds_.push_back(Fold::Min);
    else if (f == "max") folds_.push_back(Fold::Max);
    else if (f == "first") folds_.push_back(Fold::First);
    else if (f == "last") folds_.push_back(Fold::Last);
    else if (f == "max_by") folds_.push_back(Fold::MaxBy);
    else if (f == "min_by") folds_.push_back(Fold::MinBy);
    else if (f == "count_distinct") folds_.push_back(Fold::CountDistinct);
    else if (f == "approx_count_distinct") folds_.push_back(Fold::ApproxCountDistinct);
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
  if (aggregate_.top) {
    for (const auto& order : aggregate_.top->order) out.push_back(eval::evaluate(order.value, env));
    for (size_t f = 0; f < aggregate_.row_width(); ++f) out.push_back(record.at(f));
    for (size_t i = 0; i < out.size(); ++i) out[i] = eval::conform(std::move(out[i]), argument_types_[i]);
  }
  for (const auto& call : aggregate_.aggregates) {
    out.push_back(call.argument ? eval::evaluate(*call.argument, env) : Value::null());
    if (call.by) out.push_back(eval::evaluate(*call.by, env));
  }
  return out;
}

void AggregateFolds::add(std::vector<Accumulator>& into, const std::vector<Value>& arguments,
                         uint64_t arrival) const {
  for (size_t i = 0; i < folds_.size(); ++i) {
    Accumulator& a = into[i];
    const Value& v = arguments[first_argument_[i]];
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
      case Fold::CountDistinct: {
        if (v.is_null()) break;
        std::string bytes;
        append_key_value(bytes, v);
        add_distinct(i, a.distinct, std::move(bytes));
        break;
      }
      case Fold::ApproxCountDistinct:
        if (!v.is_null()) a.sketch.add(eval::distinct_hash(v));
        break;
      case Fold::Top: rank(a.ranked, arguments); break;
      case Fold::MaxBy:
      case Fold::MinBy: {
        const Value& by = arguments[first_argument_[i] + 1];
        if (by.is_null()) break;
        if (a.by.is_null()) {
          a.value = v;
          a.by = by;
          a.arrival = arrival;
        } else if (Value best = eval::min_max_step(a.by, by, folds_[i] == Fold::MinBy); !keeps(a.by, best)) {
          a.value = v;
          a.by = std::move(best);
          a.arrival = arrival;
        }
        break;
      }
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
      case Fold::Max: merge_best(a, b, &Accumulator::value, folds_[i] == Fold::Min); break;
      case Fold::CountDistinct:
        for (const std::string& value : b.distinct) add_distinct(i, a.distinct, value);
        break;
      case Fold::ApproxCountDistinct: a.sketch.merge(b.sketch); break;
      case Fold::Top:
        for (const auto& entry : b.ranked) rank(a.ranked, entry);
        break;
      case Fold::MaxBy:
      case Fold::MinBy: merge_best(a, b, &Accumulator::by, folds_[i] == Fold::MinBy); break;
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
      case Fold::CountDistinct: value = Value::integer(static_cast<int64_t>(a.distinct.size())); break;
      case Fold::ApproxCountDistinct: value = Value::integer(a.sketch.estimate()); break;
      case Fold::Avg:
        value = a.count == 0 ? Value::null() : Value::floating(a.total / static_cast<double>(a.count));
        break;
      case Fold::Top: continue;  // top_rows
      default: value = a.value; break;
    }
    out.push_back(eval::conform(std::move(value), aggregate_.aggregates[i].type));
  }
  return out;
}

bool AggregateFolds::ranks(const std::vector<Accumulator>& accumulators, const std::vector<Value>& arguments) const {
  const std::vector<std::vector<Value>>& ranked = accumulators.front().ranked;
  return ranked.size() < static_cast<size_t>(aggregate_.top->limit) ||
         eval::ranks_before(*aggregate_.top, arguments, ranked.back());
}

void AggregateFolds::rank(std::vector<std::vector<Value>>& ranked, const std::vector<Value>& entry) const {
  const compiler::plan::TopSpec& top = *aggregate_.top;
  auto before = [&](const std::vector<Value>& a, const std::vector<Value>& b) { return eval::ranks_before(top, a, b); };
  size_t limit = static_cast<size_t>(top.limit);
  if (ranked.size() >= limit && !before(entry, ranked.back())) return;  // the common case: not in the top
  ranked.insert(std::upper_bound(ranked.begin(), ranked.end(), entry, before), entry);
  if (ranked.size() > limit) ranked.pop_back();
}

std::vector<std::vector<Value>> AggregateFolds::top_rows(const std::vector<Accumulator>& accumulators,
                                                         const eval::Window& window) const {
  std::vector<std::vector<Value>> rows;
  if (!aggregate_.top || accumulators.empty()) return rows;
  size_t order = aggregate_.top->order.size();
  for (const auto& entry : accumulators.front().ranked) {
    std::vector<Value> row(entry.begin() + static_cast<long>(order), entry.end());
    row.push_back(Value::timestamp(window.start));
    row.push_back(Value::timestamp(window.end));
    row.push_back(Value::integer(static_cast<int64_t>(rows.size()) + 1));
    rows.push_back(std::move(row));
  }
  return rows;
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
      case Fold::MaxBy:
      case Fold::MinBy:
        append_value(out, a.value);
        append_value(out, a.by);
        append_varint(out, a.arrival);
        break;
      case Fold::CountDistinct:
        append_varint(out, a.distinct.size());
        for (const std::string& value : a.distinct) {
          append_varint(out, value.size());
          out += value;
        }
        break;
      case Fold::ApproxCountDistinct:
        append_varint(out, a.sketch.dense() ? 1 : 0);
        if (a.sketch.dense()) {
          out.append(reinterpret_cast<const char*>(a.sketch.registers().data()), a.sketch.registers().size());
        } else {
          append_varint(out, a.sketch.hashes().size());
          for (uint64_t hash : a.sketch.hashes()) append_varint(out, hash);
        }
        break;
      case Fold::First:
      case Fold::Last:
        append_signed(out, a.count);
        append_value(out, a.value);
        append_varint(out, a.arrival);
        break;
      case Fold::Top:
        append_varint(out, a.ranked.size());
        for (const auto& entry : a.ranked)
          for (const Value& value : entry) append_value(out, value);
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
      case Fold::MaxBy:
      case Fold::MinBy:
        a.value = reader.value();
        a.by = reader.value();
        a.arrival = reader.varint();
        break;
      case Fold::CountDistinct: {
        uint64_t count = reader.varint();
        for (uint64_t n = 0; n < count; ++n) {
          uint64_t size = reader.varint();
          a.distinct.emplace_back(reader.bytes(size));
        }
        break;
      }
      case Fold::ApproxCountDistinct:
        if (reader.varint() == 1) {
          std::string_view bytes = reader.bytes(eval::DistinctSketch::kRegisters);
          a.sketch = eval::DistinctSketch::of({}, std::vector<uint8_t>(bytes.begin(), bytes.end()));
        } else {
          uint64_t count = reader.varint();
          if (count > eval::DistinctSketch::kSparseLimit) throw StateCorruption("state: a distinct sketch is too long");
          std::vector<uint64_t> hashes;
          for (uint64_t n = 0; n < count; ++n) hashes.push_back(reader.varint());
          a.sketch = eval::DistinctSketch::of(std::move(hashes), {});
        }
        break;
      case Fold::First:
      case Fold::Last:
        a.count = reader.signed_varint();
        a.value = reader.value();
        a.arrival = reader.varint();
        break;
      case Fold::Top: {
        uint64_t count = reader.varint();
        if (count > static_cast<uint64_t>(aggregate_.top->limit))
          throw StateCorruption("state: a top holds more records than its N");
        a.ranked.resize(count);
        for (auto& entry : a.ranked)
          for (size_t v = 0; v < argument_types_.size(); ++v) entry.push_back(reader.value());
        break;
      }
    }
  }
  return out;
}

void AggregateFolds::add_distinct(size_t i, std::vector<std::string>& distinct, std::string value) const {
  auto at = std::lower_bound(distinct.begin(), distinct.end(), value);
  if (at != distinct.end() && *at == value) return;
  const auto& call = aggregate_.aggregates[i];
  if (static_cast<int64_t>(distinct.size()) >= call.max_distinct)
    throw std::runtime_error(fmt::format(
        "`count_distinct` of `{}` saw more than {} distinct values in one group: its state holds at most the "
        "declared bound; raise the bound (`count_distinct(x, {})`), or estimate with `approx_count_distinct`",
        call.output_name, call.max_distinct, call.max_distinct * 10));
  distinct.insert(at, std::move(value));
}

}  // namespace flow::runtime
