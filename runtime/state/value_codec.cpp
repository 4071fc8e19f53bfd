// Encoding and decoding of state values, as value_codec.hpp lays them out.
#include "runtime/state/value_codec.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace flow::runtime {

using eval::Value;
using eval::ValueKind;

namespace {

void append(std::string& out, const Value& value, bool canonical) {
  out.push_back(static_cast<char>(value.kind));
  switch (value.kind) {
    case ValueKind::Null: return;
    case ValueKind::Bool: out.push_back(value.int_value ? 1 : 0); return;
    case ValueKind::Int:
    case ValueKind::Timestamp:
    case ValueKind::Duration: append_signed(out, value.int_value); return;
    case ValueKind::Float: {
      double d = value.float_value;
      if (canonical && d == 0) d = 0.0;
      // One NaN in state, keys or not: its sign and payload are not observable in flow (JSON writes
      // null, hash and comparisons treat every NaN alike), and LLVM folds 0.0 / 0.0 to another
      // NaN than the CPU computes, so generated code and the evaluator would store different bytes.
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
      append_double(out, d);
      return;
    }
    case ValueKind::String:
      append_varint(out, value.text.size());
      out += value.text;
      return;
    case ValueKind::List:
      append_varint(out, value.items.size());
      for (const Value& item : value.items) append(out, item, canonical);
      return;
    case ValueKind::Record:
      append_varint(out, value.items.size());
      for (size_t i = 0; i < value.items.size(); ++i) {
        const std::string& name = i < value.names.size() ? value.names[i] : std::string();
        append_varint(out, name.size());
        out += name;
        append(out, value.items[i], canonical);
      }
      return;
  }
}

//! The tag of a non-null flow_value of `type`.
ValueKind tag_of(const compiler::plan::Type& type) {
  ValueKind kind = eval::kind_of(type.kind);
  if (kind == ValueKind::Null || kind == ValueKind::Record)
    throw std::logic_error("state: no flow_value of type " + type.to_string());
  return kind;
}

void append_abi(std::string& out, const flow_value& value, const compiler::plan::Type& type, bool canonical) {
  if (value.is_null) {
    out.push_back(static_cast<char>(ValueKind::Null));
    return;
  }
  ValueKind kind = tag_of(type);
  out.push_back(static_cast<char>(kind));
  switch (kind) {
    case ValueKind::Bool: out.push_back(value.bits ? 1 : 0); return;
    case ValueKind::Float: {
      double d = std::bit_cast<double>(value.bits);
      if (canonical && d == 0) d = 0.0;
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // one NaN, as above
      append_double(out, d);
      return;
    }
    case ValueKind::String: {
      int64_t length = value.len > 0 ? value.len : 0;
      append_varint(out, static_cast<uint64_t>(length));
      out.append(reinterpret_cast<const char*>(value.bits), static_cast<size_t>(length));
      return;
    }
    case ValueKind::List: {
      int64_t count = value.len > 0 ? value.len : 0;
      append_varint(out, static_cast<uint64_t>(count));
      const auto* elements = reinterpret_cast<const flow_value*>(value.bits);
      for (int64_t i = 0; i < count; ++i) append_abi(out, elements[i], type.element.front(), canonical);
      return;
    }
    default: append_signed(out, value.bits); return;  // int, timestamp, duration
  }
}

}  // namespace

void append_abi_value(std::string& out, const flow_value& value, const compiler::plan::Type& type) {
  append_abi(out, value, type, false);
}

void append_abi_key(std::string& out, const flow_value& value, const compiler::plan::Type& type) {
  append_abi(out, value, type, true);
}

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void append_signed(std::string& out, int64_t value) {
  uint64_t bits = static_cast<uint64_t>(value);
  append_varint(out, (bits << 1) ^ (value < 0 ? ~uint64_t{0} : 0));
}

void append_ordered(std::string& out, int64_t value) {
  uint64_t bits = static_cast<uint64_t>(value) ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((bits >> shift) & 0xff));
}

void append_double(std::string& out, double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<char>((bits >> shift) & 0xff));
}

void append_value(std::string& out, const Value& value) { append(out, value, false); }
void append_key_value(std::string& out, const Value& value) { append(out, value, true); }

std::string ordered_bytes(int64_t value) {
  std::string out;
  append_ordered(out, value);
  return out;
}

int64_t read_ordered(std::string_view bytes) {
  if (bytes.size() < 8) throw StateCorruption("state: a time in a key is cut short");
  uint64_t bits = 0;
  for (size_t i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(bytes[i]);
  return static_cast<int64_t>(bits ^ (uint64_t{1} << 63));
}

uint8_t ValueReader::byte() {
  if (position_ >= bytes_.size()) throw StateCorruption("state: a value is cut short");
  return static_cast<uint8_t>(bytes_[position_++]);
}

std::string_view ValueReader::take(uint64_t count) {
  if (count > bytes_.size() - position_) throw StateCorruption("state: a value is cut short");
  std::string_view out = bytes_.substr(position_, count);
  position_ += count;
  return out;
}

uint64_t ValueReader::varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = byte();
    value |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return value;
  }
  throw StateCorruption("state: a number is too long");
}

int64_t ValueReader::signed_varint() {
  uint64_t bits = varint();
  return static_cast<int64_t>((bits >> 1) ^ (~(bits & 1) + 1));
}

double ValueReader::floating() {
  std::string_view bytes = take(8);
  uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>(bytes[i]);
  return std::bit_cast<double>(bits);
}

flow_value ValueReader::abi_value(const compiler::plan::Type& type, flow_arena* arena) {
  flow_value out{0, 0, 0};
  auto tag = static_cast<ValueKind>(byte());
  if (tag == ValueKind::Null) {
    out.is_null = 1;
    return out;
  }
  if (tag != tag_of(type)) throw StateCorruption("state: a value is not of its field's type " + type.to_string());
  switch (tag) {
    case ValueKind::Bool: out.bits = byte() != 0; return out;
    case ValueKind::Float: out.bits = std::bit_cast<int64_t>(floating()); return out;
    case ValueKind::String: {
      std::string_view text = take(varint());
      out.bits = reinterpret_cast<int64_t>(text.data());
      out.len = static_cast<int64_t>(text.size());
      return out;
    }
    case ValueKind::List: {
      uint64_t count = varint();
      if (count > bytes_.size() - position_) throw StateCorruption("state: a list is cut short");  // a byte each
      constexpr int64_t size = sizeof(flow_value), align = alignof(flow_value);
      int64_t start = (arena->used + align - 1) / align * align;
      if (!arena->buffer || start + static_cast<int64_t>(count) * size > arena->capacity) {
        arena->out_of_space = 1;
        for (uint64_t i = 0; i < count; ++i) abi_value(type.element.front(), arena);  // skip them
        return out;
      }
      auto* elements = reinterpret_cast<flow_value*>(arena->buffer + start);
      arena->used = start + static_cast<int64_t>(count) * size;
      for (uint64_t i = 0; i < count; ++i) elements[i] = abi_value(type.element.front(), arena);
      out.bits = reinterpret_cast<int64_t>(elements);
      out.len = static_cast<int64_t>(count);
      return out;
    }
    default: out.bits = signed_varint(); return out;  // int, timestamp, duration
  }
}

Value ValueReader::value(int depth) {
  // Bounded: damaged bytes that nest lists a million deep must be a damaged store, not a stack
  // overflow. No declared type nests anywhere near this deep.
  if (depth > kMaxNesting) throw StateCorruption("state: values nested more than " + std::to_string(kMaxNesting) + " deep");
  uint8_t tag = byte();
  switch (static_cast<ValueKind>(tag)) {
    case ValueKind::Null: return Value::null();
    case ValueKind::Bool: return Value::boolean(byte() != 0);
    case ValueKind::Int: return Value::integer(signed_varint());
    case ValueKind::Timestamp: return Value::timestamp(signed_varint());
    case ValueKind::Duration: return Value::duration(signed_varint());
    case ValueKind::Float: return Value::floating(floating());
    case ValueKind::String: {
      uint64_t length = varint();
      return Value::string(std::string(take(length)));
    }
    case ValueKind::List: {
      uint64_t count = varint();
      std::vector<Value> items;
      items.reserve(std::min<uint64_t>(count, bytes_.size() - position_));  // each takes a byte at least
      for (uint64_t i = 0; i < count; ++i) items.push_back(value(depth + 1));
      return Value::list(std::move(items));
    }
    case ValueKind::Record: {
      uint64_t count = varint();
      std::vector<std::string> names;
      std::vector<Value> items;
      for (uint64_t i = 0; i < count; ++i) {
        uint64_t length = varint();
        names.emplace_back(take(length));
        items.push_back(value(depth + 1));
      }
      return Value::record(std::move(names), std::move(items));
    }
  }
  throw StateCorruption("state: unknown value tag " + std::to_string(tag));
}

}  // namespace flow::runtime
