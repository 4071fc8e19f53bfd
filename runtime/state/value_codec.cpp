// Encoding and decoding of state values, as value_codec.hpp lays them out.
#include "runtime/state/value_codec.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace flow::runtime {

using compiler::eval::Value;
using compiler::eval::ValueKind;

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
      if (canonical && std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
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

}  // namespace

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

Value ValueReader::value() {
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
      for (uint64_t i = 0; i < count; ++i) items.push_back(value());
      return Value::list(std::move(items));
    }
    case ValueKind::Record: {
      uint64_t count = varint();
      std::vector<std::string> names;
      std::vector<Value> items;
      for (uint64_t i = 0; i < count; ++i) {
        uint64_t length = varint();
        names.emplace_back(take(length));
        items.push_back(value());
      }
      return Value::record(std::move(names), std::move(items));
    }
  }
  throw StateCorruption("state: unknown value tag " + std::to_string(tag));
}

}  // namespace flow::runtime
