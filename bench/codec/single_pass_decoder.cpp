// Decoding one JSON record in a single pass over its bytes: a strict RFC 8259 scanner that decodes
// the needed fields' values as it meets them. See single_pass_decoder.hpp and json_codec.hpp.
#include "bench/codec/single_pass_decoder.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "runtime/codec/arena_output.hpp"
#include "runtime/codec/decode_failure.hpp"
#include "runtime/codec/rfc3339.hpp"
#include "runtime/codec/utf8_check.hpp"

#define FLOW_HOT [[gnu::always_inline]] inline
#define FLOW_COLD [[gnu::noinline, gnu::cold]]

namespace flow::runtime {

using compiler::plan::TypeKind;
using NeededField = SinglePassDecoder::NeededField;

namespace {

constexpr int max_depth = 1024;  //!< simdjson's default, the record's object included
constexpr uint64_t ones = 0x0101010101010101;
constexpr uint64_t highs = 0x8080808080808080;

FLOW_HOT bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
FLOW_HOT bool is_digit(char c) { return c >= '0' && c <= '9'; }

//! Why a record is not valid JSON, as simdjson would say it (see structure_problem).
enum class Bad : uint8_t { none, tape, atom, number, escape, control, unclosed, depth, trailing };

//! A string scanned by scan_string.
struct StringInfo {
  const char* begin;     //!< just after the opening quote
  const char* end;       //!< at the closing quote
  const char* bad_utf8;  //!< the first byte not part of a well-formed UTF-8 sequence, or null
  bool escaped;          //!< has a backslash
  bool surrogate;        //!< has a `\u` escape of a surrogate (D800 to DFFF)
};

int hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

//! The code unit of the 4 hex digits at `p` (which may be read), or -1.
int32_t hex4(const char* p) {
  int32_t unit = 0;
  for (int i = 0; i < 4; ++i) {
    const int digit = hex_digit(p[i]);
    if (digit < 0) return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

//! Scans a string from just after its opening quote to just after its closing one, checking
//! escapes and control characters, noting invalid UTF-8. Reads nothing at or past `end`.
FLOW_HOT Bad scan_string_at(const char*& p, const char* end, StringInfo& s) {
  s.begin = p;
  s.bad_utf8 = nullptr;
  s.escaped = false;
  s.surrogate = false;
  for (;;) {
    // Eight bytes at a time up to the next quote, backslash, control or non-ASCII byte.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      const uint64_t quote = word ^ (ones * '"');
      const uint64_t backslash = word ^ (ones * '\\');
      const uint64_t hits = (((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                             ((word - ones * 0x20) & ~word) | word) &
                            highs;
      if (hits != 0) {
        p += std::countr_zero(hits) / 8;
        break;
      }
      p += 8;
    }
    if (p == end) return Bad::unclosed;
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') {
      s.end = p;
      ++p;
      return Bad::none;
    }
    if (c == '\\') {
      s.escaped = true;
      if (end - p < 2) return Bad::unclosed;
      switch (p[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't': p += 2; continue;
        case 'u': {
          if (end - p < 6) return Bad::escape;
          const int32_t unit = hex4(p + 2);
          if (unit < 0) return Bad::escape;
          if (unit >= 0xD800 && unit <= 0xDFFF) s.surrogate = true;
          p += 6;
          continue;
        }
        default: return Bad::escape;
      }
    }
    if (c < 0x20) return Bad::control;
    if (c < 0x80) {
      ++p;
      continue;
    }
    const int length = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p), static_cast<std::size_t>(end - p));
    if (length == 0) {
      if (s.bad_utf8 == nullptr) s.bad_utf8 = p;
      ++p;
    } else {
      p += length;
    }
  }
}

//! Scans a number (RFC 8259 grammar) from `p`; false if it is not one. `fraction`: has `.` or an
//! exponent.
FLOW_HOT bool scan_number_at(const char*& p, const char* end, bool& fraction) {
  fraction = false;
  if (p < end && *p == '-') ++p;
  if (p == end) return false;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    ++p;
    while (p < end && is_digit(*p)) ++p;
  } else {
    return false;
  }
  if (p < end && *p == '.') {
    ++p;
    if (p == end || !is_digit(*p)) return false;
    while (p < end && is_digit(*p)) ++p;
    fraction = true;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !is_digit(*p)) return false;
    while (p < end && is_digit(*p)) ++p;
    fraction = true;
  }
  return true;
}

//! The scans with the cursor in a local, which stays in a register even when the caller's cursor
//! lives in memory (a Pass whose address escapes).
FLOW_HOT Bad scan_string(const char*& cursor, const char* end, StringInfo& s) {
  const char* p = cursor;
  const Bad result = scan_string_at(p, end, s);
  cursor = p;
  return result;
}
FLOW_HOT bool scan_number(const char*& cursor, const char* end, bool& fraction) {
  const char* p = cursor;
  const bool result = scan_number_at(p, end, fraction);
  cursor = p;
  return result;
}

//! `true`, `false` or `null` at `p`.
FLOW_HOT bool scan_literal(const char*& p, const char* end, std::string_view word) {
  if (static_cast<std::size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0) return false;
  p += word.size();
  return true;
}

//! Unescapes a scanned string's content (escapes already checked, no lone surrogate) into `out`,
//! which has room for its raw size; bytes not valid UTF-8 become `?` if `mask` (keys, as
//! JsonDecoder compares them in its masked copy). Returns the size written.
std::size_t unescape(const char* p, const char* end, char* out, bool mask) {
  char* const start = out;
  while (p < end) {
    const char c = *p;
    if (c != '\\') {
      if (mask && static_cast<unsigned char>(c) >= 0x80) {
        const int length =
            utf8_sequence_length(reinterpret_cast<const unsigned char*>(p), static_cast<std::size_t>(end - p));
        if (length == 0) {
          *out++ = '?';
          ++p;
          continue;
        }
        std::memcpy(out, p, static_cast<std::size_t>(length));
        out += length;
        p += length;
        continue;
      }
      *out++ = c;
      ++p;
      continue;
    }
    const char e = p[1];
    p += 2;
    switch (e) {
      case 'b': *out++ = '\b'; continue;
      case 'f': *out++ = '\f'; continue;
      case 'n': *out++ = '\n'; continue;
      case 'r': *out++ = '\r'; continue;
      case 't': *out++ = '\t'; continue;
      case 'u': break;
      default: *out++ = e; continue;  // `"`, `\`, `/`
    }
    uint32_t code = static_cast<uint32_t>(hex4(p));
    p += 4;
    if (code >= 0xD800 && code <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
      const auto low = static_cast<uint32_t>(hex4(p + 2));
      if (low >= 0xDC00 && low <= 0xDFFF) {
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        p += 6;
      }
    }
    if (code < 0x80) {
      *out++ = static_cast<char>(code);
    } else if (code < 0x800) {
      *out++ = static_cast<char>(0xC0 | (code >> 6));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      *out++ = static_cast<char>(0xE0 | (code >> 12));
      *out++ = static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    } else {
      *out++ = static_cast<char>(0xF0 | (code >> 18));
      *out++ = static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      *out++ = static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      *out++ = static_cast<char>(0x80 | (code & 0x3F));
    }
  }
  return static_cast<std::size_t>(out - start);
}

//! A scratch buffer for unescaping: on the stack when small (always, in practice).
class Scratch {
 public:
  explicit Scratch(std::size_t size) noexcept {
    if (size <= sizeof small_) {
      data_ = small_;
      return;
    }
    try {
      large_.resize(size);
      data_ = large_.data();
    } catch (...) {
      data_ = nullptr;
    }
  }
  char* data() noexcept { return data_; }

 private:
  char small_[512];
  std::string large_;
  char* data_;
};

//! Why a needed field fails (the first such field in the record), kept until the whole record is
//! known to be valid JSON, since a malformed record is FLOW_DECODE_MALFORMED_JSON whatever else.
enum class Why : uint8_t { null, found_type, found_token, int_range, float_range, utf8_byte, surrogate, rfc3339 };

struct Pending {
  int32_t reason = FLOW_DECODE_OK;
  Why why = Why::null;
  const NeededField* field = nullptr;
  std::string_view token;  //!< the value as written, or the string's content for surrogates
  std::string_view words;  //!< "a string", ..., or the RFC 3339 problem
  int64_t offset = 0;      //!< of the invalid UTF-8 byte
};

FLOW_COLD int32_t report(const Pending& pending, const char* record, flow_arena* arena, flow_str* detail) {
  const NeededField& field = *pending.field;
  switch (pending.why) {
    case Why::null:
      return fail(arena, detail, FLOW_DECODE_MISSING_FIELD, "field `{}` is null, and its type `{}` is not nullable",
                  field.name, field.type_text);
    case Why::found_type:
      return fail(arena, detail, FLOW_DECODE_WRONG_TYPE, "field `{}`: expected {}, found {}", field.name,
                  expected_text(field.kind), pending.words);
    case Why::found_token:
      return fail(arena, detail, FLOW_DECODE_WRONG_TYPE, "field `{}`: expected {}, found {}", field.name,
                  expected_text(field.kind), Excerpt{pending.token});
    case Why::int_range:
      return fail(arena, detail, FLOW_DECODE_OUT_OF_RANGE, "field `{}`: {} does not fit a 64-bit integer", field.name,
                  Excerpt{pending.token});
    case Why::float_range:
      return fail(arena, detail, FLOW_DECODE_OUT_OF_RANGE, "field `{}`: {} does not fit a 64-bit float", field.name,
                  Excerpt{pending.token});
    case Why::utf8_byte:
      return fail(arena, detail, FLOW_DECODE_INVALID_UTF8,
                  "field `{}`: the value is not valid UTF-8 (byte 0x{:02X} at offset {} of the record)", field.name,
                  static_cast<unsigned char>(record[pending.offset]), pending.offset);
    case Why::surrogate: {
      const std::size_t at = find_lone_surrogate_escape(pending.token);
      return fail(arena, detail, FLOW_DECODE_INVALID_UTF8,
                  "field `{}`: the string is not valid UTF-8 (`{}` is a lone surrogate)", field.name,
                  pending.token.substr(at == std::string_view::npos ? 0 : at, 6));
    }
    case Why::rfc3339:
      return fail(arena, detail, FLOW_DECODE_WRONG_TYPE,
                  "field `{}`: {} is not an RFC 3339 timestamp: {} (or send integer milliseconds)", field.name,
                  Excerpt{pending.token}, pending.words);
  }
  return FLOW_DECODE_OK;
}

//! The detail of a malformed record, worded as JsonDecoder words it: simdjson's first pass over the
//! whole record decides first (unclosed strings, control characters, the last byte), then what
//! the scan met at `at`.
FLOW_COLD int32_t malformed(const char* json, int64_t len, Bad bad, const char* at, const NeededField* field,
                            const char* value, flow_arena* arena, flow_str* detail) {
  const char* const end = json + len;
  bool in_string = false, control = false;
  for (const char* p = json; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (!in_string) {
      in_string = c == '"';
    } else if (c == '\\') {
      ++p;
    } else if (c == '"') {
      in_string = false;
    } else if (c < 0x20) {
      control = true;
    }
  }
  auto structure = [&](simdjson::error_code error) {
    return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "the record is not valid JSON: {}", structure_problem(error));
  };
  if (in_string) return structure(simdjson::UNCLOSED_STRING);
  if (control) return structure(simdjson::UNESCAPED_CHARS);
  const char* first = json;
  while (first < end && is_blank(*first)) ++first;
  const char* last = end;
  while (last > first && is_blank(last[-1])) --last;
  if (first < end && *first != '{') {
    std::string_view found;
    switch (*first) {
      case '[': found = "an array"; break;
      case '"': found = "a string"; break;
      case 't':
      case 'f': found = "a boolean"; break;
      case 'n': found = "null"; break;
      default:
        if (*first == '-' || is_digit(*first)) found = "a number";
    }
    if (found.empty()) return structure(simdjson::INCORRECT_TYPE);
    return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "expected a JSON object, found {}", found);
  }
  if (last[-1] != '}') return structure(simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
  if (bad == Bad::trailing)
    return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "the record goes on after its JSON object (at byte {})",
                at - json);
  if (field != nullptr && bad == Bad::escape &&
      (field->kind == TypeKind::String || field->kind == TypeKind::Timestamp))
    return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "field `{}`: the string has an invalid escape sequence",
                field->name);
  if (field != nullptr && value != nullptr && value < end && (bad == Bad::atom || bad == Bad::number)) {
    const char* token_end = value + 1;
    while (token_end < end && !is_blank(*token_end) && std::strchr(",:[]{}\"", *token_end) == nullptr) ++token_end;
    return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "field `{}`: {} is not valid JSON", field->name,
                Excerpt{std::string_view(value, static_cast<std::size_t>(token_end - value))});
  }
  switch (bad) {
    case Bad::atom: return structure(simdjson::T_ATOM_ERROR);
    case Bad::number: return structure(simdjson::NUMBER_ERROR);
    case Bad::escape: return structure(simdjson::STRING_ERROR);
    case Bad::depth: return structure(simdjson::DEPTH_ERROR);
    default: return structure(simdjson::TAPE_ERROR);
  }
}

//! The state of one decode() call, on its stack.
struct Pass {
  const char* const record;
  const char* p;
  const char* const end;
  flow_value* const fields;
  flow_arena* const arena;
  Pending pending;
  Bad bad = Bad::none;
  const char* bad_at = nullptr;
  const NeededField* bad_field = nullptr;  //!< the needed field whose value was malformed
  const char* bad_value = nullptr;

  FLOW_HOT void skip_blanks() {
    const char* q = p;
    while (q < end && is_blank(*q)) ++q;
    p = q;
  }

  FLOW_COLD bool set_bad(Bad why) {
    bad = why;
    bad_at = p;
    return false;
  }

  //! Checks one value (any JSON value, nested ones included) at `p`, which is not a blank.
  //! `depth`: how deep the value is, the record's object being 1.
  bool skip_value(int depth) {
    uint64_t stack[max_depth / 64 + 1];  // bit set: that level is an array
    int levels = 0;
    for (;;) {
      // A value at p.
      if (p == end) return set_bad(Bad::tape);
      switch (*p) {
        case '"': {
          ++p;
          StringInfo s;
          if (const Bad why = scan_string(p, end, s); why != Bad::none) return set_bad(why);
          break;
        }
        case '{':
        case '[': {
          const bool array = *p == '[';
          if (depth + levels > max_depth) return set_bad(Bad::depth);
          const uint64_t bit = uint64_t{1} << (levels % 64);
          if (array)
            stack[levels / 64] |= bit;
          else
            stack[levels / 64] &= ~bit;
          ++levels;
          ++p;
          skip_blanks();
          if (p < end && *p == (array ? ']' : '}')) {
            ++p;
            --levels;
            break;
          }
          if (!array && !member_key()) return false;
          continue;  // the first element or member value
        }
        case 't':
          if (!scan_literal(p, end, "true")) return set_bad(Bad::atom);
          break;
        case 'f':
          if (!scan_literal(p, end, "false")) return set_bad(Bad::atom);
          break;
        case 'n':
          if (!scan_literal(p, end, "null")) return set_bad(Bad::atom);
          break;
        default: {
          if (*p != '-' && !is_digit(*p)) return set_bad(Bad::tape);
          bool fraction;
          if (!scan_number(p, end, fraction)) return set_bad(Bad::number);
        }
      }
      // After a value: close containers, or go on to the next element or member.
      for (;;) {
        if (levels == 0) return true;
        skip_blanks();
        if (p == end) return set_bad(Bad::tape);
        const bool array = (stack[(levels - 1) / 64] >> ((levels - 1) % 64) & 1) != 0;
        if (*p == ',') {
          ++p;
          skip_blanks();
          if (!array && !member_key()) return false;
          break;
        }
        if (*p != (array ? ']' : '}')) return set_bad(Bad::tape);
        ++p;
        --levels;
      }
    }
  }

  //! A key and its colon at `p`, then the blanks up to the value.
  bool member_key() {
    if (p == end || *p != '"') return set_bad(Bad::tape);
    ++p;
    StringInfo s;
    if (const Bad why = scan_string(p, end, s); why != Bad::none) return set_bad(why);
    skip_blanks();
    if (p == end || *p != ':') return set_bad(Bad::tape);
    ++p;
    skip_blanks();
    if (p == end) return set_bad(Bad::tape);
    return true;
  }

  FLOW_COLD void fail_with(const NeededField& field, Why why, std::string_view token, std::string_view words = {},
                           int32_t reason = FLOW_DECODE_WRONG_TYPE) {
    pending.reason = reason;
    pending.why = why;
    pending.field = &field;
    pending.token = token;
    pending.words = words;
  }

  FLOW_COLD void fail_utf8(const NeededField& field, const char* byte) {
    fail_with(field, Why::utf8_byte, {}, {}, FLOW_DECODE_INVALID_UTF8);
    pending.offset = byte - record;
  }

  //! Whether the scalar that started at `start` of a needed field ends at `p`; if not (`00`,
  //! `12x`, `truex`), the record is malformed there, as JsonDecoder words it.
  FLOW_HOT bool ends_token(const NeededField& field, const char* start) {
    if (p == end || is_blank(*p) || *p == ',' || *p == '}' || *p == ']') return true;
    bad_field = &field;
    bad_value = start;
    return set_bad(Bad::number);
  }

  //! Decodes a needed field's value at `p` (not a blank), checking it as skip_value does.
  FLOW_HOT bool decode_value(const NeededField& field) {
    flow_value& out = fields[field.index];
    const char* const start = p;
    switch (*p) {
      case '"': {
        ++p;
        StringInfo s;
        if (const Bad why = scan_string(p, end, s); why != Bad::none) {
          bad_field = &field;
          return set_bad(why);
        }
        if (s.bad_utf8 != nullptr) {
          fail_utf8(field, s.bad_utf8);
          return true;
        }
        const std::string_view content(s.begin, static_cast<std::size_t>(s.end - s.begin));
        if (field.kind == TypeKind::String) {
          if (!s.escaped) {
            out = {static_cast<int64_t>(reinterpret_cast<intptr_t>(s.begin)), static_cast<int64_t>(content.size()), 0};
            return true;
          }
          return decode_escaped_string(field, s, out);
        }
        if (field.kind == TypeKind::Timestamp) return decode_timestamp_text(field, s, out);
        fail_with(field, Why::found_type, {}, "a string");
        return true;
      }
      case 't':
      case 'f': {
        const bool truth = *p == 't';
        if (!scan_literal(p, end, truth ? "true" : "false")) {
          bad_field = &field;
          bad_value = start;
          return set_bad(Bad::atom);
        }
        if (!ends_token(field, start)) return false;
        if (field.kind == TypeKind::Bool)
          out = {truth ? 1 : 0, 0, 0};
        else
          fail_with(field, Why::found_type, {}, "a boolean");
        return true;
      }
      case 'n':
        if (!scan_literal(p, end, "null")) {
          bad_field = &field;
          bad_value = start;
          return set_bad(Bad::atom);
        }
        if (!ends_token(field, start)) return false;
        if (!field.nullable) fail_with(field, Why::null, {}, {}, FLOW_DECODE_MISSING_FIELD);
        return true;  // every field starts out null
      case '{':
      case '[':
        fail_with(field, Why::found_type, {}, *p == '{' ? "an object" : "an array");
        return skip_value(2);
      default: {
        bool fraction;
        if ((*p != '-' && !is_digit(*p)) || !scan_number(p, end, fraction)) {
          bad_field = &field;
          bad_value = start;
          return set_bad(Bad::number);
        }
        if (!ends_token(field, start)) return false;
        const std::string_view token(start, static_cast<std::size_t>(p - start));
        switch (field.kind) {
          case TypeKind::Int:
          case TypeKind::Duration:
          case TypeKind::Timestamp: {
            if (fraction) {
              fail_with(field, Why::found_token, token);
              return true;
            }
            int64_t number;
            if (!parse_int(token, number)) {
              fail_with(field, Why::int_range, token, {}, FLOW_DECODE_OUT_OF_RANGE);
              return true;
            }
            out = {number, 0, 0};
            return true;
          }
          case TypeKind::Float: {
            double number;
            if (!parse_double(token, number)) {
              fail_with(field, Why::float_range, token, {}, FLOW_DECODE_OUT_OF_RANGE);
              return true;
            }
            out = {std::bit_cast<int64_t>(number), 0, 0};
            return true;
          }
          default: fail_with(field, Why::found_type, {}, "a number"); return true;
        }
      }
    }
  }

  //! An integer token (the grammar checked) into 64 bits; false if it does not fit.
  FLOW_HOT static bool parse_int(std::string_view token, int64_t& number) {
    const bool negative = token.front() == '-';
    if (negative) token.remove_prefix(1);
    if (token.size() > 19) return false;
    uint64_t magnitude = 0;
    for (const char c : token) magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
    if (negative) {
      if (magnitude > uint64_t{1} << 63) return false;
      number = static_cast<int64_t>(0 - magnitude);
    } else {
      if (magnitude > static_cast<uint64_t>(INT64_MAX)) return false;
      number = static_cast<int64_t>(magnitude);
    }
    return true;
  }

  //! A number token into the nearest double; false if its magnitude is beyond a double's range
  //! (a magnitude too small for one is zero).
  FLOW_HOT static bool parse_double(std::string_view token, double& number) {
    const auto result = std::from_chars(token.data(), token.data() + token.size(), number);
    if (result.ec == std::errc()) return true;
    return parse_double_out_of_range(token, number);
  }

  FLOW_COLD static bool parse_double_out_of_range(std::string_view token, double& number) {
    // from_chars says out of range both for overflow and for underflow: tell them apart by the
    // position of the first significant digit.
    const bool negative = token.front() == '-';
    std::size_t at = negative ? 1 : 0;
    int64_t position = 0;  // the power of ten of the digit just after the significant digits' start
    bool significant = false;
    for (; at < token.size() && is_digit(token[at]); ++at) {
      if (token[at] != '0') significant = true;
      if (significant) ++position;
    }
    if (at < token.size() && token[at] == '.') {
      for (++at; at < token.size() && is_digit(token[at]); ++at) {
        if (significant) continue;
        if (token[at] != '0') {
          significant = true;
        } else {
          --position;
        }
      }
    }
    int64_t exponent = 0;
    if (at < token.size() && (token[at] == 'e' || token[at] == 'E')) {
      ++at;
      const bool minus = at < token.size() && token[at] == '-';
      if (at < token.size() && (token[at] == '+' || token[at] == '-')) ++at;
      for (; at < token.size(); ++at) exponent = std::min<int64_t>(exponent * 10 + (token[at] - '0'), 1'000'000'000);
      if (minus) exponent = -exponent;
    }
    if (significant && position + exponent > 0) return false;  // overflow
    number = negative ? -0.0 : 0.0;
    return true;
  }

  FLOW_COLD bool decode_escaped_string(const NeededField& field, const StringInfo& s, flow_value& out) {
    const std::string_view content(s.begin, static_cast<std::size_t>(s.end - s.begin));
    if (s.surrogate && find_lone_surrogate_escape(content) != std::string_view::npos) {
      fail_with(field, Why::surrogate, content, {}, FLOW_DECODE_INVALID_UTF8);
      return true;
    }
    // The unescaped text is never longer than the raw one.
    const int64_t room = arena_free_bytes(arena);
    if (static_cast<int64_t>(content.size()) <= room) {
      char* const text = arena->buffer + arena->used;
      const std::size_t size = unescape(s.begin, s.end, text, false);
      arena->used += static_cast<int64_t>(size);
      out = {static_cast<int64_t>(reinterpret_cast<intptr_t>(text)), static_cast<int64_t>(size), 0};
      return true;
    }
    Scratch scratch(content.size());
    flow_str copy{"", 0};
    if (scratch.data() != nullptr) {
      copy = arena_copy(arena, std::string_view(scratch.data(), unescape(s.begin, s.end, scratch.data(), false)));
    } else if (arena != nullptr) {
      arena->out_of_space = 1;
    }
    out = {static_cast<int64_t>(reinterpret_cast<intptr_t>(copy.data)), copy.len, 0};
    return true;
  }

  FLOW_COLD bool decode_timestamp_text(const NeededField& field, const StringInfo& s, flow_value& out) {
    const std::string_view content(s.begin, static_cast<std::size_t>(s.end - s.begin));
    const std::string_view token(s.begin - 1, content.size() + 2);
    if (s.surrogate && find_lone_surrogate_escape(content) != std::string_view::npos) {
      fail_with(field, Why::surrogate, content, {}, FLOW_DECODE_INVALID_UTF8);
      return true;
    }
    Scratch scratch(s.escaped ? content.size() : 0);
    std::string_view text = content;
    if (s.escaped) {
      if (scratch.data() == nullptr) {
        fail_with(field, Why::rfc3339, token, "the record is too large to decode it");
        return true;
      }
      text = std::string_view(scratch.data(), unescape(s.begin, s.end, scratch.data(), false));
    }
    const Rfc3339Result parsed = parse_rfc3339(text);
    if (!parsed.ok) {
      fail_with(field, Why::rfc3339, token, parsed.problem);
      return true;
    }
    out = {parsed.ms, 0, 0};
    return true;
  }
};

//! The needed field a key with escapes or invalid UTF-8 names, compared as JsonDecoder does, or -1.
FLOW_COLD int find_key_slow(const std::vector<NeededField>& needed, std::size_t longest, const StringInfo& s) {
  const std::string_view content(s.begin, static_cast<std::size_t>(s.end - s.begin));
  if (s.surrogate && find_lone_surrogate_escape(content) != std::string_view::npos) return -1;
  if (content.size() > 12 * longest + 12) return -1;  // too long to unescape to any name
  Scratch scratch(content.size());
  if (scratch.data() == nullptr) return -1;
  const std::string_view key(scratch.data(), unescape(s.begin, s.end, scratch.data(), true));
  for (std::size_t slot = 0; slot < needed.size(); ++slot)
    if (needed[slot].name == key) return static_cast<int>(slot);
  return -1;
}

}  // namespace

SinglePassDecoder::SinglePassDecoder(const compiler::plan::Schema& schema, std::vector<bool> needed,
                                     int64_t max_record_bytes)
    : field_count_(schema.size()), max_record_bytes_(max_record_bytes) {
  if (needed.size() != schema.size())
    throw std::invalid_argument(
        fmt::format("make_decoder: {} needed flags for a schema of {} fields", needed.size(), schema.size()));
  if (max_record_bytes <= 0)
    throw std::invalid_argument(
        fmt::format("make_decoder: max_record_bytes must be positive, not {}", max_record_bytes));
  for (std::size_t i = 0; i < schema.size(); ++i) {
    const compiler::plan::Field& field = schema[i];
    for (std::size_t j = 0; j < i; ++j)
      if (schema[j].name == field.name)
        throw std::invalid_argument(fmt::format("source field `{}` is declared twice", field.name));
    if (field.name.find_first_of("\"\\") != std::string::npos)
      throw std::invalid_argument(
          fmt::format("source field `{}`: a field name cannot contain `\"` or `\\`", field.name));
    const TypeKind kind = field.type.kind;
    if (kind == TypeKind::List) {
      if (!needed[i]) continue;
      throw std::invalid_argument(
          fmt::format("source field `{}`: reading a `{}` field is not supported yet, because the runtime ABI "
                      "(runtime/abi/flow_abi.h) defines no list value; remove its uses from the queries for now",
                      field.name, field.type.to_string()));
    }
    if (!compiler::plan::is_scalar_kind(kind))
      throw std::invalid_argument(fmt::format("source field `{}`: a JSON source cannot have a field of type `{}`",
                                              field.name, field.type.to_string()));
    if (needed[i])
      needed_.push_back(
          NeededField{field.name, static_cast<int32_t>(i), kind, field.type.nullable, field.type.to_string()});
  }
  for (const NeededField& field : needed_) {
    first_bytes_[static_cast<unsigned char>(field.name.empty() ? '"' : field.name[0])] = true;
    longest_name_ = std::max(longest_name_, field.name.size());
  }
  seen_.resize(needed_.size() > 64 ? needed_.size() - 64 : 0);
}

int32_t SinglePassDecoder::decode(const char* json, int64_t len, flow_value* fields, flow_arena* arena,
                                  flow_str* detail) noexcept {
  if (detail != nullptr) *detail = {"", 0};
  for (std::size_t i = 0; i < field_count_; ++i) fields[i] = {0, 0, 1};
  if (len > max_record_bytes_)
    return fail(arena, detail, FLOW_DECODE_TOO_LARGE, "the record is {} bytes, more than the maximum of {}", len,
                max_record_bytes_);
  if (json == nullptr || len <= 0) return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "the record is empty");

  Pass pass{json, json, json + len, fields, arena, {}};
  pass.skip_blanks();
  if (pass.p == pass.end)
    return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "the record is empty or only blanks");
  if (*pass.p != '{') return malformed(json, len, Bad::tape, pass.p, nullptr, nullptr, arena, detail);
  ++pass.p;

  const NeededField* const table = needed_.data();
  const std::size_t count = needed_.size();
  std::size_t guess = 0;
  uint64_t seen_first = 0;
  if (!seen_.empty()) std::memset(seen_.data(), 0, seen_.size());
  auto already_seen = [&](int slot) {
    if (slot < 64) {
      const uint64_t bit = uint64_t{1} << slot;
      const bool seen = (seen_first & bit) != 0;
      seen_first |= bit;
      return seen;
    }
    const bool seen = seen_[static_cast<std::size_t>(slot - 64)] != 0;
    seen_[static_cast<std::size_t>(slot - 64)] = 1;
    return seen;
  };

  bool ok = true;
  pass.skip_blanks();
  if (pass.p < pass.end && *pass.p == '}') {
    ++pass.p;
  } else {
    for (;;) {
      // A member: key, colon, value.
      if (pass.p == pass.end || *pass.p != '"') {
        ok = pass.set_bad(Bad::tape);
        break;
      }
      ++pass.p;
      StringInfo key;
      if (const Bad why = scan_string(pass.p, pass.end, key); why != Bad::none) {
        ok = pass.set_bad(why);
        break;
      }
      pass.skip_blanks();
      if (pass.p == pass.end || *pass.p != ':') {
        ok = pass.set_bad(Bad::tape);
        break;
      }
      ++pass.p;
      pass.skip_blanks();
      if (pass.p == pass.end) {
        ok = pass.set_bad(Bad::tape);
        break;
      }
      int slot = -1;
      if (pass.pending.reason == FLOW_DECODE_OK) {
        if (!key.escaped && key.bad_utf8 == nullptr) {
          const auto length = static_cast<std::size_t>(key.end - key.begin);
          // A key whose first byte starts no needed name is skipped after one load.
          if (first_bytes_[static_cast<unsigned char>(*key.begin)]) {
            std::size_t at = guess;
            for (std::size_t tried = 0; tried < count; ++tried) {
              const NeededField& field = table[at];
              if (field.name.size() == length && std::memcmp(field.name.data(), key.begin, length) == 0) {
                slot = static_cast<int>(at);
                guess = at + 1 == count ? 0 : at + 1;
                break;
              }
              at = at + 1 == count ? 0 : at + 1;
            }
          }
        } else if (count > 0) {
          slot = find_key_slow(needed_, longest_name_, key);
        }
      }
      if (slot >= 0 && !already_seen(slot))
        ok = pass.decode_value(table[slot]);
      else
        ok = pass.skip_value(2);
      if (!ok) break;
      pass.skip_blanks();
      if (pass.p == pass.end) {
        ok = pass.set_bad(Bad::tape);
        break;
      }
      if (*pass.p == ',') {
        ++pass.p;
        pass.skip_blanks();
        continue;
      }
      if (*pass.p != '}') {
        ok = pass.set_bad(Bad::tape);
        break;
      }
      ++pass.p;
      break;
    }
  }
  if (ok) {
    pass.skip_blanks();
    if (pass.p != pass.end) ok = pass.set_bad(Bad::trailing);
  }
  if (!ok) return malformed(json, len, pass.bad, pass.bad_at, pass.bad_field, pass.bad_value, arena, detail);
  if (pass.pending.reason != FLOW_DECODE_OK) return report(pass.pending, json, arena, detail);
  for (std::size_t slot = 0; slot < count; ++slot) {
    const bool seen = slot < 64 ? (seen_first >> slot & 1) != 0 : seen_[slot - 64] != 0;
    if (!seen && !table[slot].nullable)
      return fail(arena, detail, FLOW_DECODE_MISSING_FIELD, "field `{}` is missing, and its type `{}` is not nullable",
                  table[slot].name, table[slot].type_text);
  }
  return FLOW_DECODE_OK;
}

}  // namespace flow::runtime
