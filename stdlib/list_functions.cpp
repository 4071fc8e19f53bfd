// The list built-ins (sort, sum, list_min, list_max) and the bounded sets' add and remove, over
// flow_value-shaped elements. Results go to the arena: nothing here calls malloc.
#include <bit>
#include <cmath>
#include <cstring>

#include "stdlib/flow_stdlib.h"

namespace {

//! Room for `count` elements in the arena, 8-byte aligned; null (and out_of_space) when full.
flow_list_item* allocate(flow_arena* arena, int64_t count) {
  constexpr int64_t size = sizeof(flow_list_item), align = alignof(flow_list_item);
  if (!arena || !arena->buffer || count < 0) {
    if (arena) arena->out_of_space = 1;
    return nullptr;
  }
  int64_t start = (arena->used + align - 1) / align * align;
  if (start > arena->capacity || count > (arena->capacity - start) / size) {
    arena->out_of_space = 1;
    return nullptr;
  }
  arena->used = start + count * size;
  return reinterpret_cast<flow_list_item*>(arena->buffer + start);
}

double as_double(const flow_list_item& e) { return std::bit_cast<double>(e.bits); }

//! -1, 0, 1 for two non-null elements: by value, NaN after every number, -0.0 equal to 0.0.
int compare(const flow_list_item& a, const flow_list_item& b, int32_t kind) {
  if (kind == FLOW_LIST_FLOAT) {
    double x = as_double(a), y = as_double(b);
    bool xn = std::isnan(x), yn = std::isnan(y);
    if (xn || yn) return xn == yn ? 0 : (xn ? 1 : -1);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (kind == FLOW_LIST_STRING) {
    int64_t common = a.len < b.len ? a.len : b.len;
    int result = common > 0 ? std::memcmp(reinterpret_cast<const void*>(a.bits), reinterpret_cast<const void*>(b.bits),
                                           static_cast<size_t>(common))
                            : 0;
    if (result != 0) return result < 0 ? -1 : 1;
    return a.len < b.len ? -1 : (a.len > b.len ? 1 : 0);
  }
  return a.bits < b.bits ? -1 : (a.bits > b.bits ? 1 : 0);
}

//! The sort order: null before everything, then compare().
bool before(const flow_list_item& a, const flow_list_item& b, int32_t kind) {
  if (a.is_null || b.is_null) return a.is_null && !b.is_null;
  return compare(a, b, kind) < 0;
}

bool same(const flow_list_item& a, const flow_list_item& b, int32_t kind) {
  if (a.is_null || b.is_null) return a.is_null && b.is_null;
  return compare(a, b, kind) == 0;
}

int64_t position(const flow_list_item* items, int64_t count, const flow_list_item& element, int32_t kind) {
  for (int64_t i = 0; i < count; ++i)
    if (same(items[i], element, kind)) return i;
  return -1;
}

}  // namespace

extern "C" {

flow_list flow_list_sort(flow_arena* arena, const flow_list_item* items, int64_t count, int32_t kind) noexcept {
  if (count <= 0) return {items, 0};
  // Bottom-up merge sort between the result and a scratch half: stable, O(n log n), no malloc.
  flow_list_item* out = allocate(arena, count);
  flow_list_item* scratch = out ? allocate(arena, count) : nullptr;
  if (!out || !scratch) return {nullptr, 0};
  std::memcpy(out, items, static_cast<size_t>(count) * sizeof(flow_list_item));
  flow_list_item* from = out;
  flow_list_item* to = scratch;
  for (int64_t width = 1; width < count; width *= 2) {
    for (int64_t left = 0; left < count; left += 2 * width) {
      int64_t middle = left + width < count ? left + width : count;
      int64_t right = left + 2 * width < count ? left + 2 * width : count;
      int64_t i = left, j = middle, k = left;
      while (i < middle && j < right) to[k++] = before(from[j], from[i], kind) ? from[j++] : from[i++];
      while (i < middle) to[k++] = from[i++];
      while (j < right) to[k++] = from[j++];
    }
    flow_list_item* swap = from;
    from = to;
    to = swap;
  }
  if (from != out) std::memcpy(out, from, static_cast<size_t>(count) * sizeof(flow_list_item));
  arena->used -= count * static_cast<int64_t>(sizeof(flow_list_item));  // the scratch half is free again
  return {out, count};
}

int64_t flow_list_sum_int(const flow_list_item* items, int64_t count) noexcept {
  uint64_t sum = 0;  // unsigned: wraps like flow's ints, without undefined behaviour
  for (int64_t i = 0; i < count; ++i)
    if (!items[i].is_null) sum += static_cast<uint64_t>(items[i].bits);
  return static_cast<int64_t>(sum);
}

double flow_list_sum_float(const flow_list_item* items, int64_t count) noexcept {
  double sum = 0.0;
  for (int64_t i = 0; i < count; ++i)
    if (!items[i].is_null) sum += as_double(items[i]);
  return sum;
}

int64_t flow_list_extreme(const flow_list_item* items, int64_t count, int32_t kind, int32_t largest) noexcept {
  int64_t best = -1;
  for (int64_t i = 0; i < count; ++i) {
    if (items[i].is_null) continue;
    if (best < 0) {
      best = i;
      continue;
    }
    int order = compare(items[i], items[best], kind);
    if (largest ? order > 0 : order < 0) best = i;
  }
  return best;
}

flow_list flow_set_add(flow_arena* arena, const flow_list_item* items, int64_t count, const flow_list_item* element,
                       int32_t kind, int64_t max) noexcept {
  if (count < 0) count = 0;
  if (position(items, count, *element, kind) >= 0) return {items, count};
  int64_t kept = max > 0 && count >= max ? max - 1 : count;
  flow_list_item* out = allocate(arena, kept + 1);
  if (!out) return {nullptr, 0};
  if (kept > 0) std::memcpy(out, items + (count - kept), static_cast<size_t>(kept) * sizeof(flow_list_item));
  out[kept] = *element;
  return {out, kept + 1};
}

flow_list flow_set_remove(flow_arena* arena, const flow_list_item* items, int64_t count,
                          const flow_list_item* element, int32_t kind) noexcept {
  if (count < 0) count = 0;
  int64_t at = position(items, count, *element, kind);
  if (at < 0) return {items, count};
  flow_list_item* out = allocate(arena, count - 1);
  if (!out) return {nullptr, 0};
  if (at > 0) std::memcpy(out, items, static_cast<size_t>(at) * sizeof(flow_list_item));
  if (count - at - 1 > 0)
    std::memcpy(out + at, items + at + 1, static_cast<size_t>(count - at - 1) * sizeof(flow_list_item));
  return {out, count - 1};
}

}  // extern "C"
