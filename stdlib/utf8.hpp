// Walking UTF-8 by code point, for the string functions that count characters (len, substr).
// Invalid bytes never stop the walk: each one counts as a character of its own.
#pragma once

#include <cstdint>
#include <string_view>

namespace flow::stdlib {

//! Bytes in the character that starts at `text[at]` (1 to 4). A lead byte counts as a character
//! of its own when the continuation bytes it announces are missing, so any input is walkable.
inline int64_t utf8_char_size(std::string_view text, int64_t at) noexcept {
  const auto lead = static_cast<unsigned char>(text[static_cast<std::size_t>(at)]);
  int64_t expected = 1;
  if (lead >= 0xC2 && lead <= 0xDF) expected = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) expected = 3;
  else if (lead >= 0xF0 && lead <= 0xF4) expected = 4;
  if (expected == 1) return 1;
  if (at + expected > static_cast<int64_t>(text.size())) return 1;
  for (int64_t i = 1; i < expected; ++i) {
    const auto next = static_cast<unsigned char>(text[static_cast<std::size_t>(at + i)]);
    if ((next & 0xC0) != 0x80) return 1;
  }
  return expected;
}

//! Number of characters (code points) in `text`.
int64_t utf8_count(std::string_view text) noexcept;

//! Byte offset reached by skipping `count` characters from byte offset `from`; stops at the end.
int64_t utf8_skip(std::string_view text, int64_t from, int64_t count) noexcept;

}  // namespace flow::stdlib
