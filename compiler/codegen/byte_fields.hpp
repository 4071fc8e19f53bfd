// Little-endian integer fields, as the code cache's entry header (cache_entry.hpp) and the shared
// object's trailer (shared_object_trailer.hpp) store them: the same bytes on every host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flow::compiler::codegen {

//! Appends the low `bytes` bytes of `value` to `out`, least significant first.
inline void append_field(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

//! The `bytes`-byte field at `offset` of `in` (the caller has checked that it lies inside).
inline uint64_t read_field(std::string_view in, size_t offset, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t(static_cast<uint8_t>(in[offset + i])) << (8 * i);
  return value;
}

}  // namespace flow::compiler::codegen
