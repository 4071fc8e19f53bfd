// The format of a code-cache entry (STATE_DIR/code-cache/flow-HASH.o): a 64-byte header, then
// the object file LLVM wrote. Reading an entry checks every field of the header and the
// payload's checksum before a byte of it reaches the JIT's linker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flow::compiler::codegen {

//! Layout (little-endian): magic "FLOWOBJ\n" (8) | format version (u32) | 0 (u32) | SHA-256 of
//! the cache key (32) | payload length (u64) | xxHash64 of the payload (u64) | payload.
inline constexpr std::string_view kCacheEntryMagic{"FLOWOBJ\n", 8};
inline constexpr uint32_t kCacheEntryVersion = 1;
inline constexpr size_t kCacheEntryHeaderSize = 64;

//! The file name of the entry of `key` (the text of everything the machine code depends on):
//! "flow-" and the first 16 bytes of its SHA-256 in hex, ".o".
std::string cache_entry_name(std::string_view key);

//! The bytes of the entry holding `object` for `key`.
std::string encode_cache_entry(std::string_view key, std::string_view object);

//! The object inside `entry` (a view into it), or nothing and `why` (lowercase, no final period:
//! "it is empty", "it is truncated: …", "its checksum does not match …", "it holds the machine
//! code of another program") when `entry` is not a whole, undamaged entry for `key`.
std::optional<std::string_view> decode_cache_entry(std::string_view entry, std::string_view key, std::string& why);

}  // namespace flow::compiler::codegen
