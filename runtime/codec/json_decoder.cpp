// Decoding one JSON record with simdjson's on-demand parser: one pass over the top-level keys,
// decoding only the needed fields' values; everything else is skipped unread.
#include "runtime/codec/json_decoder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "runtime/codec/arena_output.hpp"
#include "runtime/codec/decode_failure.hpp"
#include "runtime/codec/json_number.hpp"
#include "runtime/codec/rfc3339.hpp"
#include "runtime/codec/utf8_check.hpp"

// The per-key path is inlined into decode_members, so that simdjson's iterator stays in
// registers; the failure paths and timestamps in text are kept out of it.
#define FLOW_HOT [[gnu::always_inline]] inline
#define FLOW_OUT_OF_LINE [[gnu::noinline]]
#define FLOW_COLD [[gnu::noinline, gnu::cold]]

namespace flow::runtime {

namespace ondemand = simdjson::ondemand;
using compiler::plan::TypeKind;

namespace {

//! The padded copy starts this big (or at max_record_bytes if smaller) and doubles as needed.
constexpr int64_t initial_buffer_bytes = 16 * 1024;

//! What stands for an invalid UTF-8 byte in the copy that is parsed a second time.
constexpr char utf8_mask = '?';

//! raw_json_token() runs up to the next token, so it includes the blanks after the value.
std::string_view trim_blanks(std::string_view token) {
  while (!token.empty() &&
         (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' || token.back() == '\r'))
    token.remove_suffix(1);
  return token;
}

//! Whether a value the decoder skips unread starts like a JSON value. `token` is its raw token, in
//! the padded buffer, so the byte just after it (the next token's first, or the padding) can be
//! read. simdjson's on-demand parser, skipping a value, takes a `,` or `:` there for the start of
//! an array, a `]` or `}` for a whole value and a string followed by `:` for a key, and would let
//! such records through (`"x":,1]`, `"x":}`, `"x":"q":[]}`).
FLOW_HOT bool starts_like_a_value(std::string_view token) {
  const char first = *token.data();  // a value's token is never empty
  if (first == '"') return token.data()[token.size()] != ':';
  return first != ',' && first != ':' && first != ']' && first != '}';
}

//! What is wrong with the brackets and braces of a record that simdjson's first pass accepted, or
//! nullptr: counted outside strings as that pass finds them, never more may be closed than were
//! opened, and all must be closed in the end. Kinds are not matched (`[1}` balances), as
//! simdjson's skipping does not match them either. Only called once a record has failed.
const char* bracket_problem(const char* json, int64_t len) noexcept {
  int64_t depth = 0;
  bool in_string = false;
  for (int64_t at = 0; at < len; ++at) {
    switch (json[at]) {
      case '\\':
        // For the first pass a backslash escapes the byte after it, inside a string or not; that
        // matters only if the byte is a quote or another backslash.
        if (at + 1 < len && (json[at + 1] == '"' || json[at + 1] == '\\')) ++at;
        break;
      case '"': in_string = !in_string; break;
      case '[':
      case '{': depth += in_string ? 0 : 1; break;
      case ']':
      case '}':
        if (!in_string && --depth < 0) return "a `]` or `}` closes nothing";
        break;
      default: break;
    }
  }
  return depth == 0 ? nullptr : "a `[` or `{` is never closed (truncated?)";
}

//! Whether `text`, which lies in the padded buffer, has a backslash: eight bytes at a time, reading
//! up to seven bytes past its end, which the padding allows.
FLOW_HOT bool has_backslash(std::string_view text) {
  constexpr uint64_t ones = 0x0101010101010101;
  constexpr uint64_t highs = 0x8080808080808080;
  for (std::size_t at = 0; at < text.size(); at += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + at, 8);
    word ^= ones * '\\';  // a backslash is now a zero byte
    if (const std::size_t left = text.size() - at; left < 8) word |= ~uint64_t{0} << (8 * left);
    if (((word - ones) & ~word & highs) != 0) return true;
  }
  return false;
}

}  // namespace

JsonDecoder::NeededField::NeededField(std::string name, int32_t index, TypeKind kind, bool nullable,
                                      std::string type_text)
    : name(std::move(name)), index(index), kind(kind), nullable(nullable), type_text(std::move(type_text)) {
  unsigned char bytes[16] = {};
  unsigned char mask[16] = {};
  for (std::size_t i = 0; i < this->name.size() && i < 16; ++i) {
    bytes[i] = static_cast<unsigned char>(this->name[i]);
    mask[i] = 0xFF;
  }
  std::memcpy(key_bytes, bytes, 16);
  std::memcpy(key_mask, mask, 16);
}

FLOW_HOT bool JsonDecoder::NeededField::is_key(const char* key) const noexcept {
  const std::size_t length = name.size();
  if (length > 16) {
    // Byte by byte: the key's closing quote matches no byte of a name, so this never reads past it.
    for (std::size_t i = 0; i < length; ++i)
      if (key[i] != name[i]) return false;
    return key[length] == '"';
  }
  // The key lies in the padded buffer, so 16 bytes can be read whatever its length.
  uint64_t head[2];
  std::memcpy(head, key, 16);
  return (head[0] & key_mask[0]) == key_bytes[0] && (head[1] & key_mask[1]) == key_bytes[1] && key[length] == '"';
}

JsonDecoder::JsonDecoder(const compiler::plan::Schema& schema, std::vector<bool> needed, int64_t max_record_bytes)
    : field_count_(schema.size()), max_record_bytes_(max_record_bytes),
      parser_(max_record_bytes > 0 ? static_cast<std::size_t>(max_record_bytes) : 0) {
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
    // Keys are matched against names byte for byte in the raw JSON (see KeyFinder::find).
    if (field.name.find_first_of("\"\\") != std::string::npos)
      throw std::invalid_argument(
          fmt::format("source field `{}`: a field name cannot contain `\"` or `\\`", field.name));
    const TypeKind kind = field.type.kind;
    if (kind == TypeKind::List) {
      // A field no query reads is skipped unread, whatever its type.
      if (!needed[i]) continue;
      const compiler::plan::Type& element = field.type.element.front();
      if (!compiler::plan::is_scalar_kind(element.kind))
        throw std::invalid_argument(fmt::format(
            "source field `{}`: reading a `{}` field is not supported yet: a list's elements must be scalars",
            field.name, field.type.to_string()));
      elements_.emplace_back(field.name + "[]", 0, element.kind, element.nullable, element.to_string());
      needed_.emplace_back(field.name, static_cast<int32_t>(i), kind, field.type.nullable, field.type.to_string());
      needed_.back().element = static_cast<int32_t>(elements_.size() - 1);
      needed_.back().max_length = field.type.max_length;
      continue;
    }
    if (!compiler::plan::is_scalar_kind(kind))
      throw std::invalid_argument(fmt::format("source field `{}`: a JSON source cannot have a field of type `{}`",
                                              field.name, field.type.to_string()));
    if (needed[i])
      needed_.emplace_back(field.name, static_cast<int32_t>(i), kind, field.type.nullable, field.type.to_string());
  }
  for (const NeededField& field : needed_)
    first_bytes_[static_cast<unsigned char>(field.name.empty() ? '"' : field.name[0])] = true;
  first_bytes_['\\'] = true;
  seen_.resize(needed_.size() > 64 ? needed_.size() - 64 : 0);
  const int64_t initial = std::min(max_record_bytes_, initial_buffer_bytes);
  buffer_.resize(static_cast<std::size_t>(initial) + simdjson::SIMDJSON_PADDING);
  if (parser_.allocate(static_cast<std::size_t>(initial)) != simdjson::SUCCESS) throw std::bad_alloc();
}

bool JsonDecoder::grow_buffer(int64_t len) noexcept {
  // Doubling: a record larger than any before costs an allocation, the next ones none.
  const auto capacity =
      std::clamp(static_cast<int64_t>(2 * (buffer_.size() - simdjson::SIMDJSON_PADDING)), len, max_record_bytes_);
  try {
    buffer_.resize(static_cast<std::size_t>(capacity) + simdjson::SIMDJSON_PADDING);
  } catch (const std::bad_alloc&) {
    return false;
  }
  return parser_.allocate(static_cast<std::size_t>(capacity)) == simdjson::SUCCESS;
}

template <typename... Args>
FLOW_COLD int32_t JsonDecoder::reject(Record& record, int32_t reason, fmt::format_string<Args...> format,
                                      Args&&... args) noexcept {
  // A record that fails before the walk reaches its end may hold a bracket that never closes,
  // which the walk would have met later: it is a truncated record, and that decides. (A record
  // read to its end has balanced, or the walk would have failed.)
  if (const char* problem = bracket_problem(buffer_.data(), record.len); problem != nullptr)
    return fail(record.arena, record.detail, FLOW_DECODE_MALFORMED_JSON, "the record is not valid JSON: {}", problem);
  return fail(record.arena, record.detail, reason, format, std::forward<Args>(args)...);
}

int32_t JsonDecoder::decode(const char* json, int64_t len, flow_value* fields, flow_arena* arena,
                            flow_str* detail) noexcept {
  if (detail != nullptr) *detail = {"", 0};
  for (std::size_t i = 0; i < field_count_; ++i) fields[i] = {0, 0, 1};
  if (len > max_record_bytes_)
    return fail(arena, detail, FLOW_DECODE_TOO_LARGE, "the record is {} bytes, more than the maximum of {}", len,
                max_record_bytes_);
  if (json == nullptr || len <= 0) return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "the record is empty");
  // A UTF-8 byte-order mark is ignored, as RFC 8259 section 8.1 allows and Jackson (the JVM peers'
  // parser) does; one of UTF-16 or UTF-32 says the record is not UTF-8 at all.
  if (len >= 3 && std::memcmp(json, "\xEF\xBB\xBF", 3) == 0) {
    json += 3;
    len -= 3;
    if (len == 0) return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON, "the record is only a byte-order mark");
  } else if (len >= 2 && (std::memcmp(json, "\xFE\xFF", 2) == 0 || std::memcmp(json, "\xFF\xFE", 2) == 0)) {
    return fail(arena, detail, FLOW_DECODE_MALFORMED_JSON,
                "the record starts with a UTF-16 or UTF-32 byte-order mark; JSON records must be UTF-8");
  }
  if (buffer_.size() < static_cast<std::size_t>(len) + simdjson::SIMDJSON_PADDING && !grow_buffer(len))
    return fail(arena, detail, FLOW_DECODE_TOO_LARGE, "the record is {} bytes, and there is no memory to parse it",
                len);
  std::memcpy(buffer_.data(), json, static_cast<std::size_t>(len));
  // The first byte of the padding must not be left over from an earlier, longer record: simdjson
  // 3.0.1 reads it as the token after the record's last one. It checks that the brackets of a
  // record balance only if that byte is `}` (its fix for simdjson issue 1834), and a walk that runs
  // past the end of an unbalanced record reads it as its next token. A zero, as in a fresh
  // decoder, starts no token: such a walk fails, and the decoder checks the balance itself where
  // it matters (see reject). The other padding bytes are only read past a token that ends before
  // the record's last `}`, so they decide nothing. (One byte, not the whole padding: clearing 64
  // bytes cost up to 2 ns per record.)
  buffer_[static_cast<std::size_t>(len)] = 0;
  Record record{json, len, fields, arena, detail, false};
  return parse(record, len);
}

int32_t JsonDecoder::parse(Record& record, int64_t len) noexcept {
  ondemand::document document;
  const auto error = parser_.iterate(buffer_.data(), static_cast<std::size_t>(len), buffer_.size()).get(document);
  if (error == simdjson::UTF8_ERROR && !record.masked_utf8) {
    // simdjson checks the whole record at once and cannot say where the bad bytes are. Find them,
    // mask them and parse again: only a needed string that contains one fails the record.
    masked_offsets_.clear();
    mask_invalid_utf8(buffer_.data(), static_cast<std::size_t>(len), utf8_mask, masked_offsets_);
    record.masked_utf8 = true;
    return parse(record, len);
  }
  if (error == simdjson::UTF8_ERROR)
    return fail(record.arena, record.detail, FLOW_DECODE_INVALID_UTF8, "the record is not valid UTF-8");
  if (error == simdjson::EMPTY)
    return fail(record.arena, record.detail, FLOW_DECODE_MALFORMED_JSON, "the record is empty or only blanks");
  if (error == simdjson::MEMALLOC || error == simdjson::CAPACITY)
    return fail(record.arena, record.detail, FLOW_DECODE_TOO_LARGE,
                "the record is {} bytes, and there is no memory to parse it", len);
  if (error != simdjson::SUCCESS)
    return fail(record.arena, record.detail, FLOW_DECODE_MALFORMED_JSON, "the record is not valid JSON: {}",
                structure_problem(error));

  ondemand::object object;
  if (const auto object_error = document.get_object().get(object); object_error != simdjson::SUCCESS) {
    ondemand::json_type type;
    if (object_error == simdjson::INCORRECT_TYPE && document.type().get(type) == simdjson::SUCCESS)
      return fail(record.arena, record.detail, FLOW_DECODE_MALFORMED_JSON, "expected a JSON object, found {}",
                  found_text(type));
    return fail(record.arena, record.detail, FLOW_DECODE_MALFORMED_JSON, "the record is not valid JSON: {}",
                structure_problem(object_error));
  }
  if (const int32_t reason = decode_members(record, object); reason != FLOW_DECODE_OK) return reason;

  const char* rest = nullptr;
  if (document.current_location().get(rest) == simdjson::SUCCESS)
    return reject(record, FLOW_DECODE_MALFORMED_JSON, "the record goes on after its JSON object (at byte {})",
                  rest - buffer_.data());
  // Having read the whole record, the walk has seen every bracket balance: a missing field is the
  // only problem left.
  for (std::size_t slot = 0; slot < needed_.size(); ++slot) {
    const NeededField& field = needed_[slot];
    const bool seen = slot < 64 ? (seen_first_ >> slot & 1) != 0 : seen_[slot - 64] != 0;
    if (!seen && !field.nullable)
      return fail(record.arena, record.detail, FLOW_DECODE_MISSING_FIELD,
                  "field `{}` is missing, and its type `{}` is not nullable", field.name, field.type_text);
  }
  return FLOW_DECODE_OK;
}

int32_t JsonDecoder::decode_members(Record& record, ondemand::object& object) noexcept {
  // Members copied into locals: simdjson's iterator stores through char pointers, which would make
  // the compiler reload every member of this decoder after each step.
  KeyFinder finder{needed_.data(), needed_.size(), first_bytes_, next_guess_};
  // Which needed fields were decoded: the first 64 in a register, any others in seen_.
  uint64_t seen_first = 0;
  uint8_t* const seen_rest = seen_.data();
  std::fill(seen_.begin(), seen_.end(), 0);
  auto already_seen = [&](int slot) {
    if (slot < 64) {
      const uint64_t bit = uint64_t{1} << slot;
      const bool seen = (seen_first & bit) != 0;
      seen_first |= bit;
      return seen;
    }
    const bool seen = seen_rest[slot - 64] != 0;
    seen_rest[slot - 64] = 1;
    return seen;
  };
  int32_t reason = FLOW_DECODE_OK;
  for (auto member : object) {
    if (const auto error = member.error(); error != simdjson::SUCCESS) {
      reason = reject(record, FLOW_DECODE_MALFORMED_JSON, "the record is not valid JSON: {}", structure_problem(error));
      break;
    }
    // A reference, not get() into a local: that copy costs a store-forwarding stall per key.
    ondemand::field&& field = std::move(member).value_unsafe();
    const int slot = finder.find(field);
    // A field a query reads that comes twice has two values, and which one the producer meant
    // cannot be known (Jackson keeps the last, simdjson's lookups the first): the record is a dead
    // letter, not a silent guess. Keys no query reads are not compared, so a repeated one of
    // those goes unnoticed.
    if (slot >= 0 && already_seen(slot)) {
      reason = reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}` appears twice in the record; which value is "
                      "meant is ambiguous", finder.fields[slot].name);
      break;
    }
    // An unknown key or a field no query reads: the value is skipped without being looked at,
    // once it is seen to start like a value.
    if (slot < 0) {
      if (const std::string_view token = field.value().raw_json_token(); !starts_like_a_value(token)) [[unlikely]] {
        reason = misplaced(record, token);
        break;
      }
      continue;
    }
    reason = decode_value(record, finder.fields[slot], field.value());
    if (reason != FLOW_DECODE_OK) break;
  }
  next_guess_ = finder.guess;
  seen_first_ = seen_first;
  return reason;
}

FLOW_HOT int JsonDecoder::KeyFinder::find(ondemand::field& field) noexcept {
  const char* key = reinterpret_cast<const char*>(field.key().raw());  // just after the opening quote
  // Unescaping can only change a key's first character if that is a backslash, so a key whose
  // first byte starts no needed name (and is no backslash) is one to skip, decided in one load.
  if (!first_bytes[static_cast<unsigned char>(key[0])]) return -1;
  // Producers write keys in one order, so the search starts after the last field found and the
  // common case is one comparison. Names have no quote or backslash, so raw bytes that equal a
  // name and end with a quote are that name.
  std::size_t slot = guess;
  for (std::size_t tried = 0; tried < count; ++tried) {
    if (fields[slot].is_key(key)) {
      guess = slot + 1 == count ? 0 : slot + 1;
      return static_cast<int>(slot);
    }
    slot = slot + 1 == count ? 0 : slot + 1;
  }
  // A key with escapes (`"\u0075ser"`) is compared unescaped; that is rare and may be slow.
  const char* end = key;
  while (*end != '"' && *end != '\\') ++end;
  std::string_view name;
  if (*end != '\\' || field.unescaped_key().get(name) != simdjson::SUCCESS) return -1;
  for (slot = 0; slot < count; ++slot)
    if (fields[slot].name == name) return static_cast<int>(slot);
  return -1;
}

FLOW_HOT int32_t JsonDecoder::decode_value(Record& record, const NeededField& field, ondemand::value& value) noexcept {
  flow_value& out = record.fields[field.index];
  switch (field.kind) {
    case TypeKind::Int:
    case TypeKind::Duration: {
      int64_t number;
      if (value.get_int64().get(number) != simdjson::SUCCESS) return mismatch(record, field, value);
      out = {number, 0, 0};
      return FLOW_DECODE_OK;
    }
    case TypeKind::Timestamp: {
      int64_t number;
      if (value.get_int64().get(number) == simdjson::SUCCESS) {
        out = {number, 0, 0};
        return FLOW_DECODE_OK;
      }
      const std::string_view token = value.raw_json_token();
      if (*token.data() != '"') return mismatch(record, field, value);
      const int32_t reason = decode_timestamp_text(record, field, value, trim_blanks(token));
      if (reason == FLOW_DECODE_OK && !starts_like_a_value(token)) [[unlikely]] return misplaced(record, token);
      return reason;
    }
    case TypeKind::Float: {
      double number;
      if (value.get_double().get(number) != simdjson::SUCCESS) return mismatch(record, field, value);
      out = {std::bit_cast<int64_t>(number), 0, 0};
      return FLOW_DECODE_OK;
    }
    case TypeKind::Bool: {
      bool truth;
      if (value.get_bool().get(truth) != simdjson::SUCCESS) return mismatch(record, field, value);
      out = {truth ? 1 : 0, 0, 0};
      return FLOW_DECODE_OK;
    }
    case TypeKind::String: {
      const std::string_view token = value.raw_json_token();
      if (*token.data() != '"') return mismatch(record, field, value);
      const int32_t reason = decode_string(record, field, value, trim_blanks(token));
      // A string read from its token is not consumed: simdjson skips it later, and takes it for a
      // key if a `:` follows.
      if (reason == FLOW_DECODE_OK && !starts_like_a_value(token)) [[unlikely]] return misplaced(record, token);
      return reason;
    }
    case TypeKind::List: return decode_list(record, field, value);
    default: return mismatch(record, field, value);  // the constructor lets no other kind through
  }
}

FLOW_OUT_OF_LINE int32_t JsonDecoder::decode_list(Record& record, const NeededField& field,
                                                  ondemand::value& value) noexcept {
  ondemand::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) return mismatch(record, field, value);
  std::size_t count = 0;
  if (array.count_elements().get(count) != simdjson::SUCCESS)
    return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: the array is not valid JSON", field.name);
  if (field.max_length > 0 && count > static_cast<std::size_t>(field.max_length))
    return reject(record, FLOW_DECODE_WRONG_TYPE, "field `{}`: {} elements, more than the {} of its type `{}`",
                  field.name, count, field.max_length, field.type_text);
  // The elements as flow_values, 8-byte aligned in the arena (which packs strings unaligned).
  flow_arena* arena = record.arena;
  constexpr int64_t size = sizeof(flow_value), align = alignof(flow_value);
  const int64_t start = arena ? (arena->used + align - 1) / align * align : 0;
  if (!arena || !arena->buffer || count > static_cast<std::size_t>((arena->capacity - std::min(start, arena->capacity)) / size))
    return reject(record, FLOW_DECODE_TOO_LARGE,
                  "field `{}`: its {} elements need more than the task's scratch memory for one record", field.name,
                  count);
  auto* items = reinterpret_cast<flow_value*>(arena->buffer + start);
  arena->used = start + static_cast<int64_t>(count) * size;
  // Each element is decoded as a field of its own (elements_), at index 0 of a one-value record.
  const NeededField& element = elements_[static_cast<std::size_t>(field.element)];
  Record one = record;
  std::size_t i = 0;
  for (auto item : array) {
    ondemand::value element_value;
    if (i >= count || item.get(element_value) != simdjson::SUCCESS)
      return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: the array is not valid JSON", field.name);
    items[i] = {0, 0, 1};  // a null element stays null (mismatch accepts it when the element is nullable)
    one.fields = &items[i];
    if (const int32_t reason = decode_value(one, element, element_value); reason != FLOW_DECODE_OK) return reason;
    ++i;
  }
  record.fields[field.index] = {static_cast<int64_t>(reinterpret_cast<intptr_t>(items)), static_cast<int64_t>(count), 0};
  return FLOW_DECODE_OK;
}

FLOW_HOT int32_t JsonDecoder::decode_string(Record& record, const NeededField& field, ondemand::value& value,
                                            std::string_view token) noexcept {
  if (token.size() < 2 || token.back() != '"')
    return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: {} is not a valid JSON string", field.name,
                  Excerpt{token});
  if (record.masked_utf8)
    if (const int32_t reason = check_masked_utf8(record, field, token); reason != FLOW_DECODE_OK) return reason;
  const std::string_view content = token.substr(1, token.size() - 2);
  flow_value& out = record.fields[field.index];
  if (!has_backslash(content)) {
    // Nothing to unescape: point into the caller's record, which outlives the batch.
    const char* data = record.input + (content.data() - buffer_.data());
    out = {static_cast<int64_t>(reinterpret_cast<intptr_t>(data)), static_cast<int64_t>(content.size()), 0};
    return FLOW_DECODE_OK;
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return escape_failure(record, field, content);
  // The unescaped text is in the parser, which the next record reuses: copy it to the arena. If
  // the arena is full the string is empty and `out_of_space` tells the runtime.
  const flow_str copy = arena_copy(record.arena, text);
  out = {static_cast<int64_t>(reinterpret_cast<intptr_t>(copy.data)), copy.len, 0};
  return FLOW_DECODE_OK;
}

FLOW_OUT_OF_LINE int32_t JsonDecoder::decode_timestamp_text(Record& record, const NeededField& field,
                                                            ondemand::value& value, std::string_view token) noexcept {
  if (token.size() < 2 || token.back() != '"')
    return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: {} is not a valid JSON string", field.name,
                  Excerpt{token});
  if (record.masked_utf8)
    if (const int32_t reason = check_masked_utf8(record, field, token); reason != FLOW_DECODE_OK) return reason;
  std::string_view text = token.substr(1, token.size() - 2);
  if (has_backslash(text) && value.get_string().get(text) != simdjson::SUCCESS)
    return escape_failure(record, field, token.substr(1, token.size() - 2));
  const Rfc3339Result parsed = parse_rfc3339(text);
  if (!parsed.ok)
    return reject(record, FLOW_DECODE_WRONG_TYPE,
                  "field `{}`: {} is not an RFC 3339 timestamp: {} (or send integer milliseconds)", field.name,
                  Excerpt{token}, parsed.problem);
  record.fields[field.index] = {parsed.ms, 0, 0};
  return FLOW_DECODE_OK;
}

FLOW_COLD int32_t JsonDecoder::mismatch(Record& record, const NeededField& field, ondemand::value& value) noexcept {
  const std::string_view token = trim_blanks(value.raw_json_token());
  // A value that does not parse because an invalid UTF-8 byte was masked in it is invalid UTF-8.
  if (record.masked_utf8)
    if (const int32_t reason = check_masked_utf8(record, field, token); reason != FLOW_DECODE_OK) return reason;
  ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS)
    return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: {} is not valid JSON", field.name, Excerpt{token});
  switch (type) {
    case ondemand::json_type::null:
      if (token != "null") break;
      if (field.nullable) return FLOW_DECODE_OK;  // every field starts out null
      return reject(record, FLOW_DECODE_MISSING_FIELD, "field `{}` is null, and its type `{}` is not nullable",
                    field.name, field.type_text);
    case ondemand::json_type::number: {
      const JsonNumberShape shape = json_number_shape(token);
      if (shape == JsonNumberShape::Invalid) break;
      if (field.kind == TypeKind::Float)
        return reject(record, FLOW_DECODE_OUT_OF_RANGE, "field `{}`: {} does not fit a 64-bit float", field.name,
                      Excerpt{token});
      if (field.kind == TypeKind::Int || field.kind == TypeKind::Duration || field.kind == TypeKind::Timestamp) {
        if (shape == JsonNumberShape::Integer)
          return reject(record, FLOW_DECODE_OUT_OF_RANGE, "field `{}`: {} does not fit a 64-bit integer", field.name,
                        Excerpt{token});
        return reject(record, FLOW_DECODE_WRONG_TYPE, "field `{}`: expected {}, found {}", field.name,
                      expected_text(field.kind), Excerpt{token});
      }
      return reject(record, FLOW_DECODE_WRONG_TYPE, "field `{}`: expected {}, found a number", field.name,
                    expected_text(field.kind));
    }
    case ondemand::json_type::boolean:
      if (token != "true" && token != "false") break;
      [[fallthrough]];
    default:
      return reject(record, FLOW_DECODE_WRONG_TYPE, "field `{}`: expected {}, found {}", field.name,
                    expected_text(field.kind), found_text(type));
  }
  return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: {} is not valid JSON", field.name, Excerpt{token});
}

FLOW_COLD int32_t JsonDecoder::misplaced(Record& record, std::string_view token) noexcept {
  const bool key_like = *token.data() == '"';
  const char* at = key_like ? token.data() + token.size() : token.data();
  return reject(record, FLOW_DECODE_MALFORMED_JSON, "the record is not valid JSON: {} at byte {}",
                key_like ? "a `:` after a value" : "a value is missing", at - buffer_.data());
}

FLOW_COLD int32_t JsonDecoder::check_masked_utf8(Record& record, const NeededField& field,
                                                 std::string_view token) noexcept {
  const int64_t begin = token.data() - buffer_.data();
  const int64_t end = begin + static_cast<int64_t>(token.size());
  const auto masked = std::lower_bound(masked_offsets_.begin(), masked_offsets_.end(), begin);
  if (masked == masked_offsets_.end() || *masked >= end) return FLOW_DECODE_OK;
  return reject(record, FLOW_DECODE_INVALID_UTF8,
                "field `{}`: the value is not valid UTF-8 (byte 0x{:02X} at offset {} of the record)", field.name,
                static_cast<unsigned char>(record.input[*masked]), *masked);
}

FLOW_COLD int32_t JsonDecoder::escape_failure(Record& record, const NeededField& field,
                                              std::string_view content) noexcept {
  // simdjson says only that unescaping failed: an escaped lone surrogate is invalid UTF-8 (it has
  // no encoding), anything else a malformed escape.
  if (const std::size_t at = find_lone_surrogate_escape(content); at != std::string_view::npos)
    return reject(record, FLOW_DECODE_INVALID_UTF8,
                  "field `{}`: the string is not valid UTF-8 (`{}` is a lone surrogate)", field.name,
                  content.substr(at, 6));
  return reject(record, FLOW_DECODE_MALFORMED_JSON, "field `{}`: the string has an invalid escape sequence",
                field.name);
}

}  // namespace flow::runtime
