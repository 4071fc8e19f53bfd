// Window assignment and aggregate folds over a batch, straight from the definitions in
// aggregate.hpp. Window arithmetic near the int64 limits goes through __int128.
#include "runtime/eval/aggregate.hpp"

#include "runtime/eval/distinct_count.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "runtime/eval/evaluator.hpp"
#include "runtime/eval/operators.hpp"
#include "stdlib/flow_stdlib.h"

namespace flow::runtime::eval {

Value min_max_step(const Value& best, const Value& candidate, bool smaller) {
  switch (best.kind) {
    case ValueKind::Int:
      return Value::integer(smaller ? flow_math_least_int(best.int_value, candidate.int_value)
                                    : flow_math_greatest_int(best.int_value, candidate.int_value));
    case ValueKind::Float:
      return Value::floating(smaller ? flow_math_least_float(best.float_value, candidate.float_value)
                                     : flow_math_greatest_float(best.float_value, candidate.float_value));
    default: return is_true(apply_binary(smaller ? "<" : ">", candidate, best)) ? candidate : best;
  }
}

int compare_values(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : a.is_null() ? 1 : -1;
  auto sign = [](auto x, auto y) { return x < y ? -1 : y < x ? 1 : 0; };
  bool a_float = a.kind == ValueKind::Float, b_float = b.kind == ValueKind::Float;
  if (a_float || b_float) {
    double x = a_float ? a.float_value : static_cast<double>(a.int_value);
    double y = b_float ? b.float_value : static_cast<double>(b.int_value);
    if (std::isnan(x) || std::isnan(y)) {
      if (!std::isnan(x)) return -1;
      if (!std::isnan(y)) return 1;
    } else if (x != y) {
      return x < y ? -1 : 1;
    } else if (std::signbit(x) != std::signbit(y)) {
      return std::signbit(x) ? -1 : 1;
    }
    // Equal numbers of one sign, or two NaNs: by their bits, so that only identical values tie.
    uint64_t x_bits = 0, y_bits = 0;
    std::memcpy(&x_bits, &x, sizeof x);
    std::memcpy(&y_bits, &y, sizeof y);
    return sign(x_bits, y_bits);
  }
  switch (a.kind) {
    case ValueKind::String: {
      int c = a.text.compare(b.text);  // char_traits<char> compares as unsigned bytes
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case ValueKind::List:
    case ValueKind::Record:
      for (size_t i = 0; i < a.items.size() && i < b.items.size(); ++i)
        if (int c = compare_values(a.items[i], b.items[i])) return c;
      return sign(a.items.size(), b.items.size());
    default: return sign(a.int_value, b.int_value);
  }
}

bool ranks_before(const plan::TopSpec& top, const std::vector<Value>& a, const std::vector<Value>& b) {
  size_t order = top.order.size();
  for (size_t i = 0; i < order; ++i) {
    int c = compare_values(a[i], b[i]);
    // Descending reverses the values, not the place of null, which stays last.
    if (top.order[i].descending && !a[i].is_null() && !b[i].is_null()) c = -c;
    if (c) return c < 0;
  }
  for (size_t i = order; i < a.size() && i < b.size(); ++i)
    if (int c = compare_values(a[i], b[i])) return c < 0;
  return false;
}

namespace {

using Wide = __int128;

//! Window bounds past the int64 range stop at its ends (an event time of INT64_MAX is in a window
//! that ends at INT64_MAX; see contains), so a window's end is never before its start.
int64_t saturate(Wide value) {
  return value > Wide(INT64_MAX) ? INT64_MAX : value < Wide(INT64_MIN) ? INT64_MIN : static_cast<int64_t>(value);
}

//! `ts` rounded down to a multiple of `size` (> 0).
Wide round_down(int64_t ts, int64_t size) {
  int64_t remainder = ts % size;
  return Wide(ts) - (remainder < 0 ? remainder + size : remainder);
}

//! Whether `ts` is in `w`; an end saturated at INT64_MAX stands for "beyond every ts".
bool contains(const Window& w, int64_t ts) { return ts >= w.start && (ts < w.end || w.end == INT64_MAX); }

Environment environment(const AggregateInput& input) {
  return {&input.record, nullptr, input.key ? &*input.key : nullptr, nullptr};
}


bool same_group(const std::vector<Value>& a, const std::vector<Value>& b);

Value fold(const plan::AggregateCall& call, const std::vector<AggregateInput>& records) {
  const std::string& f = call.function;
  if (f == "count" && !call.argument) return Value::integer(static_cast<int64_t>(records.size()));
  if (!call.argument) throw std::logic_error("eval: `" + f + "` without an argument");
  std::vector<Value> values;
  for (const auto& input : records) values.push_back(evaluate(*call.argument, environment(input)));
  if (f == "max_by" || f == "min_by") {
    // x of the first record with the largest (smallest) non-null y.
    std::optional<Value> best_by;
    Value best;
    for (size_t i = 0; i < records.size(); ++i) {
      Value by = evaluate(*call.by, environment(records[i]));
      if (by.is_null()) continue;
      if (!best_by || !(min_max_step(*best_by, by, f == "min_by") == *best_by)) {
        best_by = std::move(by);
        best = values[i];
      }
    }
    return best;
  }
  if (f == "first") return values.empty() ? Value::null() : values.front();
  if (f == "last") return values.empty() ? Value::null() : values.back();
  std::erase_if(values, [](const Value& v) { return v.is_null(); });
  if (f == "count") return Value::integer(static_cast<int64_t>(values.size()));
  if (f == "count_distinct") {
    // By group equality, value against value: independent of the runtime's canonical bytes.
    std::vector<Value> distinct;
    for (const auto& v : values) {
      if (std::any_of(distinct.begin(), distinct.end(), [&](const Value& d) { return same_group({d}, {v}); }))
        continue;
      if (static_cast<int64_t>(distinct.size()) >= call.max_distinct)
        throw std::runtime_error("eval: `count_distinct` of `" + call.output_name + "` saw more than " +
                                 std::to_string(call.max_distinct) + " distinct values in one group");
      distinct.push_back(v);
    }
    return Value::integer(static_cast<int64_t>(distinct.size()));
  }
  if (f == "approx_count_distinct") {
    DistinctSketch sketch;
    for (const auto& v : values) sketch.add(distinct_hash(v));
    return Value::integer(sketch.estimate());
  }
  if (f == "sum") {
    Value total = call.type.kind == plan::TypeKind::Float ? Value::floating(0.0) : Value::integer(0);
    for (const auto& v : values) total = apply_binary("+", total, v);
    return total;
  }
  if (f == "avg") {
    if (values.empty()) return Value::null();
    double total = 0;
    for (const auto& v : values) total += v.kind == ValueKind::Float ? v.float_value : static_cast<double>(v.int_value);
    return Value::floating(total / static_cast<double>(values.size()));
  }
  if (f == "min" || f == "max") {
    if (values.empty()) return Value::null();
    Value best = values.front();
    for (size_t i = 1; i < values.size(); ++i) best = min_max_step(best, values[i], f == "min");
    return best;
  }
  throw std::logic_error("eval: unknown aggregate function `" + f + "`");
}

//! Group equality: `==`, plus null with null (as `==` has) and NaN with NaN.
bool same_group(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    bool both_nan = a[i].kind == ValueKind::Float && b[i].kind == ValueKind::Float && std::isnan(a[i].float_value) &&
                    std::isnan(b[i].float_value);
    if (!both_nan && !equals(a[i], b[i])) return false;
  }
  return true;
}

struct Group {
  std::vector<Value> values;
  std::vector<AggregateInput> records;  // arrival order
};

struct Row {
  Window window;
  size_t group = 0;
  std::vector<AggregateInput> records;
};

}  // namespace

std::vector<Window> windows_of(const plan::WindowSpec& window, int64_t ts) {
  switch (window.kind) {
    case plan::WindowKind::Tumbling: {
      Wide start = round_down(ts, window.size_ms);
      return {{saturate(start), saturate(start + window.size_ms)}};
    }
    case plan::WindowKind::Hopping: {
      std::vector<Window> out;
      for (Wide start = round_down(ts, window.slide_ms); start + window.size_ms > ts; start -= window.slide_ms) {
        out.push_back({saturate(start), saturate(start + window.size_ms)});
        if (start <= Wide(INT64_MIN)) break;  // earlier windows would all start at INT64_MIN too
      }
      std::reverse(out.begin(), out.end());
      return out;
    }
    default: throw std::logic_error("eval: windows_of needs a tumbling or hopping window");
  }
}

std::vector<Window> sessions_of(int64_t gap_ms, std::vector<int64_t> times) {
  std::sort(times.begin(), times.end());
  std::vector<Window> out;
  Wide end = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    if (i > 0 && (Wide(times[i]) < end || out.back().end == INT64_MAX)) {
      end = std::max(end, Wide(times[i]) + gap_ms);
      out.back().end = saturate(end);
      continue;
    }
    end = Wide(times[i]) + gap_ms;
    out.push_back({times[i], saturate(end)});
  }
  return out;
}

std::vector<Value> aggregate_values(const compiler::physical::Aggregate& aggregate,
                                    const std::vector<AggregateInput>& records) {
  std::vector<Value> out;
  for (const auto& call : aggregate.aggregates) out.push_back(conform(fold(call, records), call.type));
  return out;
}

std::vector<std::vector<Value>> run_aggregate(const compiler::physical::Aggregate& aggregate,
                                              const std::vector<AggregateInput>& inputs) {
  std::vector<Group> groups;
  for (const auto& input : inputs) {
    std::vector<Value> values;
    for (const auto& key : aggregate.keys) values.push_back(evaluate(key, environment(input)));
    auto found =
        std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return same_group(g.values, values); });
    if (found == groups.end()) found = groups.insert(groups.end(), Group{std::move(values), {}});
    found->records.push_back(input);
  }

  std::vector<Row> rows;
  const plan::WindowSpec& window = aggregate.window;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& records = groups[g].records;
    if (window.kind == plan::WindowKind::None) {
      rows.push_back({{}, g, records});
      continue;
    }
    std::vector<Window> windows;
    if (window.kind == plan::WindowKind::Session) {
      std::vector<int64_t> times;
      for (const auto& r : records) times.push_back(r.event_time_ms);
      windows = sessions_of(window.gap_ms, times);
    } else {
      for (const auto& r : records)
        for (const Window& w : windows_of(window, r.event_time_ms))
          if (std::find(windows.begin(), windows.end(), w) == windows.end()) windows.push_back(w);
    }
    for (const Window& w : windows) {
      Row row{w, g, {}};
      for (const auto& r : records)
        if (contains(w, r.event_time_ms)) row.records.push_back(r);
      rows.push_back(std::move(row));
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.window.start != b.window.start ? a.window.start < b.window.start : a.group < b.group;
  });

  std::vector<std::vector<Value>> out;
  if (aggregate.top) {
    const plan::TopSpec& top = *aggregate.top;
    for (const Row& row : rows) {
      std::vector<std::vector<Value>> ranked;  // per record: its ordering values, then its fields
      for (const auto& input : row.records) {
        std::vector<Value> entry;
        for (const auto& key : top.order)
          entry.push_back(conform(evaluate(key.value, environment(input)), key.value.type));
        for (size_t f = 0; f < aggregate.row_width(); ++f)
          entry.push_back(conform(input.record.at(f), aggregate.output[f].type));
        ranked.push_back(std::move(entry));
      }
      std::stable_sort(ranked.begin(), ranked.end(),
                       [&](const auto& a, const auto& b) { return ranks_before(top, a, b); });
      for (size_t r = 0; r < ranked.size() && static_cast<int64_t>(r) < top.limit; ++r) {
        std::vector<Value> fields(ranked[r].begin() + static_cast<long>(top.order.size()), ranked[r].end());
        fields.push_back(Value::timestamp(row.window.start));
        fields.push_back(Value::timestamp(row.window.end));
        fields.push_back(Value::integer(static_cast<int64_t>(r) + 1));
        out.push_back(std::move(fields));
      }
    }
    return out;
  }
  for (const Row& row : rows) {
    std::vector<Value> fields = groups[row.group].values;
    if (window.kind != plan::WindowKind::None) {
      fields.push_back(Value::timestamp(row.window.start));
      fields.push_back(Value::timestamp(row.window.end));
    }
    for (auto& value : aggregate_values(aggregate, row.records)) fields.push_back(std::move(value));
    for (size_t i = 0; i < fields.size() && i < aggregate.output.size(); ++i)
      fields[i] = conform(std::move(fields[i]), aggregate.output[i].type);
    out.push_back(std::move(fields));
  }
  return out;
}

}  // namespace flow::runtime::eval
