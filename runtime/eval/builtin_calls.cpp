// Dispatch from a built-in call to its stdlib C function. Text results are copied out of a
// scratch arena that grows until the result fits, so no call here can run out of space.
#include "runtime/eval/builtin_calls.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <limits>
#include <optional>
#include <stdexcept>

#include "runtime/eval/list_calls.hpp"
#include "runtime/eval/operators.hpp"
#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

namespace flow::runtime::eval {

namespace {

using K = ValueKind;

flow_str str(const Value& v) { return stdlib::to_flow_str(v.text); }

//! `take(call(arena))`, with a scratch arena that grows while the call reports out of space.
template <typename Call, typename Take>
auto with_growing_arena(Call call, Take take) {
  for (int64_t capacity = 256;; capacity *= 2) {
    if (capacity > (int64_t{1} << 34)) throw std::logic_error("eval: a stdlib result does not fit in 16 GiB");
    std::vector<char> buffer(static_cast<size_t>(capacity));
    flow_arena arena;
    flow_arena_init(&arena, buffer.data(), capacity);
    auto out = call(&arena);
    if (!arena.out_of_space) return take(out);
  }
}

//! The text `call(arena)` returns, copied out of its scratch arena.
template <typename Call>
std::string with_arena(Call call) {
  return with_growing_arena(call, [](flow_str out) { return std::string(stdlib::to_view(out)); });
}

//! The list of strings `call(arena)` returns, copied out of its scratch arena.
template <typename Call>
Value with_list_arena(Call call) {
  return with_growing_arena(call, [](flow_str_list out) {
    std::vector<Value> items;
    for (int64_t i = 0; i < out.count; ++i)
      items.push_back(Value::string(std::string(stdlib::to_view({out.items[i].data, out.items[i].len}))));
    return Value::list(std::move(items));
  });
}

std::optional<Value> call_string_function(const std::string& name, const std::vector<Value>& a) {
  if (name == "len" && a[0].kind == ValueKind::List) return Value::integer(static_cast<int64_t>(a[0].items.size()));
  if (name == "len") return Value::integer(flow_str_len(str(a[0])));
  if (name == "contains" && a[0].kind == ValueKind::List)
    return Value::boolean(std::any_of(a[0].items.begin(), a[0].items.end(),
                                      [&](const Value& item) { return !item.is_null() && equals(item, a[1]); }));
  if (name == "lower")
    return Value::string(with_arena([&](flow_arena* arena) { return flow_str_lower(arena, str(a[0])); }));
  if (name == "upper")
    return Value::string(with_arena([&](flow_arena* arena) { return flow_str_upper(arena, str(a[0])); }));
  if (name == "contains") return Value::boolean(flow_str_contains(str(a[0]), str(a[1])) != 0);
  if (name == "starts_with") return Value::boolean(flow_str_starts_with(str(a[0]), str(a[1])) != 0);
  if (name == "ends_with") return Value::boolean(flow_str_ends_with(str(a[0]), str(a[1])) != 0);
  if (name == "substr") {
    int64_t length = a.size() == 3 ? a[2].int_value : std::numeric_limits<int64_t>::max();
    return Value::string(std::string(stdlib::to_view(flow_str_substr(str(a[0]), a[1].int_value, length))));
  }
  if (name == "concat") {
    return Value::string(with_arena([&](flow_arena* arena) {
      if (a.size() == 2) return flow_str_concat(arena, str(a[0]), str(a[1]));
      std::vector<flow_str> parts;
      for (const auto& part : a) parts.push_back(str(part));
      return flow_str_concat_n(arena, parts.data(), static_cast<int64_t>(parts.size()));
    }));
  }
  if (name == "split_part")
    return Value::string(std::string(stdlib::to_view(flow_str_split_part(str(a[0]), str(a[1]), a[2].int_value))));
  if (name == "split")
    return with_list_arena([&](flow_arena* arena) { return flow_str_split(arena, str(a[0]), str(a[1])); });
  return std::nullopt;
}

//! The regexp_* functions, without a slot: the stdlib finds the pattern in its per-thread map in
//! front of the process-wide cache, so it is compiled once per process, as in generated code.
std::optional<Value> call_regex_function(const std::string& name, const std::vector<Value>& a) {
  if (name == "regexp_matches") return Value::boolean(flow_regex_matches(nullptr, str(a[1]), str(a[0])) != 0);
  if (name == "regexp_split")
    return with_list_arena([&](flow_arena* arena) { return flow_regex_split(arena, nullptr, str(a[1]), str(a[0])); });
  if (name == "regexp_count") return Value::integer(flow_regex_count(nullptr, str(a[1]), str(a[0])));
  if (name == "regexp_extract") {
    flow_str found = flow_regex_extract(nullptr, str(a[1]), str(a[0]), a[2].int_value);
    return found.len < 0 ? Value::null() : Value::string(std::string(stdlib::to_view(found)));
  }
  if (name == "regexp_replace")
    return Value::string(with_arena(
        [&](flow_arena* arena) { return flow_regex_replace(arena, nullptr, str(a[1]), str(a[0]), str(a[2])); }));
  return std::nullopt;
}

std::optional<Value> call_time_function(const std::string& name, const std::vector<Value>& a) {
  if (name == "hour") return Value::integer(flow_time_hour(a[0].int_value));
  if (name == "minute") return Value::integer(flow_time_minute(a[0].int_value));
  if (name == "day_of_week") return Value::integer(flow_time_day_of_week(a[0].int_value));
  if (name == "unix_millis") return Value::integer(a[0].int_value);
  if (name == "timestamp_millis") return Value::timestamp(a[0].int_value);
  if (name == "date_trunc")
    return Value::timestamp(flow_time_date_trunc(flow_time_unit_parse(str(a[0])), a[1].int_value));
  if (name == "format_time")
    return Value::string(
        with_arena([&](flow_arena* arena) { return flow_time_format_time(arena, a[0].int_value, str(a[1])); }));
  return std::nullopt;
}

std::optional<Value> call_math_function(const std::string& name, const std::vector<Value>& a) {
  bool is_int = a[0].kind == K::Int;
  if (name == "abs")
    return is_int ? Value::integer(flow_math_abs_int(a[0].int_value))
                  : Value::floating(flow_math_abs_float(a[0].float_value));
  if (name == "round" && a.size() == 2)
    return is_int ? Value::integer(flow_math_round_int_digits(a[0].int_value, a[1].int_value))
                  : Value::floating(flow_math_round_float_digits(a[0].float_value, a[1].int_value));
  if (name == "round") return is_int ? a[0] : Value::floating(flow_math_round_float(a[0].float_value));
  if (name == "floor") return is_int ? a[0] : Value::floating(flow_math_floor_float(a[0].float_value));
  if (name == "ceil") return is_int ? a[0] : Value::floating(flow_math_ceil_float(a[0].float_value));
  if (name == "least" || name == "greatest") {
    // Both arguments have the result's kind here (widened by the caller).
    bool least = name == "least";
    if (is_int)
      return Value::integer(least ? flow_math_least_int(a[0].int_value, a[1].int_value)
                                  : flow_math_greatest_int(a[0].int_value, a[1].int_value));
    return Value::floating(least ? flow_math_least_float(a[0].float_value, a[1].float_value)
                                 : flow_math_greatest_float(a[0].float_value, a[1].float_value));
  }
  if (name == "hash") {
    switch (a[0].kind) {
      case K::String: return Value::integer(flow_hash_str(str(a[0])));
      case K::Int: return Value::integer(flow_hash_int(a[0].int_value));
      case K::Float: return Value::integer(flow_hash_float(a[0].float_value));
      default: throw std::logic_error("eval: `hash` of " + a[0].to_json());
    }
  }
  return std::nullopt;
}

//! sort, sum (of a list), list_min, list_max: the list's type follows from the result's.
std::optional<Value> call_list_function(const std::string& name, const std::vector<Value>& a,
                                        const plan::Type& result) {
  if (a.size() != 1 || a[0].kind != K::List) return std::nullopt;
  if (name == "sort") return list_sort(a[0], result);
  plan::Type list = plan::Type::list(result.as_nullable(false), 0);
  if (name == "sum") return list_sum(a[0], list);
  if (name == "list_min" || name == "list_max") return list_extreme(a[0], list, name == "list_max");
  return std::nullopt;
}

}  // namespace

Value call_builtin(const std::string& name, const std::vector<Value>& arguments, const plan::Type& result) {
  if (name == "coalesce") {
    for (const auto& argument : arguments)
      if (!argument.is_null()) return conform(argument, result);
    return Value::null();
  }
  for (const auto& argument : arguments)
    if (argument.is_null()) return Value::null();
  std::vector<Value> widened = arguments;
  if (name == "least" || name == "greatest")
    for (auto& argument : widened) argument = conform(std::move(argument), result);
  if (std::optional<Value> value = call_list_function(name, widened, result)) return *value;
  for (auto call : {call_string_function, call_regex_function, call_time_function, call_math_function})
    if (std::optional<Value> value = call(name, widened)) return *value;
  throw std::logic_error("eval: unknown built-in function `" + name + "`");
}

}  // namespace flow::runtime::eval
