// Values to flow_value-shaped element arrays and back, around the stdlib's list functions. Each
// call gets a scratch arena that grows until the result fits.
#include "runtime/eval/list_calls.hpp"

#include <stdexcept>
#include <vector>

#include "stdlib/flow_stdlib.h"

namespace flow::runtime::eval {

namespace {

static_assert(sizeof(flow_list_item) == sizeof(flow_value) && alignof(flow_list_item) == alignof(flow_value),
              "flow_list_item is flow_value's layout");

int32_t kind_of_elements(const plan::Type& list) {
  switch (list.element.front().kind) {
    case plan::TypeKind::Float: return FLOW_LIST_FLOAT;
    case plan::TypeKind::String: return FLOW_LIST_STRING;
    default: return FLOW_LIST_BITS;
  }
}

flow_list_item item(const Value& value) {
  flow_value v = value.to_abi();  // strings point into `value`, which outlives the call
  return {v.bits, v.len, v.is_null};
}

std::vector<flow_list_item> items(const Value& list) {
  std::vector<flow_list_item> out;
  for (const auto& element : list.items) out.push_back(item(element));
  return out;
}

Value from_items(flow_list result, const plan::Type& type) {
  std::vector<Value> elements;
  for (int64_t i = 0; i < result.count; ++i) {
    const flow_list_item& e = result.items[i];
    elements.push_back(Value::from_abi(flow_value{e.bits, e.len, e.is_null}, type.element.front()));
  }
  return Value::list(std::move(elements));
}

//! The list `call(arena, elements)` returns, retried with a larger arena while it is out of space.
template <typename Call>
Value with_arena(const Value& list, const plan::Type& type, Call call) {
  std::vector<flow_list_item> elements = items(list);
  for (int64_t capacity = 256;; capacity *= 2) {
    if (capacity > (int64_t{1} << 34)) throw std::logic_error("eval: a list result does not fit in 16 GiB");
    std::vector<char> buffer(static_cast<size_t>(capacity));
    flow_arena arena;
    flow_arena_init(&arena, buffer.data(), capacity);
    flow_list result = call(&arena, elements);
    if (!arena.out_of_space) return from_items(result, type);
  }
}

Value as_list(const Value& list) { return list.is_null() ? Value::list({}) : list; }

}  // namespace

Value list_sort(const Value& list, const plan::Type& type) {
  return with_arena(list, type, [&](flow_arena* arena, const std::vector<flow_list_item>& e) {
    return flow_list_sort(arena, e.data(), static_cast<int64_t>(e.size()), kind_of_elements(type));
  });
}

Value list_sum(const Value& list, const plan::Type& type) {
  std::vector<flow_list_item> e = items(list);
  if (type.element.front().kind == plan::TypeKind::Float)
    return Value::floating(flow_list_sum_float(e.data(), static_cast<int64_t>(e.size())));
  return Value::integer(flow_list_sum_int(e.data(), static_cast<int64_t>(e.size())));
}

Value list_extreme(const Value& list, const plan::Type& type, bool largest) {
  std::vector<flow_list_item> e = items(list);
  int64_t at = flow_list_extreme(e.data(), static_cast<int64_t>(e.size()), kind_of_elements(type), largest ? 1 : 0);
  return at < 0 ? Value::null() : list.items.at(static_cast<size_t>(at));
}

Value set_add(const Value& set, const Value& element, const plan::Type& type) {
  flow_list_item added = item(element);
  return with_arena(as_list(set), type, [&](flow_arena* arena, const std::vector<flow_list_item>& e) {
    return flow_set_add(arena, e.data(), static_cast<int64_t>(e.size()), &added, kind_of_elements(type),
                        type.max_length);
  });
}

Value set_remove(const Value& set, const Value& element, const plan::Type& type) {
  flow_list_item removed = item(element);
  return with_arena(as_list(set), type, [&](flow_arena* arena, const std::vector<flow_list_item>& e) {
    return flow_set_remove(arena, e.data(), static_cast<int64_t>(e.size()), &removed, kind_of_elements(type));
  });
}

}  // namespace flow::runtime::eval
