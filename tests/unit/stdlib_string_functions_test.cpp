// The string built-ins: exact results, including empty strings, multi-byte UTF-8, invalid bytes
// and out-of-range positions.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

namespace {

using flow::stdlib::to_flow_str;
using flow::stdlib::to_view;

constexpr int64_t int_max = std::numeric_limits<int64_t>::max();
constexpr int64_t int_min = std::numeric_limits<int64_t>::min();

std::string text(flow_str s) { return std::string(to_view(s)); }
flow_str str(const char* s) { return to_flow_str(s); }

std::string substr(const char* s, int64_t start, int64_t length) {
  return text(flow_str_substr(str(s), start, length));
}

std::string split_part(const char* s, const char* delimiter, int64_t n) {
  return text(flow_str_split_part(str(s), str(delimiter), n));
}

struct Arena {
  char buffer[256];
  flow_arena arena;
  Arena() { flow_arena_init(&arena, buffer, sizeof buffer); }
};

}  // namespace

TEST_CASE("stdlib len: counts code points, not bytes") {
  CHECK(flow_str_len(str("")) == 0);
  CHECK(flow_str_len(str("abc")) == 3);
  CHECK(flow_str_len(str("h\xC3\xA9llo")) == 5);         // héllo
  CHECK(flow_str_len(str("\xE6\x97\xA5\xE6\x9C\xAC")) == 2);  // 日本
  CHECK(flow_str_len(str("\xF0\x9F\x98\x80!")) == 2);     // 😀!
}

TEST_CASE("stdlib len: invalid UTF-8 counts each stray byte as one character") {
  CHECK(flow_str_len(str("\xFF\xFE")) == 2);
  CHECK(flow_str_len(str("a\xE6\x97")) == 3);  // a lead byte whose sequence is cut off
  CHECK(flow_str_len(str("\x80\x80")) == 2);   // continuation bytes with no lead byte
  CHECK(flow_str_len(str("\xC3(")) == 2);      // a lead byte followed by a non-continuation byte
}

TEST_CASE("stdlib len: a NULL or negative-length flow_str is the empty string") {
  CHECK(flow_str_len(flow_str{nullptr, 5}) == 0);
  CHECK(flow_str_len(flow_str{"abc", -1}) == 0);
  CHECK(flow_str_len(flow_str{"abc", 2}) == 2);  // only `len` bytes count, not up to a NUL
}

TEST_CASE("stdlib lower and upper: ASCII letters only") {
  Arena a;
  CHECK(text(flow_str_lower(&a.arena, str("Hello, World 42"))) == "hello, world 42");
  CHECK(text(flow_str_upper(&a.arena, str("Hello, World 42"))) == "HELLO, WORLD 42");
  CHECK(text(flow_str_lower(&a.arena, str("\xC3\x89""COLE"))) == "\xC3\x89""cole");  // ÉCOLE -> École
  CHECK(text(flow_str_upper(&a.arena, str("stra\xC3\x9F""e"))) == "STRA\xC3\x9F""E");  // straße -> STRAßE
  CHECK(text(flow_str_lower(&a.arena, str(""))) == "");
  CHECK(text(flow_str_upper(&a.arena, str("\xFF""a"))) == "\xFF""A");
}

TEST_CASE("stdlib lower and upper: an unchanged string is returned without a copy") {
  Arena a;
  const flow_str input = str("already lower");
  const flow_str result = flow_str_lower(&a.arena, input);
  CHECK(result.data == input.data);
  CHECK(result.len == input.len);
  CHECK(a.arena.used == 0);
  CHECK(flow_str_upper(&a.arena, str("")).data != nullptr);
}

TEST_CASE("stdlib contains, starts_with, ends_with") {
  CHECK(flow_str_contains(str("hello"), str("ell")) == 1);
  CHECK(flow_str_contains(str("hello"), str("hello!")) == 0);
  CHECK(flow_str_contains(str("hello"), str("")) == 1);
  CHECK(flow_str_contains(str(""), str("")) == 1);
  CHECK(flow_str_contains(str(""), str("a")) == 0);
  CHECK(flow_str_contains(str("\xE6\x97\xA5\xE6\x9C\xAC"), str("\xE6\x9C\xAC")) == 1);
  CHECK(flow_str_contains(flow_str{nullptr, 3}, str("")) == 1);

  CHECK(flow_str_starts_with(str("/health"), str("/he")) == 1);
  CHECK(flow_str_starts_with(str("/health"), str("he")) == 0);
  CHECK(flow_str_starts_with(str("ab"), str("abc")) == 0);
  CHECK(flow_str_starts_with(str("ab"), str("")) == 1);
  CHECK(flow_str_starts_with(str(""), str("")) == 1);

  CHECK(flow_str_ends_with(str("page.html"), str(".html")) == 1);
  CHECK(flow_str_ends_with(str("page.html"), str(".htm")) == 0);
  CHECK(flow_str_ends_with(str("ab"), str("xab")) == 0);
  CHECK(flow_str_ends_with(str("ab"), str("")) == 1);
  CHECK(flow_str_ends_with(str("caf\xC3\xA9"), str("\xC3\xA9")) == 1);
}

TEST_CASE("stdlib substr: 1-based start, in characters") {
  CHECK(substr("Spark SQL", 1, 5) == "Spark");
  CHECK(substr("Spark SQL", 5, 1) == "k");
  CHECK(substr("Spark SQL", 7, int_max) == "SQL");
  CHECK(substr("h\xC3\xA9llo", 2, 2) == "\xC3\xA9l");
  CHECK(substr("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 2, 1) == "\xE6\x9C\xAC");  // 日本語 -> 本
}

TEST_CASE("stdlib substr: start 0 acts as 1, a negative start counts from the end") {
  CHECK(substr("abc", 0, 2) == "ab");
  CHECK(substr("Spark SQL", -3, 3) == "SQL");
  CHECK(substr("Spark SQL", -3, 2) == "SQ");
  CHECK(substr("Spark SQL", -1, int_max) == "L");
  // The window starts before the string: only the part inside it remains.
  CHECK(substr("abc", -5, 3) == "a");
  CHECK(substr("abc", -5, 2) == "");
}

TEST_CASE("stdlib substr: out of range clamps to a shorter or empty string") {
  CHECK(substr("abc", 2, 100) == "bc");
  CHECK(substr("abc", 4, 1) == "");
  CHECK(substr("abc", 100, 1) == "");
  CHECK(substr("abc", 1, 0) == "");
  CHECK(substr("abc", 1, -1) == "");
  CHECK(substr("", 1, 1) == "");
  CHECK(substr("abc", int_max, int_max) == "");
  // start = 3 + INT64_MIN and end = start + INT64_MAX = 2: the window ends inside the string.
  CHECK(substr("abc", int_min, int_max) == "ab");
  CHECK(substr("abc", int_min, int_min) == "");
  CHECK(substr("abc", 1, int_min) == "");
  CHECK(flow_str_substr(str("abc"), 5, 1).data != nullptr);
}

TEST_CASE("stdlib substr: the result is a view into the input") {
  const flow_str input = str("Spark SQL");
  const flow_str result = flow_str_substr(input, 7, 3);
  CHECK(result.data == input.data + 6);
  CHECK(result.len == 3);
}

TEST_CASE("stdlib concat") {
  Arena a;
  CHECK(text(flow_str_concat(&a.arena, str("foo"), str("bar"))) == "foobar");
  CHECK(text(flow_str_concat(&a.arena, str("\xE6\x97\xA5"), str("\xE6\x9C\xAC"))) == "\xE6\x97\xA5\xE6\x9C\xAC");
  CHECK(text(flow_str_concat(&a.arena, str(""), str(""))) == "");
  CHECK(a.arena.used == 6 + 6);

  // One empty side: the other side is the result, no copy.
  const flow_str bar = str("bar");
  CHECK(flow_str_concat(&a.arena, str(""), bar).data == bar.data);
  CHECK(flow_str_concat(&a.arena, bar, flow_str{nullptr, 0}).data == bar.data);
  CHECK(a.arena.used == 12);
}

TEST_CASE("stdlib concat_n: several parts in one copy") {
  Arena a;
  const flow_str parts[] = {str("a"), str(""), str("bc"), str("d")};
  CHECK(text(flow_str_concat_n(&a.arena, parts, 4)) == "abcd");
  CHECK(a.arena.used == 4);
  CHECK(text(flow_str_concat_n(&a.arena, parts, 0)) == "");
  CHECK(text(flow_str_concat_n(&a.arena, parts, -1)) == "");
  CHECK(text(flow_str_concat_n(&a.arena, nullptr, 3)) == "");
  CHECK(text(flow_str_concat_n(&a.arena, parts, 1)) == "a");
}

TEST_CASE("stdlib split_part: 1-based parts") {
  CHECK(split_part("a,b,c", ",", 1) == "a");
  CHECK(split_part("a,b,c", ",", 2) == "b");
  CHECK(split_part("a,b,c", ",", 3) == "c");
  CHECK(split_part("a,,c", ",", 2) == "");
  CHECK(split_part("a,b,", ",", 3) == "");
  CHECK(split_part("a||b||c", "||", 2) == "b");
  CHECK(split_part("x\xE2\x86\x92y\xE2\x86\x92z", "\xE2\x86\x92", 2) == "y");  // x→y→z
  CHECK(split_part("no delimiter", ",", 1) == "no delimiter");
}

TEST_CASE("stdlib split_part: a negative part counts from the end") {
  CHECK(split_part("a,b,c", ",", -1) == "c");
  CHECK(split_part("a,b,c", ",", -3) == "a");
  CHECK(split_part("a,b,", ",", -1) == "");
  // Overlapping delimiters split left to right in both directions: "aaa" is "" and "a".
  CHECK(split_part("aaa", "aa", 1) == "");
  CHECK(split_part("aaa", "aa", 2) == "a");
  CHECK(split_part("aaa", "aa", -1) == "a");
  CHECK(split_part("aaa", "aa", -2) == "");
}

TEST_CASE("stdlib split_part: out of range, part 0 and an empty delimiter") {
  CHECK(split_part("a,b,c", ",", 4) == "");
  CHECK(split_part("a,b,c", ",", -4) == "");
  CHECK(split_part("a,b,c", ",", 0) == "");
  CHECK(split_part("a,b,c", ",", int_max) == "");
  CHECK(split_part("a,b,c", ",", int_min) == "");
  CHECK(split_part("", ",", 1) == "");
  CHECK(split_part("", ",", 2) == "");
  // An empty delimiter does not split: the whole string is the only part.
  CHECK(split_part("abc", "", 1) == "abc");
  CHECK(split_part("abc", "", -1) == "abc");
  CHECK(split_part("abc", "", 2) == "");
  CHECK(flow_str_split_part(str("a"), str(","), 5).data != nullptr);
}

namespace {

//! split's pieces as strings; the arena must hold them.
std::vector<std::string> split(std::string_view s, std::string_view separator) {
  alignas(8) char buffer[1024];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  flow_str_list list = flow_str_split(&arena, to_flow_str(s), to_flow_str(separator));
  REQUIRE(arena.out_of_space == 0);
  std::vector<std::string> pieces;
  for (int64_t i = 0; i < list.count; ++i) {
    CHECK(list.items[i].is_null == 0);
    pieces.emplace_back(to_view({list.items[i].data, list.items[i].len}));
  }
  return pieces;
}

using Pieces = std::vector<std::string>;

}  // namespace

TEST_CASE("stdlib split: every piece between literal separators, empty ones kept") {
  CHECK(split("a,,b", ",") == Pieces{"a", "", "b"});
  CHECK(split("a,b,c", ",") == Pieces{"a", "b", "c"});
  CHECK(split(",a,", ",") == Pieces{"", "a", ""});  // Java's String.split would drop the last
  CHECK(split("", ",") == Pieces{""});
  CHECK(split("abc", ",") == Pieces{"abc"});
  CHECK(split("a.b", ".") == Pieces{"a", "b"});  // literal: `.` is no pattern
  CHECK(split("a::b:::c", "::") == Pieces{"a", "b", ":c"});  // left to right, not overlapping
  CHECK(split("héllo wörld", "ö") == Pieces{"héllo w", "rld"});
  CHECK(split("abc", "") == Pieces{"abc"});  // the checker rejects an empty separator; the C function splits nothing
}

TEST_CASE("stdlib split: the pieces are views into the text, their items 8-byte aligned in the arena") {
  alignas(8) char buffer[256];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  arena.used = 3;  // strings before it leave the arena unaligned
  const std::string text = "x y";
  flow_str_list list = flow_str_split(&arena, to_flow_str(text), str(" "));
  REQUIRE(list.count == 2);
  CHECK(reinterpret_cast<uintptr_t>(list.items) % 8 == 0);
  CHECK(list.items[0].data == text.data());
  CHECK(list.items[1].data == text.data() + 2);
  CHECK(arena.used == 8 + 2 * static_cast<int64_t>(sizeof(flow_str_item)));
}

TEST_CASE("stdlib split: a list that does not fit is the empty list with out_of_space, the arena unchanged") {
  alignas(8) char buffer[64];  // two items of 24 bytes fit, three do not
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  flow_str_list list = flow_str_split(&arena, str("a,b,c"), str(","));
  CHECK(list.count == 0);
  CHECK(arena.out_of_space == 1);
  CHECK(arena.used == 0);
  flow_arena_reset(&arena);
  CHECK(flow_str_split(&arena, str("a,b"), str(",")).count == 2);
  CHECK(arena.out_of_space == 0);
}
