// libFuzzer target for the regular-expression built-ins (stdlib/regex_functions.cpp): any bytes
// as a pattern and a text. The checker's compile_regex must agree with RE2; the functions must
// never crash or hang (RE2 is linear; -timeout catches a loop of ours), agree with each other
// (a match exists exactly when the count is positive, and regexp_extract's group 0 then lies in
// the text), and replace exactly as RE2::GlobalReplace does, with the same count; replacing
// every match by itself (`\0`) gives the text back; a small arena either holds the whole result
// or says it is out of space; regexp_split's pieces are the text around regexp_count's matches.
// Run with scripts/fuzz regex (docs/testing.md).
#include <re2/re2.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "stdlib/flow_stdlib.h"
#include "stdlib/regex.hpp"
#include "stdlib/str_view.hpp"

using flow::stdlib::to_flow_str;
using flow::stdlib::to_view;

namespace {

[[noreturn]] void fail(const char* what, std::string_view pattern, std::string_view text) {
  std::fprintf(stderr, "regex_fuzzer: %s\n  pattern (%zu bytes): %.*s\n  text (%zu bytes): %.*s\n", what,
               pattern.size(), static_cast<int>(pattern.size()), pattern.data(), text.size(),
               static_cast<int>(text.size()), text.data());
  std::abort();
}

bool within(flow_str part, std::string_view text) {
  if (part.len == 0) return true;
  return part.data >= text.data() && part.data + part.len <= text.data() + text.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte is the pattern's length (what is left if it is longer); the rest is the text.
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view pattern = bytes.substr(0, std::min<size_t>(data[0], bytes.size()));
  const std::string_view text = bytes.substr(pattern.size());
  const flow_str p = to_flow_str(pattern), s = to_flow_str(text);

  RE2::Options options;
  options.set_log_errors(false);
  RE2 reference(re2::StringPiece(pattern.data(), pattern.size()), options);
  flow::stdlib::RegexInfo info = flow::stdlib::compile_regex(pattern);
  if (info.ok != reference.ok()) fail("compile_regex and RE2 disagree on whether the pattern compiles", pattern, text);
  if (info.ok && info.groups != reference.NumberOfCapturingGroups()) fail("the group counts differ", pattern, text);
  if (!info.ok && info.error.empty()) fail("a pattern that does not compile has no reason", pattern, text);

  // An owned pattern in a slot: the process-wide cache would keep every pattern the fuzzer makes.
  flow::stdlib::OwnedRegex owned = flow::stdlib::compile_owned_regex(pattern);
  const flow_regex* slot = owned.get();

  const bool matches = flow_regex_matches(&slot, p, s) != 0;
  const int64_t count = flow_regex_count(&slot, p, s);
  if (!info.ok && (matches || count != 0)) fail("a pattern that does not compile matched", pattern, text);
  if (matches != (count > 0)) fail("regexp_matches and regexp_count disagree", pattern, text);
  flow_str whole = flow_regex_extract(&slot, p, s, 0);
  if ((whole.len >= 0) != matches) fail("regexp_extract's group 0 and regexp_matches disagree", pattern, text);
  if (whole.len >= 0 && !within(whole, text)) fail("group 0 lies outside the text", pattern, text);
  for (int group = 1; group <= std::min(info.groups, 20); ++group) {
    flow_str found = flow_regex_extract(&slot, p, s, group);
    if (found.len >= 0 && (!matches || !within(found, text))) fail("a group lies outside the text", pattern, text);
  }
  if (!info.ok) return 0;

  alignas(8) static char big_buffer[1 << 20];
  static char small_buffer[64];
  {
    // regexp_split: one piece more than regexp_count, each inside the text, and together the text
    // without its matches (what replacing every match by nothing leaves).
    flow_arena arena;
    flow_arena_init(&arena, big_buffer, sizeof big_buffer);
    flow_str_list pieces = flow_regex_split(&arena, &slot, p, s);
    if (!arena.out_of_space) {
      if (pieces.count != count + 1) fail("regexp_split's pieces are not regexp_count + 1", pattern, text);
      std::string joined;
      for (int64_t i = 0; i < pieces.count; ++i) {
        const flow_str piece{pieces.items[i].data, pieces.items[i].len};
        if (pieces.items[i].is_null || !within(piece, text)) fail("a piece lies outside the text", pattern, text);
        joined += to_view(piece);
      }
      std::string expected(text);
      RE2::GlobalReplace(&expected, reference, "");
      if (joined != expected) fail("regexp_split's pieces are not the text without its matches", pattern, text);
    }
  }
  for (std::string_view rewrite : {"\\0", "", "x", "<\\1>", "\\2\\1", "\\\\"}) {
    if (!flow::stdlib::check_replacement(rewrite, info.groups).empty()) continue;
    std::string expected(text);
    int replaced = RE2::GlobalReplace(&expected, reference, re2::StringPiece(rewrite.data(), rewrite.size()));
    if (replaced != count) fail("regexp_count differs from RE2::GlobalReplace's count", pattern, text);
    flow_arena arena;
    flow_arena_init(&arena, big_buffer, sizeof big_buffer);
    flow_str out = flow_regex_replace(&arena, &slot, p, s, to_flow_str(rewrite));
    if (arena.out_of_space) continue;  // a result past 1 MiB (at most 4 KiB of input): nothing to compare
    if (to_view(out) != expected) fail("regexp_replace differs from RE2::GlobalReplace", pattern, text);
    if (rewrite == "\\0" && to_view(out) != text) fail("replacing each match by itself changed the text", pattern, text);
    flow_arena small;
    flow_arena_init(&small, small_buffer, static_cast<int64_t>(text.size() % sizeof small_buffer));
    flow_str squeezed = flow_regex_replace(&small, &slot, p, s, to_flow_str(rewrite));
    if (small.out_of_space ? !to_view(squeezed).empty() : to_view(squeezed) != expected)
      fail("a small arena gave a partial or different result", pattern, text);
  }
  return 0;
}
