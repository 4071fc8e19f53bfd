#include "runtime/eval/distinct_count.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "stdlib/flow_stdlib.h"

namespace flow::runtime::eval {

namespace {

void encode(const Value& value, std::string& out) {
  out.push_back(static_cast<char>(value.kind));
  auto word = [&out](uint64_t bits) {
    char bytes[8];
    std::memcpy(bytes, &bits, 8);
    out.append(bytes, 8);
  };
  switch (value.kind) {
    case ValueKind::Null: return;
    case ValueKind::Bool:
    case ValueKind::Int:
    case ValueKind::Timestamp:
    case ValueKind::Duration: word(static_cast<uint64_t>(value.int_value)); return;
    case ValueKind::Float: {
      double d = value.float_value;
      if (d == 0) d = 0.0;
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
      word(std::bit_cast<uint64_t>(d));
      return;
    }
    case ValueKind::String:
      word(value.text.size());
      out += value.text;
      return;
    case ValueKind::List:
    case ValueKind::Record:
      word(value.items.size());
      for (const Value& item : value.items) encode(item, out);
      return;
  }
}

}  // namespace

uint64_t distinct_hash(const Value& value) {
  std::string bytes;
  encode(value, bytes);
  return static_cast<uint64_t>(flow_hash_str({bytes.data(), static_cast<int64_t>(bytes.size())}));
}

DistinctSketch DistinctSketch::of(std::vector<uint64_t> hashes, std::vector<uint8_t> registers) {
  DistinctSketch sketch;
  sketch.hashes_ = std::move(hashes);
  sketch.registers_ = std::move(registers);
  return sketch;
}

void DistinctSketch::add(uint64_t hash) {
  if (dense()) return add_to_registers(hash);
  auto at = std::lower_bound(hashes_.begin(), hashes_.end(), hash);
  if (at != hashes_.end() && *at == hash) return;
  hashes_.insert(at, hash);
  if (hashes_.size() > kSparseLimit) to_dense();
}

void DistinctSketch::merge(const DistinctSketch& other) {
  if (other.dense()) {
    if (!dense()) to_dense();
    for (size_t i = 0; i < kRegisters; ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
    return;
  }
  for (uint64_t hash : other.hashes_) add(hash);
}

void DistinctSketch::to_dense() {
  registers_.assign(kRegisters, 0);
  for (uint64_t hash : hashes_) add_to_registers(hash);
  hashes_.clear();
  hashes_.shrink_to_fit();
}

void DistinctSketch::add_to_registers(uint64_t hash) {
  size_t bucket = hash >> (64 - kPrecision);
  // The rank of the remaining bits: leading zeros + 1, at most 64 - kPrecision + 1.
  uint64_t rest = (hash << kPrecision) | (uint64_t{1} << (kPrecision - 1));
  auto rank = static_cast<uint8_t>(std::countl_zero(rest) + 1);
  registers_[bucket] = std::max(registers_[bucket], rank);
}

int64_t DistinctSketch::estimate() const {
  if (!dense()) return static_cast<int64_t>(hashes_.size());
  constexpr double m = static_cast<double>(kRegisters);
  const double alpha = 0.7213 / (1 + 1.079 / m);
  double sum = 0;
  size_t zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  double raw = alpha * m * m / sum;
  // Small range: linear counting is the better estimate while buckets are still empty.
  if (raw <= 2.5 * m && zeros > 0) raw = m * std::log(m / static_cast<double>(zeros));
  return std::llround(raw);
}

}  // namespace flow::runtime::eval
