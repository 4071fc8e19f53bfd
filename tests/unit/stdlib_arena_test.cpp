// flow_arena: results land in the caller's buffer, and running out of room is a flag, not a crash.
#include <doctest/doctest.h>

#include <string>

#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

namespace {

using flow::stdlib::to_flow_str;
using flow::stdlib::to_view;

std::string text(flow_str s) { return std::string(to_view(s)); }

}  // namespace

TEST_CASE("stdlib arena: results are written into the caller's buffer") {
  char buffer[16];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  const flow_str upper = flow_str_upper(&arena, to_flow_str("abc"));
  CHECK(text(upper) == "ABC");
  CHECK(upper.data == buffer);
  CHECK(arena.used == 3);
  const flow_str joined = flow_str_concat(&arena, to_flow_str("xy"), to_flow_str("z"));
  CHECK(text(joined) == "xyz");
  CHECK(joined.data == buffer + 3);
  CHECK(arena.used == 6);
  CHECK(arena.out_of_space == 0);
}

TEST_CASE("stdlib arena: a result that does not fit is the empty string and sets out_of_space") {
  char buffer[4];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  const flow_str upper = flow_str_upper(&arena, to_flow_str("hello"));
  CHECK(upper.len == 0);
  REQUIRE(upper.data != nullptr);
  CHECK(arena.out_of_space == 1);
  CHECK(arena.used == 0);

  // The flag is sticky, but a later result that fits is still produced.
  CHECK(text(flow_str_upper(&arena, to_flow_str("ab"))) == "AB");
  CHECK(arena.out_of_space == 1);
  CHECK(arena.used == 2);

  flow_arena_reset(&arena);
  CHECK(arena.out_of_space == 0);
  CHECK(arena.used == 0);
  CHECK(text(flow_str_upper(&arena, to_flow_str("abcd"))) == "ABCD");
  CHECK(arena.out_of_space == 0);
}

TEST_CASE("stdlib arena: format_time that overflows leaves the arena's contents as they were") {
  char buffer[8];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  CHECK(text(flow_str_upper(&arena, to_flow_str("ab"))) == "AB");
  const flow_str formatted = flow_time_format_time(&arena, 0, to_flow_str("%Y-%m-%d"));
  CHECK(formatted.len == 0);
  CHECK(arena.out_of_space == 1);
  CHECK(arena.used == 2);
  CHECK(std::string(buffer, 2) == "AB");
}

TEST_CASE("stdlib arena: a missing or unusable buffer is an arena without room") {
  flow_arena arena;
  flow_arena_init(&arena, nullptr, 100);
  CHECK(arena.capacity == 0);
  CHECK(flow_str_upper(&arena, to_flow_str("a")).len == 0);
  CHECK(arena.out_of_space == 1);

  char buffer[8];
  flow_arena_init(&arena, buffer, -5);
  CHECK(arena.capacity == 0);
  CHECK(flow_str_concat(&arena, to_flow_str("a"), to_flow_str("b")).len == 0);
  CHECK(arena.out_of_space == 1);

  // Fields filled in by hand that contradict each other are treated as a full arena.
  arena = flow_arena{buffer, 8, 20, 0};
  CHECK(flow_str_upper(&arena, to_flow_str("a")).len == 0);
  CHECK(arena.out_of_space == 1);
}

TEST_CASE("stdlib arena: a NULL arena gives empty results instead of crashing") {
  const flow_str upper = flow_str_upper(nullptr, to_flow_str("abc"));
  CHECK(upper.len == 0);
  CHECK(upper.data != nullptr);
  CHECK(flow_time_format_time(nullptr, 0, to_flow_str("%Y")).len == 0);
  // Results that need no new text do not need the arena.
  CHECK(text(flow_str_lower(nullptr, to_flow_str("abc"))) == "abc");
  CHECK(text(flow_str_concat(nullptr, to_flow_str("abc"), to_flow_str(""))) == "abc");
  flow_arena_init(nullptr, nullptr, 0);
  flow_arena_reset(nullptr);
}
