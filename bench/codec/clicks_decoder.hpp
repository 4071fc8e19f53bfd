// What a code generator could emit instead of calling flow_json_decode: a decoder written for one
// schema, here the benchmark's clicks (user: string, url: string, bytes: int, ts: timestamp, none
// nullable), that reads the record's bytes in one pass, without simdjson and without copying them.
// The field names, their types and which of them the queries need are known when it is compiled.
//
// It decides records as flow_json_decode does (runtime/codec/json_codec.hpp): where simdjson's
// on-demand parser is lenient it is lenient in the same way (the insides of skipped arrays and
// objects, skipped scalars), and where simdjson reads the whole record before decoding anything it
// looks at the whole record before it reports a failure. decode_bench.cpp checks that both agree
// on a batch and on edge records. One difference is deliberate: a skipped value that does not start
// like a JSON value (`"x":,1]`, `"x":"a":[]}`, `"x":}`) is malformed JSON here, as json_codec.hpp
// says, where simdjson's skipping lets some of them through.
#pragma once

#include <emmintrin.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"
#include "runtime/codec/arena_output.hpp"
#include "runtime/codec/decode_failure.hpp"
#include "runtime/codec/json_number.hpp"
#include "runtime/codec/rfc3339.hpp"
#include "runtime/codec/utf8_check.hpp"

namespace flow::bench {

// ---- Scanning JSON text: what the generator's support code would provide for every schema ----
namespace json_scan {

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

//! Where simdjson ends a number or literal: at a blank or a structural character.
inline bool ends_token(char c) {
  static constexpr std::array<bool, 256> token_ends = [] {
    std::array<bool, 256> ends{};
    for (const unsigned char end : {' ', '\t', '\n', '\r', ',', '}', ']', ':', '[', '{'}) ends[end] = true;
    return ends;
  }();
  return token_ends[static_cast<unsigned char>(c)];
}

//! Blanks are rare between tokens, so the common case is one comparison.
inline const char* skip_blanks(const char* at, const char* end) {
  while (at < end && static_cast<unsigned char>(*at) <= ' ' && is_blank(*at)) ++at;
  return at;
}

//! A backslash, inside a string or not, keeps a quote or backslash right after it from counting as
//! one (simdjson's first pass reads them this way everywhere); any other byte after it is looked at
//! as itself. Returns where scanning goes on after the backslash at `at`.
inline const char* after_backslash(const char* at, const char* end) {
  return at + 1 < end && (at[1] == '"' || at[1] == '\\') ? at + 2 : at + 1;
}

//! The bytes among the 16 at `at` (bit i for byte i) that a string scan stops at: a quote, a
//! backslash, a control character and, with `WithNonAscii`, any byte of a multi-byte character.
//! SSE2, which every x86-64 processor has: what a generator targeting any of them could emit.
template <bool WithNonAscii> [[gnu::always_inline]] inline unsigned string_stops(const char* at) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  const __m128i quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'));
  // Compared as signed bytes, those of multi-byte characters (0x80 and up) are below 0x20 too.
  const __m128i control = WithNonAscii ? _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20))
                                       : _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1F)), bytes);
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)));
}

//! string_stops() for one byte.
template <bool WithNonAscii> bool is_string_stop(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte == '"' || byte == '\\' || byte < 0x20 || (WithNonAscii && byte >= 0x80);
}

//! The record (or any text) being scanned: scans read 16 bytes at a time, never outside it.
struct Text {
  const char* begin;
  const char* end;
};

//! The first byte from `at` on that a string scan stops at, or the text's end.
template <bool WithNonAscii> [[gnu::always_inline]] inline const char* next_string_stop(const char* at, Text text) {
  for (; text.end - at >= 16; at += 16)
    if (const unsigned stops = string_stops<WithNonAscii>(at); stops != 0) return at + std::countr_zero(stops);
  if (at == text.end) return at;
  if (text.end - text.begin >= 16) {
    // Fewer than 16 bytes are left: look at the text's last 16, without those before `at`.
    const char* const last_16 = text.end - 16;
    const unsigned stops = string_stops<WithNonAscii>(last_16) >> (at - last_16);
    return stops != 0 ? at + std::countr_zero(stops) : text.end;
  }
  while (at < text.end && !is_string_stop<WithNonAscii>(*at)) ++at;  // a text shorter than 16 bytes
  return at;
}

// Integers are read eight digits at a time, as simdjson reads them: the first byte of a word read
// from memory is its lowest.
static_assert(std::endian::native == std::endian::little);
constexpr uint64_t ones = 0x0101010101010101;
constexpr uint64_t highs = 0x8080808080808080;

//! The number of ASCII digits that start the 8 bytes of `word`, 0 to 8.
inline int leading_digits(uint64_t word) {
  // A byte is a digit if its high nibble is 3 and adding 6 keeps it 3; a carry out of a byte that
  // is not a digit can only spoil the bytes after it.
  const uint64_t differs =
      ((word & 0xF0F0F0F0F0F0F0F0) | ((word + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4) ^ 0x3333333333333333;
  const uint64_t not_digit = (((differs & 0x7F7F7F7F7F7F7F7F) + 0x7F7F7F7F7F7F7F7F) | differs) & highs;
  return not_digit == 0 ? 8 : std::countr_zero(not_digit) / 8;
}

//! The value of the first `count` (1 to 8) digits of `word`, in three multiplications.
inline uint64_t digits_value(uint64_t word, int count) {
  // The digits moved to the top bytes, the bytes below them zeros: leading zero digits.
  uint64_t digits = (word - ones * '0') << (8 * (8 - count));
  digits = digits * 10 + (digits >> 8);  // pairs of digits
  return (((digits & 0x000000FF000000FF) * (100 + (1000000ULL << 32))) +
          (((digits >> 16) & 0x000000FF000000FF) * (1 + (10000ULL << 32)))) >>
         32;
}

//! The digits from `at` on: their count and, if at most 19, their value (which fits 64 bits).
struct Digits {
  std::ptrdiff_t count;
  uint64_t value;
};

inline Digits read_digits(const char* at, const char* end) {
  Digits digits{0, 0};
  // Eight bytes at a time, as long as eight can be read and the count can still fit 64 bits.
  while (end - at >= 8 && digits.count <= 19) {
    uint64_t word;
    std::memcpy(&word, at, 8);
    const int count = leading_digits(word);
    if (count == 0) return digits;
    static constexpr uint64_t powers_of_ten[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    digits.value = digits.value * powers_of_ten[count] + digits_value(word, count);
    digits.count += count;
    at += count;
    if (count < 8) return digits;
  }
  for (; at < end && static_cast<unsigned>(*at - '0') < 10; ++at, ++digits.count)
    digits.value = digits.value * 10 + static_cast<uint64_t>(*at - '0');
  return digits;
}

enum class StringEnd { Closed, Unclosed, ControlCharacter, InvalidUtf8 };

struct ScannedString {
  StringEnd outcome;
  const char* stop;  //!< Closed: the closing quote; otherwise the offending byte, or the record's end
  bool escaped;      //!< a backslash was seen
};

//! Scans a string from just after its opening quote to its closing quote. A control character in
//! it, even after a backslash, makes the record malformed, as in simdjson's first pass. With
//! `CheckUtf8` (strings the decoder returns) every multi-byte character is checked; the strings it
//! skips may hold invalid UTF-8, as flow_json_decode allows. Escapes are only noted: what they
//! mean matters only to strings that are unescaped, later.
template <bool CheckUtf8> [[gnu::always_inline]] inline ScannedString scan_string(const char* at, Text text) {
  bool escaped = false;
  while (true) {
    at = next_string_stop<CheckUtf8>(at, text);
    if (at == text.end) return {StringEnd::Unclosed, at, escaped};
    const auto byte = static_cast<unsigned char>(*at);
    if (byte == '"') return {StringEnd::Closed, at, escaped};
    if (byte == '\\') {
      escaped = true;
      at = after_backslash(at, text.end);
      continue;
    }
    if (byte < 0x20) return {StringEnd::ControlCharacter, at, escaped};
    const int length = runtime::utf8_sequence_length(reinterpret_cast<const unsigned char*>(at),
                                                     static_cast<std::size_t>(text.end - at));
    if (length == 0) return {StringEnd::InvalidUtf8, at, escaped};
    at += length;
  }
}

//! The end of the token at `at` that is no string or bracket (a number, a literal, or bytes that
//! are not JSON): up to a blank or a structural character. A string glued to it (`12"x"`) is part
//! of it, as for simdjson. nullptr if that string is not closed.
inline const char* token_end(const char* at, Text text) {
  while (at < text.end && !ends_token(*at)) {
    if (*at == '"') {
      const ScannedString glued = scan_string<false>(at + 1, text);
      return glued.outcome == StringEnd::Closed ? glued.stop + 1 : nullptr;
    }
    at = *at == '\\' ? after_backslash(at, text.end) : at + 1;
  }
  return at;
}

//! Skips what follows an opening bracket the way simdjson's on-demand parser skips a value it does
//! not read: brackets of either kind are counted, not matched, and nothing inside but strings is
//! looked at. Returns the end of the value, or nullptr if the record ends first.
inline const char* skip_nested(const char* at, Text text) {
  int64_t depth = 1;
  while (at < text.end) {
    switch (*at) {
      case '"': {
        const ScannedString skipped = scan_string<false>(at + 1, text);
        if (skipped.outcome != StringEnd::Closed) return nullptr;
        at = skipped.stop + 1;
        continue;
      }
      case '\\': at = after_backslash(at, text.end); continue;
      case '[':
      case '{': ++depth; break;
      case ']':
      case '}':
        if (--depth == 0) return at + 1;
        break;
      default: break;
    }
    ++at;
  }
  return nullptr;
}

//! Skips the value at `at` (not a blank) that no query reads; nullptr if there is no value there.
inline const char* skip_value(const char* at, Text text) {
  switch (*at) {
    case '"': {
      const ScannedString skipped = scan_string<false>(at + 1, text);
      return skipped.outcome == StringEnd::Closed ? skipped.stop + 1 : nullptr;
    }
    case '[':
    case '{': return skip_nested(at + 1, text);
    case ']':
    case '}':
    case ',':
    case ':': return nullptr;
    default: return token_end(at, text);
  }
}

//! What simdjson's first pass, which reads the whole record before anything is decoded, refuses:
//! a string that is not closed or holds a control character. Checked only once a record has
//! failed, so that a record with several problems fails for the same one under both decoders.
inline const char* first_pass_problem(Text text) {
  const char* at = text.begin;
  while (at < text.end) {
    if (*at == '\\') {
      at = after_backslash(at, text.end);
      continue;
    }
    if (*at != '"') {
      ++at;
      continue;
    }
    const ScannedString string = scan_string<false>(at + 1, text);
    if (string.outcome == StringEnd::Unclosed) return "a string is not closed (truncated?)";
    if (string.outcome == StringEnd::ControlCharacter)
      return "a string contains a control character that is not escaped";
    at = string.stop + 1;
  }
  return nullptr;
}


inline void append_utf8(std::string& out, int32_t code_point) {
  const auto c = static_cast<uint32_t>(code_point);
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | c >> 18);
    out += static_cast<char>(0x80 | (c >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

//! Unescapes the raw content of a JSON string (already scanned) into `out`. False at an escape
//! JSON does not have, or one that decodes to a surrogate that is not half of a pair: simdjson
//! refuses both.
inline bool unescape(std::string_view raw, std::string& out) {
  out.clear();
  std::size_t at = 0;
  while (true) {
    const std::size_t backslash = raw.find('\\', at);
    out.append(raw.substr(at, backslash - at));
    if (backslash == std::string_view::npos) return true;
    if (backslash + 1 == raw.size()) return false;
    at = backslash + 2;
    switch (raw[backslash + 1]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        int32_t unit = runtime::hex4(raw, at);
        at += 4;
        if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return false;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          const int32_t low = raw.substr(at, 2) == "\\u" ? runtime::hex4(raw, at + 2) : -1;
          if (low < 0xDC00 || low > 0xDFFF) return false;
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          at += 6;
        }
        append_utf8(out, unit);
        break;
      }
      default: return false;
    }
  }
}

//! The first byte of `text` that does not start or continue a well-formed UTF-8 sequence, or
//! nullptr.
inline const char* first_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t at = 0; at < text.size();) {
    const int length = runtime::utf8_sequence_length(bytes + at, text.size() - at);
    if (length == 0) return text.data() + at;
    at += static_cast<std::size_t>(length);
  }
  return nullptr;
}

}  // namespace json_scan

// ---- The code emitted for the clicks schema ----

//! The clicks schema's fields in schema order: each one's slot in `fields`.
enum ClicksField : unsigned { clicks_user, clicks_url, clicks_bytes, clicks_ts, clicks_field_count };

//! The bit of a field in a set of needed fields.
constexpr unsigned needs(ClicksField field) { return 1u << field; }

//! Decodes clicks records, reading the fields in `Needed` (a set of needs() bits). Not
//! thread-safe, like JsonDecoder: it reuses one buffer for the strings it unescapes.
template <unsigned Needed> class ClicksDecoder {
 public:
  explicit ClicksDecoder(int64_t max_record_bytes) : max_record_bytes_(max_record_bytes) {}

  //! flow_json_decode's contract, for this schema.
  int32_t decode(const char* json, int64_t len, flow_value* fields, flow_arena* arena, flow_str* detail) noexcept {
    using namespace json_scan;
    if (detail != nullptr) *detail = {"", 0};
    for (unsigned i = 0; i < clicks_field_count; ++i) fields[i] = {0, 0, 1};
    if (len > max_record_bytes_)
      return runtime::fail(arena, detail, FLOW_DECODE_TOO_LARGE, "the record is {} bytes, more than the maximum of {}",
                           len, max_record_bytes_);
    if (json == nullptr || len <= 0)
      return runtime::fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "the record is empty");
    Record record{{json, json + len}, fields, arena, detail};
    const char* at = skip_blanks(json, record.text.end);
    const char* last = record.text.end;  // just after the last byte that is not a blank
    while (last > at && is_blank(last[-1])) --last;
    if (at == last) return reject(record, FLOW_DECODE_MALFORMED_JSON, "the record is empty or only blanks");
    if (*at != '{') return reject(record, FLOW_DECODE_MALFORMED_JSON, "expected a JSON object");
    // simdjson looks at the record's last token before anything else: a truncated record fails as
    // such, whatever else is wrong with it.
    if (last[-1] != '}')
      return reject(record, FLOW_DECODE_MALFORMED_JSON, "the record does not end with the object's closing `}}`");

    unsigned seen = 0;  // the needed fields decoded so far
    at = skip_blanks(at + 1, record.text.end);
    if (*at == '}') {
      ++at;
    } else {
      while (true) {
        if (at == record.text.end || *at != '"')
          return reject(record, FLOW_DECODE_MALFORMED_JSON, "expected a key at byte {}", at - json);
        // The record ends with `}`, so a byte follows the key's opening quote.
        int field = known_key(at + 1, record.text.end);
        const char* key_close = field >= 0 ? at + 1 + names[field].size() : nullptr;
        if (key_close == nullptr) {
          const ScannedString key = scan_string<false>(at + 1, record.text);
          if (key.outcome != StringEnd::Closed)
            return reject(record, FLOW_DECODE_MALFORMED_JSON, "a key is not a valid JSON string");
          // Raw bytes that do not spell a name can only name a field through escapes.
          if (key.escaped) field = find_escaped_key({at + 1, key.stop});
          key_close = key.stop;
        }
        at = skip_blanks(key_close + 1, record.text.end);
        if (at == record.text.end || *at != ':')
          return reject(record, FLOW_DECODE_MALFORMED_JSON, "expected `:` at byte {}", at - json);
        at = skip_blanks(at + 1, record.text.end);
        if (at == record.text.end) return reject(record, FLOW_DECODE_MALFORMED_JSON, "a value is missing");
        // An unknown key, a field no query reads, or a repeated key (the first one wins): skipped.
        if (field < 0 || !is_needed(static_cast<ClicksField>(field)) || (seen & 1u << field) != 0) {
          at = skip_value(at, record.text);
          if (at == nullptr) return reject(record, FLOW_DECODE_MALFORMED_JSON, "a value is not valid JSON");
        } else {
          seen |= 1u << field;
          if (const int32_t reason = decode_field(record, static_cast<ClicksField>(field), at);
              reason != FLOW_DECODE_OK)
            return reason;
        }
        at = skip_blanks(at, record.text.end);
        if (at != record.text.end && *at == ',') {
          at = skip_blanks(at + 1, record.text.end);
          continue;
        }
        if (at != record.text.end && *at == '}') {
          ++at;
          break;
        }
        return reject(record, FLOW_DECODE_MALFORMED_JSON, "expected `,` or `}}` at byte {}", at - json);
      }
    }
    if (skip_blanks(at, record.text.end) != record.text.end)
      return reject(record, FLOW_DECODE_MALFORMED_JSON, "the record goes on after its JSON object (at byte {})",
                    at - json);
    if (const unsigned missing = Needed & ~seen; missing != 0) {
      const auto field = static_cast<ClicksField>(std::countr_zero(missing));  // the first in schema order
      return reject(record, FLOW_DECODE_MISSING_FIELD, "field `{}` is missing, and its type `{}` is not nullable",
                    names[field], type_texts[field]);
    }
    return FLOW_DECODE_OK;
  }

 private:
  static constexpr std::string_view names[] = {"user", "url", "bytes", "ts"};
  static constexpr std::string_view type_texts[] = {"string", "string", "int", "timestamp"};
  static constexpr compiler::plan::TypeKind kinds[] = {compiler::plan::TypeKind::String,
                                                       compiler::plan::TypeKind::String, compiler::plan::TypeKind::Int,
                                                       compiler::plan::TypeKind::Timestamp};

  //! What one decode() call works on.
  struct Record {
    json_scan::Text text;
    flow_value* fields;
    flow_arena* arena;
    flow_str* detail;
  };

  static constexpr bool is_needed(ClicksField field) { return (Needed & needs(field)) != 0; }

  //! The schema field whose name, then the closing quote, starts at `key` (just after a key's
  //! opening quote), or -1: what a generator emits for the schema's names, a switch on the first
  //! byte and one comparison. Names have no quote or backslash, so raw bytes that spell one and a
  //! quote are that key, valid and closed. Fields no query needs are recognised too, so that
  //! skipping them costs no scan of their key.
  static int known_key(const char* key, const char* end) {
    switch (*key) {
      case 'u':
        if (is_key(key, end, "user\"")) return clicks_user;
        return is_key(key, end, "url\"") ? static_cast<int>(clicks_url) : -1;
      case 'b': return is_key(key, end, "bytes\"") ? static_cast<int>(clicks_bytes) : -1;
      case 't': return is_key(key, end, "ts\"") ? static_cast<int>(clicks_ts) : -1;
      default: return -1;
    }
  }

  template <std::size_t Size> static bool is_key(const char* key, const char* end, const char (&name_and_quote)[Size]) {
    constexpr auto length = static_cast<std::ptrdiff_t>(Size - 1);
    return end - key >= length && std::memcmp(key, name_and_quote, length) == 0;
  }

  //! A key with escapes (`"\u0075ser"`) is compared unescaped; that is rare and may be slow. One
  //! that does not unescape names no field, as for flow_json_decode.
  [[gnu::noinline]] int find_escaped_key(std::string_view raw) {
    if (!json_scan::unescape(raw, unescaped_)) return -1;
    for (unsigned field = 0; field < clicks_field_count; ++field)
      if (unescaped_ == names[field]) return static_cast<int>(field);
    return -1;
  }

  //! Decodes the value at `at` into its field's slot and moves `at` past it.
  int32_t decode_field(Record& record, ClicksField field, const char*& at) noexcept {
    switch (field) {
      case clicks_user:
      case clicks_url: return decode_string(record, field, at);
      case clicks_bytes: return decode_integer(record, field, at);
      case clicks_ts: return *at == '"' ? decode_timestamp_text(record, field, at) : decode_integer(record, field, at);
      case clicks_field_count: break;
    }
    __builtin_unreachable();  // keys name no other field
  }

  int32_t decode_string(Record& record, ClicksField field, const char*& at) noexcept {
    if (*at != '"') return mismatch(record, field, at);
    const json_scan::ScannedString string = json_scan::scan_string<true>(at + 1, record.text);
    if (string.outcome != json_scan::StringEnd::Closed) return string_failure(record, field, string);
    const std::string_view content(at + 1, static_cast<std::size_t>(string.stop - at - 1));
    at = string.stop + 1;
    if (!string.escaped) {
      // Nothing to unescape: point into the caller's record, which outlives the batch.
      record.fields[field] = {static_cast<int64_t>(reinterpret_cast<intptr_t>(content.data())),
                              static_cast<int64_t>(content.size()), 0};
      return FLOW_DECODE_OK;
    }
    if (!json_scan::unescape(content, unescaped_)) return escape_failure(record, field, content);
    // If the arena is full the string is empty and `out_of_space` tells the runtime.
    const flow_str copy = runtime::arena_copy(record.arena, unescaped_);
    record.fields[field] = {static_cast<int64_t>(reinterpret_cast<intptr_t>(copy.data)), copy.len, 0};
    return FLOW_DECODE_OK;
  }

  //! A JSON integer within 64 bits; anything else is sorted out by mismatch().
  int32_t decode_integer(Record& record, ClicksField field, const char*& at) noexcept {
    const bool negative = *at == '-';
    const char* const first_digit = at + (negative ? 1 : 0);
    const json_scan::Digits digits = json_scan::read_digits(first_digit, record.text.end);
    const char* const after = first_digit + digits.count;
    const bool is_json_integer = digits.count > 0 && (digits.count == 1 || *first_digit != '0') &&
                                 (after == record.text.end || json_scan::ends_token(*after));
    constexpr auto int_max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (!is_json_integer || digits.count > 19 || digits.value > int_max + (negative ? 1 : 0))
      return mismatch(record, field, at);
    record.fields[field] = {static_cast<int64_t>(negative ? 0 - digits.value : digits.value), 0, 0};
    at = after;
    return FLOW_DECODE_OK;
  }

  //! Kept out of line like flow_json_decode's: producers mostly send integer milliseconds.
  [[gnu::noinline]] int32_t decode_timestamp_text(Record& record, ClicksField field, const char*& at) noexcept {
    const json_scan::ScannedString string = json_scan::scan_string<true>(at + 1, record.text);
    if (string.outcome != json_scan::StringEnd::Closed) return string_failure(record, field, string);
    std::string_view text(at + 1, static_cast<std::size_t>(string.stop - at - 1));
    const std::string_view token(at, text.size() + 2);
    if (string.escaped) {
      if (!json_scan::unescape(text, unescaped_)) return escape_failure(record, field, text);
      text = unescaped_;
    }
    const runtime::Rfc3339Result parsed = runtime::parse_rfc3339(text);
    if (!parsed.ok)
      return reject(record, FLOW_DECODE_WRONG_TYPE,
                    "field `{}`: {} is not an RFC 3339 timestamp: {} (or send integer milliseconds)", names[field],
                    runtime::Excerpt{token}, parsed.problem);
    record.fields[field] = {parsed.ms, 0, 0};
    at = string.stop + 1;
    return FLOW_DECODE_OK;
  }

  // ---- Failures, out of the decoding path ----

  //! Fails the record for `reason`, unless simdjson's first pass would have refused it already
  //! (see first_pass_problem).
  template <typename... Args>
  [[gnu::cold, gnu::noinline]] static int32_t reject(const Record& record, int32_t reason,
                                                     fmt::format_string<Args...> format, Args&&... args) noexcept {
    if (const char* problem = json_scan::first_pass_problem(record.text); problem != nullptr)
      return runtime::fail(record.arena, record.detail, FLOW_DECODE_MALFORMED_JSON, "the record is not valid JSON: {}",
                           problem);
    return runtime::fail(record.arena, record.detail, reason, format, std::forward<Args>(args)...);
  }

  [[gnu::cold, gnu::noinline]] static int32_t string_failure(const Record& record, ClicksField field,
                                                             const json_scan::ScannedString& string) noexcept {
    if (string.outcome == json_scan::StringEnd::InvalidUtf8)
      return invalid_utf8(record, field, string.stop);
    return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: the value is not a valid JSON string", names[field]);
  }

  [[gnu::cold, gnu::noinline]] static int32_t invalid_utf8(const Record& record, ClicksField field,
                                                           const char* byte) noexcept {
    return reject(record, FLOW_DECODE_INVALID_UTF8,
                  "field `{}`: the value is not valid UTF-8 (byte 0x{:02X} at offset {} of the record)", names[field],
                  static_cast<unsigned char>(*byte), byte - record.text.begin);
  }

  //! An escape that decodes to a lone surrogate is invalid UTF-8 (it has no encoding); any other
  //! escape that does not decode is malformed JSON.
  [[gnu::cold, gnu::noinline]] static int32_t escape_failure(const Record& record, ClicksField field,
                                                             std::string_view content) noexcept {
    if (const std::size_t at = runtime::find_lone_surrogate_escape(content); at != std::string_view::npos)
      return reject(record, FLOW_DECODE_INVALID_UTF8,
                    "field `{}`: the string is not valid UTF-8 (`{}` is a lone surrogate)", names[field],
                    content.substr(at, 6));
    return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: the string has an invalid escape sequence",
                  names[field]);
  }

  //! Why the value at `at` is not one of `field`'s type, in flow_json_decode's terms: it looks at
  //! the value's whole token, as simdjson reports it, and at its first byte, as simdjson types it.
  [[gnu::cold, gnu::noinline]] static int32_t mismatch(const Record& record, ClicksField field,
                                                       const char* at) noexcept {
    using compiler::plan::TypeKind;
    const char* const token_end = *at == '"'   ? json_scan::skip_value(at, record.text)
                                  : *at == '[' || *at == '{' ? at + 1
                                                              : json_scan::token_end(at, record.text);
    if (token_end == nullptr || token_end == at)
      return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: the value is not valid JSON", names[field]);
    const std::string_view token(at, static_cast<std::size_t>(token_end - at));
    if (const char* byte = json_scan::first_invalid_utf8(token); byte != nullptr)
      return invalid_utf8(record, field, byte);
    auto wrong_type = [&](std::string_view found) {
      return reject(record, FLOW_DECODE_WRONG_TYPE, "field `{}`: expected {}, found {}", names[field],
                    runtime::expected_text(kinds[field]), found);
    };
    auto not_json = [&] {
      return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: {} is not valid JSON", names[field],
                    runtime::Excerpt{token});
    };
    switch (*at) {
      case 'n':
        if (token != "null") return not_json();
        return reject(record, FLOW_DECODE_MISSING_FIELD, "field `{}` is null, and its type `{}` is not nullable",
                      names[field], type_texts[field]);
      case 't':
      case 'f': return token == "true" || token == "false" ? wrong_type("a boolean") : not_json();
      case '"': return wrong_type("a string");
      case '[': return wrong_type("an array");
      case '{': return wrong_type("an object");
      default: break;
    }
    if (*at != '-' && (*at < '0' || *at > '9')) return not_json();
    const runtime::JsonNumberShape shape = runtime::json_number_shape(token);
    if (shape == runtime::JsonNumberShape::Invalid) return not_json();
    if (kinds[field] == TypeKind::String) return wrong_type("a number");
    if (shape == runtime::JsonNumberShape::Integer)
      return reject(record, FLOW_DECODE_OUT_OF_RANGE, "field `{}`: {} does not fit a 64-bit integer", names[field],
                    runtime::Excerpt{token});
    return reject(record, FLOW_DECODE_WRONG_TYPE, "field `{}`: expected {}, found {}", names[field],
                  runtime::expected_text(kinds[field]), runtime::Excerpt{token});
  }

  int64_t max_record_bytes_;
  std::string unescaped_;  //!< strings with escapes, unescaped; reused by every record
};

}  // namespace flow::bench
