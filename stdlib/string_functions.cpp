// The string built-ins: len, lower, upper, contains, starts_with, ends_with, substr, concat and
// split_part, split. Slices (substr, split_part) are views into the input; only new text uses the arena.
#include <cstring>
#include <limits>
#include <string_view>

#include "stdlib/arena.hpp"
#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"
#include "stdlib/utf8.hpp"

using flow::stdlib::to_flow_str;
using flow::stdlib::to_view;

namespace {

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr char ascii_upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

//! Maps every byte through `convert`; returns the input itself when nothing changes, which saves
//! the copy for the common case of already-normalised keys.
template <char (*convert)(char)>
flow_str map_ascii(flow_arena* arena, flow_str s) noexcept {
  const std::string_view text = to_view(s);
  std::size_t first_change = 0;
  while (first_change < text.size() && convert(text[first_change]) == text[first_change]) ++first_change;
  if (first_change == text.size()) return to_flow_str(text);
  char* out = flow::stdlib::arena_allocate(arena, static_cast<int64_t>(text.size()));
  if (out == nullptr) return to_flow_str({});
  std::memcpy(out, text.data(), first_change);
  for (std::size_t i = first_change; i < text.size(); ++i) out[i] = convert(text[i]);
  return {out, static_cast<int64_t>(text.size())};
}

int64_t saturating_add(int64_t a, int64_t b) noexcept {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

//! How many parts splitting `text` at every non-overlapping `delimiter`, left to right, gives;
//! `delimiter` must not be empty.
int64_t count_parts(std::string_view text, std::string_view delimiter) noexcept {
  int64_t parts = 1;
  for (std::size_t at = text.find(delimiter); at != std::string_view::npos;
       at = text.find(delimiter, at + delimiter.size()))
    ++parts;
  return parts;
}

}  // namespace

extern "C" {

int64_t flow_str_len(flow_str s) noexcept { return flow::stdlib::utf8_count(to_view(s)); }

flow_str flow_str_lower(flow_arena* arena, flow_str s) noexcept { return map_ascii<ascii_lower>(arena, s); }

flow_str flow_str_upper(flow_arena* arena, flow_str s) noexcept { return map_ascii<ascii_upper>(arena, s); }

flow_bool flow_str_contains(flow_str s, flow_str needle) noexcept {
  return to_view(s).find(to_view(needle)) != std::string_view::npos ? 1 : 0;
}

flow_bool flow_str_starts_with(flow_str s, flow_str prefix) noexcept {
  return to_view(s).starts_with(to_view(prefix)) ? 1 : 0;
}

flow_bool flow_str_ends_with(flow_str s, flow_str suffix) noexcept {
  return to_view(s).ends_with(to_view(suffix)) ? 1 : 0;
}

// Spark's substring rules: start > 0 is 1-based, start < 0 counts from the end, start = 0 acts
// as 1; the window [start, start + length) is then clipped to the string.
flow_str flow_str_substr(flow_str s, int64_t start, int64_t length) noexcept {
  const std::string_view text = to_view(s);
  int64_t first = 0;
  if (start > 0) first = start - 1;
  else if (start < 0) first = saturating_add(flow::stdlib::utf8_count(text), start);
  const int64_t end = saturating_add(first, length);
  if (first < 0) first = 0;
  if (first >= end) return to_flow_str({});
  const int64_t begin_byte = flow::stdlib::utf8_skip(text, 0, first);
  const int64_t end_byte = flow::stdlib::utf8_skip(text, begin_byte, end - first);
  return to_flow_str(
      text.substr(static_cast<std::size_t>(begin_byte), static_cast<std::size_t>(end_byte - begin_byte)));
}

flow_str flow_str_concat(flow_arena* arena, flow_str a, flow_str b) noexcept {
  const flow_str parts[] = {a, b};
  return flow_str_concat_n(arena, parts, 2);
}

flow_str flow_str_concat_n(flow_arena* arena, const flow_str* parts, int64_t count) noexcept {
  if (parts == nullptr || count <= 0) return to_flow_str({});
  int64_t total = 0;
  int64_t non_empty = 0;
  int64_t last_non_empty = 0;
  for (int64_t i = 0; i < count; ++i) {
    const auto size = static_cast<int64_t>(to_view(parts[i]).size());
    if (size == 0) continue;
    // Saturating keeps an absurd total an allocation failure rather than a signed overflow.
    total = saturating_add(total, size);
    ++non_empty;
    last_non_empty = i;
  }
  if (non_empty == 0) return to_flow_str({});
  if (non_empty == 1) return to_flow_str(to_view(parts[last_non_empty]));
  char* out = flow::stdlib::arena_allocate(arena, total);
  if (out == nullptr) return to_flow_str({});
  int64_t at = 0;
  for (int64_t i = 0; i < count; ++i) {
    const std::string_view part = to_view(parts[i]);
    if (part.empty()) continue;
    std::memcpy(out + at, part.data(), part.size());
    at += static_cast<int64_t>(part.size());
  }
  return {out, total};
}

// Spark's split_part: an empty delimiter does not split, part 0 and parts past either end are
// the empty string (Spark raises an error for 0; a per-record error has nowhere to go here).
flow_str flow_str_split_part(flow_str s, flow_str delimiter, int64_t n) noexcept {
  const std::string_view text = to_view(s);
  const std::string_view delim = to_view(delimiter);
  if (n == 0) return to_flow_str({});
  if (delim.empty()) return n == 1 || n == -1 ? to_flow_str(text) : to_flow_str({});
  if (n < 0) {
    // Counting from the end must give the same parts as counting from the start, so an
    // overlapping delimiter ("aa" in "aaa") splits the same way in both directions.
    n = saturating_add(count_parts(text, delim), n) + 1;
    if (n < 1) return to_flow_str({});
  }
  std::size_t part_begin = 0;
  for (int64_t part = 1; part < n; ++part) {
    const std::size_t at = text.find(delim, part_begin);
    if (at == std::string_view::npos) return to_flow_str({});
    part_begin = at + delim.size();
  }
  const std::size_t part_end = text.find(delim, part_begin);
  return to_flow_str(text.substr(part_begin, part_end == std::string_view::npos ? std::string_view::npos
                                                                                   : part_end - part_begin));
}

flow_str_list flow_str_split(flow_arena* arena, flow_str s, flow_str separator) noexcept {
  const std::string_view text = to_view(s);
  const std::string_view sep = to_view(separator);
  flow::stdlib::StrListWriter out(arena);
  if (sep.empty()) {
    out.append(text);
    return out.finish();
  }
  std::size_t begin = 0;
  for (std::size_t at = text.find(sep); at != std::string_view::npos; at = text.find(sep, begin)) {
    out.append(text.substr(begin, at - begin));
    begin = at + sep.size();
  }
  out.append(text.substr(begin));
  return out.finish();
}

}  // extern "C"
