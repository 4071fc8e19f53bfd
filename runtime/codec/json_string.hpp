// The one escaper of JSON strings for data (records written to sinks, message keys, values in
// diffs and fixtures): control characters, `"` and `\\` escaped, well-formed UTF-8 copied, and
// every byte that is not part of well-formed UTF-8 written as U+FFFD — so one string reads the
// same in a record's value and in its key. `Output` is the arena (ArenaOutput: reserve, put,
// append) or a std::string (append_json_string). (The compiler's plan JSON has its own writer:
// plan text is the checked source's, not data.)
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime/codec/utf8_check.hpp"

namespace flow::runtime::json_string {

//! Bytes a string's escaping must look at: the ones JSON requires escaped, and every non-ASCII
//! byte, which is checked to be part of well-formed UTF-8.
inline constexpr std::array<bool, 256> special_bytes = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = table['\\'] = true;
  for (int c = 0x80; c < 0x100; ++c) table[c] = true;
  return table;
}();

//! special_bytes for eight bytes at once: whether any of them is one.
inline bool has_special_byte(const unsigned char* p) noexcept {
  constexpr uint64_t ones = 0x0101010101010101;
  constexpr uint64_t highs = 0x8080808080808080;
  uint64_t word;
  std::memcpy(&word, p, 8);
  auto has_zero = [](uint64_t x) { return (x - ones) & ~x & highs; };
  const uint64_t control = (word - ones * 0x20) & ~word & highs;  // a byte below 0x20 (or a high one)
  return ((word & highs) | control | has_zero(word ^ (ones * '"')) | has_zero(word ^ (ones * '\\'))) != 0;
}

inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

template <typename Output>
bool write_escape(Output& out, unsigned char c) noexcept {
  switch (c) {
    case '"': return out.append("\\\"");
    case '\\': return out.append("\\\\");
    case '\b': return out.append("\\b");
    case '\f': return out.append("\\f");
    case '\n': return out.append("\\n");
    case '\r': return out.append("\\r");
    case '\t': return out.append("\\t");
    default: {
      constexpr char hex[] = "0123456789abcdef";
      const char escape[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
      return out.append(std::string_view(escape, 6));
    }
  }
}

template <typename Output>
bool write_string(Output& out, std::string_view text) noexcept {
  if (!out.reserve(1)) return false;
  out.put('"');
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t run = 0;  // start of the bytes that are copied as they are
  std::size_t at = 0;
  auto flush = [&] {
    if (!out.reserve(static_cast<int64_t>(at - run))) return false;
    out.put(text.substr(run, at - run));
    return true;
  };
  while (at < size) {
    if (at + 8 <= size && !has_special_byte(bytes + at)) {
      at += 8;
      continue;
    }
    if (!special_bytes[bytes[at]]) {
      ++at;
      continue;
    }
    if (bytes[at] >= 0x80) {
      if (const int length = utf8_sequence_length(bytes + at, size - at); length > 0) {
        at += static_cast<std::size_t>(length);
        continue;
      }
      // Invalid UTF-8 would make the whole record unreadable downstream; U+FFFD keeps the rest.
      if (!flush() || !out.append(replacement_character)) return false;
    } else if (!flush() || !write_escape(out, bytes[at])) {
      return false;
    }
    run = ++at;
  }
  if (!flush() || !out.reserve(1)) return false;
  out.put('"');
  return true;
}


//! Appends to a std::string: reserve() always succeeds.
struct StringOutput {
  std::string& text;
  bool reserve(int64_t) noexcept { return true; }
  void put(char c) { text.push_back(c); }
  void put(std::string_view part) { text.append(part); }
  bool append(std::string_view part) {
    text.append(part);
    return true;
  }
};

}  // namespace flow::runtime::json_string

namespace flow::runtime {

//! `text` as a JSON string literal, quotes included, appended to `out`.
inline void append_json_string(std::string_view text, std::string& out) {
  json_string::StringOutput output{out};
  json_string::write_string(output, text);
}

}  // namespace flow::runtime
