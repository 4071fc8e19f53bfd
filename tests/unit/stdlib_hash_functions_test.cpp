// hash: XXH64 (seed 0) against the reference vectors of the xxHash project, and the byte
// encodings used for int and float.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

namespace {

using flow::stdlib::to_flow_str;

int64_t as_int(uint64_t hash) { return static_cast<int64_t>(hash); }

int64_t hash_bytes(const unsigned char* bytes, int64_t size) {
  return flow_hash_str(flow_str{reinterpret_cast<const char*>(bytes), size});
}

int64_t hash_little_endian(uint64_t word) {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(word >> (8 * i));
  return hash_bytes(bytes, 8);
}

}  // namespace

TEST_CASE("stdlib hash: string matches the XXH64 reference vectors") {
  CHECK(flow_hash_str(to_flow_str("")) == as_int(0xEF46DB3751D8E999ULL));
  CHECK(flow_hash_str(to_flow_str("a")) == as_int(0xD24EC4F1A98C6E5BULL));
  CHECK(flow_hash_str(to_flow_str("abc")) == as_int(0x44BC2CF5AD770999ULL));
  CHECK(flow_hash_str(flow_str{nullptr, 10}) == as_int(0xEF46DB3751D8E999ULL));
}

TEST_CASE("stdlib hash: xxHash's own sanity buffer, through every code path") {
  // The buffer and expected values of xxhsum's sanity check (1, 14 and 101 bytes reach the
  // 1-byte tail, the 8- and 4-byte tails, and the 32-byte stripes).
  unsigned char buffer[101];
  uint32_t generator = 2654435761U;
  for (unsigned char& byte : buffer) {
    byte = static_cast<unsigned char>(generator >> 24);
    generator *= generator;
  }
  CHECK(hash_bytes(buffer, 1) == as_int(0x4FCE394CC88952D8ULL));
  CHECK(hash_bytes(buffer, 14) == as_int(0xCFFA8DB881BC3A3DULL));
  CHECK(hash_bytes(buffer, 101) == as_int(0x0EAB543384F878ADULL));
}

TEST_CASE("stdlib hash: int is XXH64 of its 8 little-endian bytes") {
  CHECK(flow_hash_int(0) == hash_little_endian(0));
  CHECK(flow_hash_int(42) == hash_little_endian(42));
  CHECK(flow_hash_int(-1) == hash_little_endian(0xFFFFFFFFFFFFFFFFULL));
  CHECK(flow_hash_int(std::numeric_limits<int64_t>::min()) == hash_little_endian(0x8000000000000000ULL));
  CHECK(flow_hash_int(1) != flow_hash_int(2));
}

TEST_CASE("stdlib hash: float is XXH64 of its IEEE bits, with -0.0 and NaNs made canonical") {
  CHECK(flow_hash_float(1.0) == hash_little_endian(0x3FF0000000000000ULL));
  CHECK(flow_hash_float(-0.0) == flow_hash_float(0.0));
  CHECK(flow_hash_float(0.0) == hash_little_endian(0));
  uint64_t payload_bits = 0x7FF0000000000123ULL;
  double other_nan = 0;
  std::memcpy(&other_nan, &payload_bits, sizeof other_nan);
  REQUIRE(std::isnan(other_nan));
  CHECK(flow_hash_float(other_nan) == flow_hash_float(std::nan("")));
  CHECK(flow_hash_float(std::nan("")) == hash_little_endian(0x7FF8000000000000ULL));
  CHECK(flow_hash_float(1.0) != flow_hash_float(-1.0));
}
