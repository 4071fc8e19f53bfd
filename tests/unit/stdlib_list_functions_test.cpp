// The list built-ins and the sets' add/remove of stdlib/flow_stdlib.h, on flow_value-shaped elements.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "stdlib/flow_stdlib.h"

namespace {

flow_list_item integer(int64_t v) { return {v, 0, 0}; }
flow_list_item floating(double v) { return {std::bit_cast<int64_t>(v), 0, 0}; }
flow_list_item text(const std::string& s) {
  return {reinterpret_cast<int64_t>(s.data()), static_cast<int64_t>(s.size()), 0};
}
flow_list_item null() { return {0, 0, 1}; }

struct Arena {
  std::vector<char> buffer = std::vector<char>(4096);
  flow_arena arena{};
  Arena() { flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size())); }
};

std::vector<int64_t> ints(flow_list list) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < list.count; ++i) out.push_back(list.items[i].is_null ? -999 : list.items[i].bits);
  return out;
}

}  // namespace

TEST_CASE("stdlib sort: ascending, nulls first, stable for equal values, in the arena") {
  Arena a;
  std::vector<flow_list_item> items = {integer(3), null(), integer(-1), integer(3), integer(2)};
  flow_list sorted = flow_list_sort(&a.arena, items.data(), 5, FLOW_LIST_BITS);
  CHECK(ints(sorted) == std::vector<int64_t>{-999, -1, 2, 3, 3});
  CHECK(reinterpret_cast<uintptr_t>(sorted.items) % alignof(flow_list_item) == 0);
  CHECK(ints({items.data(), 5}) == std::vector<int64_t>{3, -999, -1, 3, 2});  // the argument is unchanged
  // Only the result stays in the arena: the merge's scratch half is given back.
  CHECK(a.arena.used <= 5 * static_cast<int64_t>(sizeof(flow_list_item)) + 8);

  // NaN after every number; -0.0 and 0.0 are equal and keep their order.
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<flow_list_item> floats = {floating(nan), floating(0.0), floating(-0.0), floating(-2.5)};
  flow_list f = flow_list_sort(&a.arena, floats.data(), 4, FLOW_LIST_FLOAT);
  REQUIRE(f.count == 4);
  CHECK(std::bit_cast<double>(f.items[0].bits) == -2.5);
  CHECK(!std::signbit(std::bit_cast<double>(f.items[1].bits)));
  CHECK(std::signbit(std::bit_cast<double>(f.items[2].bits)));
  CHECK(std::isnan(std::bit_cast<double>(f.items[3].bits)));

  // Strings bytewise, a prefix first; the result points at the argument's bytes.
  std::string b = "b", ab = "ab", a_ = "a", e = "\xc3\xa9";
  std::vector<flow_list_item> strings = {text(e), text(b), text(ab), text(a_)};
  flow_list s = flow_list_sort(&a.arena, strings.data(), 4, FLOW_LIST_STRING);
  REQUIRE(s.count == 4);
  CHECK(reinterpret_cast<const char*>(s.items[0].bits) == a_.data());
  CHECK(reinterpret_cast<const char*>(s.items[1].bits) == ab.data());
  CHECK(reinterpret_cast<const char*>(s.items[2].bits) == b.data());
  CHECK(reinterpret_cast<const char*>(s.items[3].bits) == e.data());

  CHECK(flow_list_sort(&a.arena, nullptr, 0, FLOW_LIST_BITS).count == 0);
}

TEST_CASE("stdlib sort: a list larger than the arena is { NULL, 0 } with out_of_space") {
  std::vector<char> buffer(64);
  flow_arena arena;
  flow_arena_init(&arena, buffer.data(), 64);
  std::vector<flow_list_item> items(10, integer(1));
  flow_list sorted = flow_list_sort(&arena, items.data(), 10, FLOW_LIST_BITS);
  CHECK(sorted.items == nullptr);
  CHECK(sorted.count == 0);
  CHECK(arena.out_of_space == 1);
  CHECK(flow_list_sort(nullptr, items.data(), 10, FLOW_LIST_BITS).items == nullptr);
}

TEST_CASE("stdlib sort: many elements, as std::sort orders them") {
  Arena a;
  a.buffer.resize(1 << 20);
  flow_arena_init(&a.arena, a.buffer.data(), static_cast<int64_t>(a.buffer.size()));
  std::vector<flow_list_item> items;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 1000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    items.push_back(integer(static_cast<int64_t>(x % 100) - 50));
  }
  flow_list sorted = flow_list_sort(&a.arena, items.data(), 1000, FLOW_LIST_BITS);
  std::vector<int64_t> expected = ints({items.data(), 1000});
  std::sort(expected.begin(), expected.end());
  CHECK(ints(sorted) == expected);
}

TEST_CASE("stdlib sum: non-null elements, ints wrap, empty is 0") {
  std::vector<flow_list_item> items = {integer(std::numeric_limits<int64_t>::max()), null(), integer(1)};
  CHECK(flow_list_sum_int(items.data(), 3) == std::numeric_limits<int64_t>::min());
  CHECK(flow_list_sum_int(nullptr, 0) == 0);
  std::vector<flow_list_item> floats = {floating(0.5), null(), floating(0.25)};
  CHECK(flow_list_sum_float(floats.data(), 3) == 0.75);
  CHECK(flow_list_sum_float(nullptr, 0) == 0.0);
}

TEST_CASE("stdlib list_min and list_max: the earlier of equal elements, NaN the largest, -1 for none") {
  std::vector<flow_list_item> items = {null(), integer(4), integer(1), integer(4), integer(1)};
  CHECK(flow_list_extreme(items.data(), 5, FLOW_LIST_BITS, 0) == 2);
  CHECK(flow_list_extreme(items.data(), 5, FLOW_LIST_BITS, 1) == 1);
  std::vector<flow_list_item> nulls = {null(), null()};
  CHECK(flow_list_extreme(nulls.data(), 2, FLOW_LIST_BITS, 1) == -1);
  CHECK(flow_list_extreme(nullptr, 0, FLOW_LIST_BITS, 0) == -1);
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<flow_list_item> floats = {floating(1.0), floating(nan), floating(-3.0)};
  CHECK(flow_list_extreme(floats.data(), 3, FLOW_LIST_FLOAT, 1) == 1);
  CHECK(flow_list_extreme(floats.data(), 3, FLOW_LIST_FLOAT, 0) == 2);
}

TEST_CASE("stdlib set add and remove: each value once, the oldest evicted when full") {
  Arena a;
  flow_list set{nullptr, 0};
  for (int64_t v : {5, 7, 5, 9}) {
    flow_list_item e = integer(v);
    set = flow_set_add(&a.arena, set.items, set.count, &e, FLOW_LIST_BITS, 3);
  }
  CHECK(ints(set) == std::vector<int64_t>{5, 7, 9});
  flow_list_item present = integer(7);
  flow_list same = flow_set_add(&a.arena, set.items, set.count, &present, FLOW_LIST_BITS, 3);
  CHECK(same.items == set.items);  // present: the set itself, nothing copied
  flow_list_item eleven = integer(11);
  set = flow_set_add(&a.arena, set.items, set.count, &eleven, FLOW_LIST_BITS, 3);
  CHECK(ints(set) == std::vector<int64_t>{7, 9, 11});
  set = flow_set_remove(&a.arena, set.items, set.count, &present, FLOW_LIST_BITS);
  CHECK(ints(set) == std::vector<int64_t>{9, 11});
  flow_list unchanged = flow_set_remove(&a.arena, set.items, set.count, &present, FLOW_LIST_BITS);
  CHECK(unchanged.items == set.items);
  CHECK(unchanged.count == 2);

  // Group equality: NaN is NaN's equal, -0.0 is 0.0's; strings by their bytes.
  double nan = std::numeric_limits<double>::quiet_NaN();
  flow_list floats{nullptr, 0};
  for (double v : {nan, nan, 0.0, -0.0}) {
    flow_list_item e = floating(v);
    floats = flow_set_add(&a.arena, floats.items, floats.count, &e, FLOW_LIST_FLOAT, 10);
  }
  CHECK(floats.count == 2);
  std::string x1 = "page", x2 = "page";
  flow_list_item p1 = text(x1), p2 = text(x2);
  flow_list strings = flow_set_add(&a.arena, nullptr, 0, &p1, FLOW_LIST_STRING, 10);
  strings = flow_set_add(&a.arena, strings.items, strings.count, &p2, FLOW_LIST_STRING, 10);
  CHECK(strings.count == 1);
}
