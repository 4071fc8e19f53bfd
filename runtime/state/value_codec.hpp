// The compact binary form of values in keyed state: what LevelDB keys and values hold.
//
// A value is one tag byte (its ValueKind) and a payload:
//   null      nothing
//   bool      one byte, 0 or 1
//   int, timestamp, duration   a zigzag varint (small magnitudes take one or two bytes)
//   float     the IEEE-754 bits, 8 bytes little-endian
//   string    a varint length, then the bytes
//   list      a varint count, then the elements
//   record    a varint count, then per field: a varint length, the name, the value
// Keys (a `key by` value, a group's values) use the same form made canonical, so that values the
// language groups together are byte-equal: -0.0 is written as 0.0 and every NaN as one NaN.
// Deadlines and window bounds in LevelDB keys are "ordered": 8 bytes big-endian with the sign bit
// flipped, so byte order is numeric order and an ordered scan is a scan by time.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "runtime/eval/value.hpp"

namespace flow::runtime {

//! State bytes that do not decode: the store is damaged or was written by another plan.
struct StateCorruption : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void append_varint(std::string& out, uint64_t value);
void append_signed(std::string& out, int64_t value);
void append_ordered(std::string& out, int64_t value);
void append_double(std::string& out, double value);
void append_value(std::string& out, const eval::Value& value);
//! The canonical form, for keys: equal groups give equal bytes.
void append_key_value(std::string& out, const eval::Value& value);

//! The same bytes as append_value / append_key_value of `Value::from_abi(value, type)`, straight
//! from a flow_value of `type` (a list's elements of its element type).
void append_abi_value(std::string& out, const flow_value& value, const compiler::plan::Type& type);
void append_abi_key(std::string& out, const flow_value& value, const compiler::plan::Type& type);

//! `value` in 8 ordered bytes.
std::string ordered_bytes(int64_t value);
//! The 8 ordered bytes at the start of `bytes`.
int64_t read_ordered(std::string_view bytes);

//! Reads what the append_ functions wrote, in the same order; throws StateCorruption past the end
//! or on an unknown tag.
class ValueReader {
 public:
  explicit ValueReader(std::string_view bytes) : bytes_(bytes) {}

  uint64_t varint();
  int64_t signed_varint();
  double floating();
  //! The next value; `depth` is how deep inside other values it is (StateCorruption past
  //! kMaxNesting).
  eval::Value value(int depth = 0);
  static constexpr int kMaxNesting = 64;
  //! A value of `type` as a flow_value: a string points into the bytes being read, a list's
  //! elements go into `arena` (a full arena gives an empty list and sets its `out_of_space`).
  //! A value of another kind than `type`'s is StateCorruption.
  flow_value abi_value(const compiler::plan::Type& type, flow_arena* arena);
  bool at_end() const { return position_ == bytes_.size(); }
  //! The next `count` bytes as they are (StateCorruption past the end).
  std::string_view bytes(uint64_t count) { return take(count); }

 private:
  uint8_t byte();
  std::string_view take(uint64_t count);

  std::string_view bytes_;
  size_t position_ = 0;
};

}  // namespace flow::runtime
