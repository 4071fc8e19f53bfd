// Strict UTF-8 checking (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above
// U+10FFFF), for the decoder's invalid-UTF-8 path and the encoder's string escaping; and the JSON
// escapes that have no UTF-8 form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace flow::runtime {

//! Length (1 to 4) of the well-formed UTF-8 sequence at `p`, of which `available` bytes may be
//! read, or 0 if the bytes there are not one.
inline int utf8_sequence_length(const unsigned char* p, std::size_t available) noexcept {
  const unsigned char lead = p[0];
  if (lead < 0x80) return 1;
  auto continuation = [](unsigned char b, unsigned char low = 0x80, unsigned char high = 0xBF) {
    return b >= low && b <= high;
  };
  if (lead < 0xC2) return 0;  // a continuation byte, or the overlong C0/C1
  if (lead < 0xE0) return available >= 2 && continuation(p[1]) ? 2 : 0;
  if (lead < 0xF0) {
    if (available < 3) return 0;
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;   // E0 80..9F would be overlong
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;  // ED A0..BF would be a surrogate
    return continuation(p[1], low, high) && continuation(p[2]) ? 3 : 0;
  }
  if (lead < 0xF5) {
    if (available < 4) return 0;
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;   // F0 80..8F would be overlong
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;  // F4 90.. would exceed U+10FFFF
    return continuation(p[1], low, high) && continuation(p[2]) && continuation(p[3]) ? 4 : 0;
  }
  return 0;
}

//! Overwrites every byte of `text` that does not start or continue a well-formed sequence with
//! `replacement` (an ASCII byte) and appends its offset to `offsets`, in increasing order.
inline void mask_invalid_utf8(char* text, std::size_t size, char replacement, std::vector<int64_t>& offsets) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text);
  std::size_t at = 0;
  while (at < size) {
    const int length = utf8_sequence_length(bytes + at, size - at);
    if (length > 0) {
      at += static_cast<std::size_t>(length);
      continue;
    }
    text[at] = replacement;
    offsets.push_back(static_cast<int64_t>(at));
    ++at;
  }
}

//! The value of the four hex digits at `text[at]` (of a `\uXXXX` escape), or -1.
inline int32_t hex4(std::string_view text, std::size_t at) noexcept {
  if (at + 4 > text.size()) return -1;
  int32_t value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = text[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

//! Where in `text`, the raw content of a JSON string, the first `\uXXXX` escape of a surrogate
//! that is not half of a pair starts (such an escape has no UTF-8 form), or npos.
inline std::size_t find_lone_surrogate_escape(std::string_view text) noexcept {
  auto code_unit = [&](std::size_t at) -> int32_t {  // of the \uXXXX escape at `at`, or -1
    if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u') return -1;
    return hex4(text, at + 2);
  };
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (text[at] != '\\') continue;
    const int32_t unit = code_unit(at);
    if (unit < 0) {
      ++at;  // a one-character escape, such as \" or \\, or a malformed \u
      continue;
    }
    const bool high = unit >= 0xD800 && unit <= 0xDBFF;
    const bool low = unit >= 0xDC00 && unit <= 0xDFFF;
    if (high) {
      const int32_t next = code_unit(at + 6);
      if (next >= 0xDC00 && next <= 0xDFFF) {
        at += 11;
        continue;
      }
    }
    if (high || low) return at;
    at += 5;
  }
  return std::string_view::npos;
}

}  // namespace flow::runtime
