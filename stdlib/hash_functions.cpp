// hash(x): XXH64 with seed 0 over a fixed byte encoding of the value, so a hash computed today on
// one machine equals the one computed tomorrow on another (state keys and partitioning rely on it).
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

namespace {

constexpr uint64_t prime_1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t prime_2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t prime_3 = 0x165667B19E3779F9ULL;
constexpr uint64_t prime_4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t prime_5 = 0x27D4EB2F165667C5ULL;

// XXH64 reads its input as little-endian words whatever the machine's byte order.
uint64_t read_64(const unsigned char* p) noexcept {
  uint64_t value = 0;
  std::memcpy(&value, p, sizeof value);
  if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap64(value);
  return value;
}

uint64_t read_32(const unsigned char* p) noexcept {
  uint32_t value = 0;
  std::memcpy(&value, p, sizeof value);
  if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap32(value);
  return value;
}

uint64_t mix_lane(uint64_t accumulator, uint64_t input) noexcept {
  accumulator += input * prime_2;
  accumulator = std::rotl(accumulator, 31);
  return accumulator * prime_1;
}

uint64_t merge_lane(uint64_t hash, uint64_t lane) noexcept {
  hash ^= mix_lane(0, lane);
  return hash * prime_1 + prime_4;
}

//! XXH64 as specified in xxHash's doc/xxhash_spec.md.
uint64_t xxh64(const unsigned char* p, uint64_t size, uint64_t seed) noexcept {
  const unsigned char* const end = p + size;
  uint64_t hash = 0;
  if (size >= 32) {
    uint64_t lanes[4] = {seed + prime_1 + prime_2, seed + prime_2, seed, seed - prime_1};
    for (; end - p >= 32; p += 32)
      for (int i = 0; i < 4; ++i) lanes[i] = mix_lane(lanes[i], read_64(p + 8 * i));
    hash = std::rotl(lanes[0], 1) + std::rotl(lanes[1], 7) + std::rotl(lanes[2], 12) + std::rotl(lanes[3], 18);
    for (uint64_t lane : lanes) hash = merge_lane(hash, lane);
  } else {
    hash = seed + prime_5;
  }
  hash += size;
  for (; end - p >= 8; p += 8) hash = std::rotl(hash ^ mix_lane(0, read_64(p)), 27) * prime_1 + prime_4;
  if (end - p >= 4) {
    hash = std::rotl(hash ^ (read_32(p) * prime_1), 23) * prime_2 + prime_3;
    p += 4;
  }
  for (; p < end; ++p) hash = std::rotl(hash ^ (*p * prime_5), 11) * prime_1;
  hash ^= hash >> 33;
  hash *= prime_2;
  hash ^= hash >> 29;
  hash *= prime_3;
  hash ^= hash >> 32;
  return hash;
}

//! The hash of a 64-bit value: XXH64 of its 8 little-endian bytes.
int64_t hash_word(uint64_t word) noexcept {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(word >> (8 * i));
  return static_cast<int64_t>(xxh64(bytes, sizeof bytes, 0));
}

}  // namespace

extern "C" {

int64_t flow_hash_str(flow_str s) noexcept {
  const std::string_view text = flow::stdlib::to_view(s);
  return static_cast<int64_t>(xxh64(reinterpret_cast<const unsigned char*>(text.data()), text.size(), 0));
}

int64_t flow_hash_int(int64_t x) noexcept { return hash_word(static_cast<uint64_t>(x)); }

// -0.0 hashes as 0.0 because they compare equal, and all NaNs hash alike whatever their payload.
int64_t flow_hash_float(double x) noexcept {
  if (x == 0) x = 0.0;
  if (std::isnan(x)) return hash_word(0x7FF8000000000000ULL);
  return hash_word(std::bit_cast<uint64_t>(x));
}

}  // extern "C"
