// Implementation of the lowering's helper functions (see runtime_support.h).
#include "compiler/codegen/runtime_support.h"

#include <bit>
#include <cstring>

#include "compiler/codegen/codegen.hpp"
#include "runtime/abi/flow_abi.h"
#include "runtime/codec/utf8_check.hpp"
#include "stdlib/symbol_table.hpp"

#include <algorithm>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <charconv>
#include <cstring>

namespace {

flow_str to_arena(flow_arena* arena, const char* text, size_t length) {
  if (!arena || arena->used + static_cast<int64_t>(length) > arena->capacity) {
    if (arena) arena->out_of_space = 1;
    return {"", 0};
  }
  char* out = arena->buffer + arena->used;
  std::memcpy(out, text, length);
  arena->used += static_cast<int64_t>(length);
  return {out, static_cast<int64_t>(length)};
}

}  // namespace

extern "C" int32_t flow_cg_str_compare(const char* a, int64_t a_len, const char* b, int64_t b_len) noexcept {
  int64_t common = std::min(a_len, b_len);
  int result = common > 0 ? std::memcmp(a, b, static_cast<size_t>(common)) : 0;
  if (result != 0) return result < 0 ? -1 : 1;
  return a_len < b_len ? -1 : (a_len > b_len ? 1 : 0);
}

extern "C" flow_str flow_cg_format_int(flow_arena* arena, int64_t value) noexcept {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return to_arena(arena, buffer, static_cast<size_t>(result.ptr - buffer));
}

extern "C" flow_str flow_cg_format_float(flow_arena* arena, double value) noexcept {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return to_arena(arena, buffer, static_cast<size_t>(result.ptr - buffer));
}

extern "C" flow_str flow_cg_list_append(flow_arena* arena, const void* items, int64_t count, const void* element,
                                        int64_t max) noexcept {
  // flow_value elements: 8-byte aligned in the arena, which packs strings unaligned.
  constexpr int64_t size = sizeof(flow_value), align = alignof(flow_value);
  int64_t kept = count < 0 ? 0 : count;
  if (max > 0 && kept >= max) kept = max - 1;
  int64_t start = arena ? (arena->used + align - 1) / align * align : 0;
  if (!arena || !arena->buffer || start + (kept + 1) * size > arena->capacity) {
    if (arena) arena->out_of_space = 1;
    return {nullptr, 0};
  }
  auto* out = reinterpret_cast<flow_value*>(arena->buffer + start);
  if (kept > 0) std::memcpy(out, static_cast<const flow_value*>(items) + (count - kept), kept * size);
  std::memcpy(out + kept, element, size);
  arena->used = start + (kept + 1) * size;
  return {reinterpret_cast<const char*>(out), kept + 1};
}

extern "C" int32_t flow_cg_list_contains(const void* items, int64_t count, int32_t kind, int64_t bits,
                                         int64_t len) noexcept {
  const auto* elements = static_cast<const flow_value*>(items);
  for (int64_t i = 0; i < count; ++i) {
    const flow_value& e = elements[i];
    if (e.is_null) continue;
    switch (kind) {
      case 0:
        if (e.bits == bits) return 1;
        break;
      case 1:
        if (std::bit_cast<double>(e.bits) == std::bit_cast<double>(bits)) return 1;
        break;
      default:
        if (e.len == len && (len == 0 || std::memcmp(reinterpret_cast<const void*>(e.bits),
                                                     reinterpret_cast<const void*>(bits), static_cast<size_t>(len)) == 0))
          return 1;
        break;
    }
  }
  return 0;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

//! Plain-form integer digits from `at` into `*magnitude`, at most `max_digits` of them; the
//! position after them or -1.
int64_t plain_integer(const char* json, int64_t len, int64_t at, int max_digits, bool& negative,
                      int64_t& magnitude) {
  negative = false;
  if (at < len && json[at] == '-') {
    negative = true;
    ++at;
  }
  if (at >= len || !is_digit(json[at])) return -1;
  int64_t value = 0;
  if (json[at] == '0') {
    ++at;
    if (negative) return -1;  // `-0`: left to the full decoder
  } else {
    int digits = 0;
    while (at < len && is_digit(json[at])) {
      if (++digits > max_digits) return -1;
      value = value * 10 + (json[at] - '0');
      ++at;
    }
  }
  if (at < len && (is_digit(json[at]) || json[at] == '.' || json[at] == 'e' || json[at] == 'E')) return -1;
  magnitude = value;
  return at;
}

}  // namespace

extern "C" int64_t flow_cg_scan_string(const char* json, int64_t len, int64_t at) noexcept {
  constexpr uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  const auto* bytes = reinterpret_cast<const unsigned char*>(json);
  while (at < len) {
#if defined(__SSE2__)
    // Sixteen bytes at a time, then straight to the first that is not plain ASCII text (signed,
    // every byte from 0x80 is below 0x20 too).
    while (at + 16 <= len) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + at));
      const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                        _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                           _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
      const int mask = _mm_movemask_epi8(special);
      if (mask != 0) {
        at += __builtin_ctz(static_cast<unsigned>(mask));
        break;
      }
      at += 16;
    }
#endif
    // Eight plain ASCII bytes at a time (no quote, backslash, control character or high byte).
    while (at + 8 <= len) {
      uint64_t word;
      std::memcpy(&word, bytes + at, 8);
      const uint64_t quote = word ^ (ones * '"'), slash = word ^ (ones * '\\');
      const uint64_t special = ((quote - ones) & ~quote) | ((slash - ones) & ~slash) | ((word - ones * 0x20) & ~word) |
                               word;
      if ((special & highs) != 0) break;
      at += 8;
    }
    if (at >= len) break;
    const unsigned char c = bytes[at];
    if (c == '"') return at;
    if (c == '\\' || c < 0x20) return -1;
    if (c < 0x80) {
      ++at;
      continue;
    }
    const int length = flow::runtime::utf8_sequence_length(bytes + at, static_cast<std::size_t>(len - at));
    if (length == 0) return -1;
    at += length;
  }
  return -1;
}

extern "C" int64_t flow_cg_parse_int(const char* json, int64_t len, int64_t at, int64_t* out) noexcept {
  bool negative = false;
  int64_t magnitude = 0;
  at = plain_integer(json, len, at, 18, negative, magnitude);
  if (at >= 0) *out = negative ? -magnitude : magnitude;
  return at;
}

extern "C" int64_t flow_cg_parse_float(const char* json, int64_t len, int64_t at, double* out) noexcept {
  bool negative = false;
  int64_t magnitude = 0;
  at = plain_integer(json, len, at, 15, negative, magnitude);  // below 2^53: exact as a double
  if (at >= 0) *out = negative ? -static_cast<double>(magnitude) : static_cast<double>(magnitude);
  return at;
}

extern "C" int32_t flow_cg_literal(const char* json, int64_t len, int64_t at) noexcept {
  const int64_t left = len - at;
  if (left >= 4 && std::memcmp(json + at, "true", 4) == 0) return 1;
  if (left >= 5 && std::memcmp(json + at, "false", 5) == 0) return 2;
  if (left >= 4 && std::memcmp(json + at, "null", 4) == 0) return 3;
  return 0;
}

extern "C" int64_t flow_cg_skip_scalar(const char* json, int64_t len, int64_t at) noexcept {
  if (at < 0 || at >= len) return -1;
  const char c = json[at];
  if (c == '"') {
    const int64_t end = flow_cg_scan_string(json, len, at + 1);
    return end < 0 ? -1 : end + 1;
  }
  if (c == 't' || c == 'f' || c == 'n') {
    const int32_t literal = flow_cg_literal(json, len, at);
    return literal == 0 ? -1 : at + (literal == 2 ? 5 : 4);
  }
  // number = [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
  auto digits = [&] {
    const int64_t first = at;
    while (at < len && is_digit(json[at])) ++at;
    return at > first;
  };
  if (json[at] == '-') ++at;
  if (at < len && json[at] == '0') {
    ++at;
  } else if (!digits()) {
    return -1;
  }
  if (at < len && json[at] == '.') {
    ++at;
    if (!digits()) return -1;
  }
  if (at < len && (json[at] == 'e' || json[at] == 'E')) {
    ++at;
    if (at < len && (json[at] == '+' || json[at] == '-')) ++at;
    if (!digits()) return -1;
  }
  return at;
}

extern "C" int64_t flow_cg_skip_blanks(const char* json, int64_t len, int64_t at) noexcept {
  while (at < len && (json[at] == ' ' || json[at] == '\t' || json[at] == '\n' || json[at] == '\r')) ++at;
  return at;
}

extern "C" int64_t flow_cg_colon(const char* json, int64_t len, int64_t quote) noexcept {
  int64_t at = flow_cg_skip_blanks(json, len, quote + 1);
  if (at >= len || json[at] != ':') return -1;
  return flow_cg_skip_blanks(json, len, at + 1);
}

namespace flow::compiler::codegen {

std::vector<HostSymbol> callable_symbols(const std::vector<HostSymbol>& host) {
  std::vector<HostSymbol> symbols;
  for (const auto& symbol : stdlib::symbols()) symbols.push_back({std::string(symbol.name), symbol.address});
  symbols.push_back({"flow_cg_str_compare", reinterpret_cast<const void*>(&flow_cg_str_compare)});
  symbols.push_back({"flow_cg_format_int", reinterpret_cast<const void*>(&flow_cg_format_int)});
  symbols.push_back({"flow_cg_format_float", reinterpret_cast<const void*>(&flow_cg_format_float)});
  symbols.push_back({"flow_cg_list_append", reinterpret_cast<const void*>(&flow_cg_list_append)});
  symbols.push_back({"flow_cg_list_contains", reinterpret_cast<const void*>(&flow_cg_list_contains)});
  symbols.push_back({"flow_cg_scan_string", reinterpret_cast<const void*>(&flow_cg_scan_string)});
  symbols.push_back({"flow_cg_parse_int", reinterpret_cast<const void*>(&flow_cg_parse_int)});
  symbols.push_back({"flow_cg_parse_float", reinterpret_cast<const void*>(&flow_cg_parse_float)});
  symbols.push_back({"flow_cg_literal", reinterpret_cast<const void*>(&flow_cg_literal)});
  symbols.push_back({"flow_cg_skip_scalar", reinterpret_cast<const void*>(&flow_cg_skip_scalar)});
  symbols.push_back({"flow_cg_colon", reinterpret_cast<const void*>(&flow_cg_colon)});
  symbols.push_back({"flow_cg_skip_blanks", reinterpret_cast<const void*>(&flow_cg_skip_blanks)});
  symbols.insert(symbols.end(), host.begin(), host.end());
  return symbols;
}

}  // namespace flow::compiler::codegen
