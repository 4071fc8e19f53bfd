// The regular-expression built-ins on RE2: partial matching, groups, replacement with `\N`, counting
// non-overlapping (and empty) matches, the per-call-site slot and the checker's pattern checks.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "stdlib/flow_stdlib.h"
#include "stdlib/regex.hpp"
#include "stdlib/str_view.hpp"

namespace {

using flow::stdlib::to_flow_str;
using flow::stdlib::to_view;

flow_str str(std::string_view s) { return to_flow_str(s); }

bool matches(std::string_view s, std::string_view pattern) {
  return flow_regex_matches(nullptr, str(pattern), str(s)) != 0;
}

//! The extracted text, or "<null>" when there is none.
std::string extract(std::string_view s, std::string_view pattern, int64_t group) {
  flow_str found = flow_regex_extract(nullptr, str(pattern), str(s), group);
  return found.len < 0 ? std::string("<null>") : std::string(to_view(found));
}

std::string replace(std::string_view s, std::string_view pattern, std::string_view replacement) {
  char buffer[512];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  flow_str out = flow_regex_replace(&arena, nullptr, str(pattern), str(s), str(replacement));
  REQUIRE(arena.out_of_space == 0);
  return std::string(to_view(out));
}

int64_t count(std::string_view s, std::string_view pattern) {
  return flow_regex_count(nullptr, str(pattern), str(s));
}

}  // namespace

TEST_CASE("stdlib regexp_matches: a partial match anywhere, anchors when asked") {
  CHECK(matches("GET /api/v2/users", "/api/v[0-9]+/"));
  CHECK_FALSE(matches("GET /web/index", "/api/"));
  CHECK(matches("abc", ""));
  CHECK(matches("", ""));
  CHECK_FALSE(matches("xabc", "^abc"));
  CHECK(matches("Zürich", "^Z.rich$"));  // `.` is one code point, not one byte
  CHECK(matches("ERROR: disk", "(?i)error"));
}

TEST_CASE("stdlib regexp_extract: group 0 is the whole match, no match or an absent group is null") {
  CHECK(extract("user=alice id=42", "id=([0-9]+)", 1) == "42");
  CHECK(extract("user=alice id=42", "id=([0-9]+)", 0) == "id=42");
  CHECK(extract("user=alice", "id=([0-9]+)", 1) == "<null>");
  CHECK(extract("b", "(a)|b", 1) == "<null>");   // the group took no part in the match
  CHECK(extract("b", "(a)|b", 0) == "b");
  CHECK(extract("", "x*", 0) == "");             // an empty match is not null
  CHECK(extract("ab", "(x?)b", 1) == "");
  CHECK(extract("abc", "(a)(b)(c)", 4) == "<null>");  // beyond the groups (the checker stops this)
  CHECK(extract("abc", "(a)", -1) == "<null>");
  // More groups than the stack holds.
  std::string many;
  for (int i = 0; i < 20; ++i) many += "(.)";
  CHECK(extract("abcdefghijklmnopqrstuvwxyz", many, 20) == "t");
}

TEST_CASE("stdlib regexp_replace: every non-overlapping match, with group references, as RE2::GlobalReplace") {
  CHECK(replace("a1b22c333", "[0-9]+", "#") == "a#b#c#");
  CHECK(replace("2024-11-23", "([0-9]+)-([0-9]+)-([0-9]+)", "\\3/\\2/\\1") == "23/11/2024");
  CHECK(replace("abc", "b", "[\\0]") == "a[b]c");
  CHECK(replace("abc", "b", "\\\\") == "a\\c");
  CHECK(replace("abc", "x", "y") == "abc");
  CHECK(replace("abc", "", "-") == "-a-b-c-");
  CHECK(replace("abc", "x*", "-") == "-a-b-c-");
  CHECK(replace("baaa", "a*", "-") == "-b-");  // no empty match right after `aaa`
  CHECK(replace("日本", "", "|") == "|日|本|");  // empty matches step by code point
  CHECK(replace("b", "(a)?b", "<\\1>") == "<>");
  CHECK(replace("", "x*", "y") == "y");
}

TEST_CASE("stdlib regexp_replace: a result that does not fit sets out_of_space, not a short string") {
  char buffer[4];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  flow_str out = flow_regex_replace(&arena, nullptr, str("a"), str("aaaa"), str("bb"));
  CHECK(arena.out_of_space == 1);
  CHECK(to_view(out).empty());
}

TEST_CASE("stdlib regexp_count: non-overlapping matches, the empty ones as replace counts them") {
  CHECK(count("a1b22c333", "[0-9]+") == 3);
  CHECK(count("aaaa", "aa") == 2);
  CHECK(count("abc", "x") == 0);
  CHECK(count("abc", "") == 4);
  CHECK(count("baaa", "a*") == 2);
  CHECK(count("", "") == 1);
  CHECK(count("the cat the hat", "\\bthe\\b") == 2);
}

TEST_CASE("stdlib regexp_count: empty matches step over bytes that are not UTF-8 as RE2::GlobalReplace does") {
  // The counts RE2::GlobalReplace(&text, RE2(""), "-") returns for the same texts.
  CHECK(count("\xc3\xa9", "") == 2);          // é: one step
  CHECK(count("\xe0\x80\x80", "") == 4);      // an overlong sequence: a step per byte
  CHECK(count("\xf4\x90\x80\x80", "") == 5);  // past U+10FFFF: a step per byte
  CHECK(count("\xed\xa0\x80", "") == 2);      // a surrogate: one step, as RE2 takes it
  CHECK(count("\xc3", "") == 2);              // a lead byte cut short
  CHECK(replace("\xe0\x80\x80", "", "-") == "-\xe0-\x80-\x80-");
}

TEST_CASE("stdlib regex: a call site's slot is filled once, with the cache's compiled pattern") {
  const flow_regex* slot = nullptr;
  int64_t lookups = flow::stdlib::regex_cache_lookups();
  CHECK(flow_regex_matches(&slot, str("b+"), str("abbc")) == 1);
  REQUIRE(slot != nullptr);
  const flow_regex* first = slot;
  CHECK(flow_regex_count(&slot, str("b+"), str("abbcb")) == 2);
  CHECK(slot == first);
  CHECK(flow::stdlib::regex_cache_lookups() == lookups + 1);
  const flow_regex* other_site = nullptr;
  CHECK(flow_regex_matches(&other_site, str("b+"), str("b")) == 1);
  CHECK(other_site == first);  // one compiled object per pattern
  CHECK(flow::stdlib::compile_regex("b+").ok);
  CHECK(flow::stdlib::regex_cache_lookups() == lookups + 2);  // the checker's compile is not cached
}

TEST_CASE("stdlib regex: without a slot, a thread looks a pattern up in the shared cache once") {
  int64_t lookups = flow::stdlib::regex_cache_lookups();
  for (int i = 0; i < 100; ++i) CHECK(matches("the evaluator's own pattern 42", "own pattern [0-9]+"));
  CHECK(flow::stdlib::regex_cache_lookups() == lookups + 1);
}

TEST_CASE("stdlib regex: a slot holding an owned pattern is used as it is, the cache untouched") {
  flow::stdlib::OwnedRegex owned = flow::stdlib::compile_owned_regex("[0-9]+");
  const flow_regex* slot = owned.get();
  int64_t lookups = flow::stdlib::regex_cache_lookups();
  // The pattern text is not read again once the slot is filled.
  CHECK(flow_regex_count(&slot, str("ignored"), str("a1b22")) == 2);
  CHECK(slot == owned.get());
  CHECK(flow::stdlib::regex_cache_lookups() == lookups);
}

TEST_CASE("stdlib regex: matching is linear, so a pattern that backtracks elsewhere is fast") {
  // (a+)+$ on "aaa…a!" takes exponential time in a backtracking engine; RE2 does not backtrack.
  std::string hostile(100000, 'a');
  hostile += '!';
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(matches(hostile, "(a+)+$"));
  CHECK(count(hostile, "(a|aa)+b") == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("stdlib compile_regex: RE2's reason for a bad pattern, the number of groups of a good one") {
  flow::stdlib::RegexInfo bad = flow::stdlib::compile_regex("(ab");
  CHECK_FALSE(bad.ok);
  CHECK(bad.fragment == "(ab");
  CHECK(bad.error.find("missing )") != std::string::npos);
  CHECK_FALSE(bad.too_large);
  CHECK_FALSE(flow::stdlib::compile_regex("(?=x)").ok);  // no lookaround in RE2
  CHECK(flow::stdlib::compile_regex("\\pL{1000}").too_large);
  flow::stdlib::RegexInfo good = flow::stdlib::compile_regex("(a)(?:b)(?P<c>c)");
  CHECK(good.ok);
  CHECK(good.groups == 2);
  // A pattern that does not compile never matches, extracts or replaces.
  CHECK_FALSE(matches("(ab", "(ab"));
  CHECK(extract("(ab", "(ab", 0) == "<null>");
  CHECK(replace("(ab", "(ab", "x") == "(ab");
  CHECK(count("(ab", "(ab") == 0);
}

TEST_CASE("stdlib check_replacement: group references within the groups and a doubled backslash, nothing else") {
  CHECK(flow::stdlib::check_replacement("<\\1>", 1).empty());
  CHECK(flow::stdlib::check_replacement("\\0\\\\", 0).empty());
  CHECK(flow::stdlib::check_replacement("plain", 0).empty());
  CHECK(flow::stdlib::check_replacement("\\2", 1) == "`\\2` names group 2, but the pattern has 1 capturing group");
  CHECK(flow::stdlib::check_replacement("\\n", 3).find("`\\n` is not an escape") == 0);
  CHECK(flow::stdlib::check_replacement("a\\", 0).find("lone `\\`") != std::string::npos);
}

namespace {

std::vector<std::string> regex_split(std::string_view s, std::string_view pattern) {
  alignas(8) char buffer[2048];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  flow_str_list list = flow_regex_split(&arena, nullptr, str(pattern), str(s));
  REQUIRE(arena.out_of_space == 0);
  std::vector<std::string> pieces;
  for (int64_t i = 0; i < list.count; ++i) pieces.emplace_back(to_view({list.items[i].data, list.items[i].len}));
  return pieces;
}

using Pieces = std::vector<std::string>;

}  // namespace

TEST_CASE("stdlib regexp_split: the pieces around the matches regexp_replace would replace") {
  CHECK(regex_split("Hello, world!", "\\W+") == Pieces{"Hello", "world", ""});
  CHECK(regex_split("  the quick fox", "\\W+") == Pieces{"", "the", "quick", "fox"});
  CHECK(regex_split("a1b22c333", "[0-9]+") == Pieces{"a", "b", "c", ""});
  CHECK(regex_split("abc", "x") == Pieces{"abc"});  // no match: the text
  CHECK(regex_split("", "x") == Pieces{""});
  CHECK(regex_split("a,,b", ",") == Pieces{"a", "", "b"});
  // Empty matches, as regexp_count counts them: between characters, and at both ends.
  CHECK(regex_split("ab", "") == Pieces{"", "a", "b", ""});
  CHECK(regex_split("baaa", "a*") == Pieces{"", "b", ""});
  CHECK(regex_split("héllo wörld", "\\s") == Pieces{"héllo", "wörld"});
  for (auto [s, pattern] : {std::pair{"a1b22c333", "[0-9]+"}, {"ab", ""}, {"baaa", "a*"}, {"x y  z", " +"}})
    CHECK(static_cast<int64_t>(regex_split(s, pattern).size()) == count(s, pattern) + 1);
}

TEST_CASE("stdlib regexp_split: a list that does not fit is the empty list with out_of_space") {
  alignas(8) char buffer[40];  // one item of 24 bytes
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  flow_str_list list = flow_regex_split(&arena, nullptr, str(","), str("a,b"));
  CHECK(list.count == 0);
  CHECK(arena.out_of_space == 1);
  CHECK(arena.used == 0);
}
