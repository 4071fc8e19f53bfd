// Two hashes, two jobs. The key is named by SHA-256: entries of different programs must never be
// taken for each other, and a collision-resistant digest makes that hold for any two keys (the
// 64-bit FNV-1a it replaces did not). The payload is checked with xxHash64: it only has to catch
// damage (a torn write, a flipped bit, a truncation), at gigabytes per second on every start;
// against someone who can write the cache directory no checksum helps, as they can write a
// matching one.
#include "compiler/codegen/cache_entry.hpp"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/Support/SHA256.h>
#include <llvm/Support/xxhash.h>

#include <array>
#include <cstring>

#include "compiler/codegen/byte_fields.hpp"

namespace flow::compiler::codegen {

namespace {

using Digest = std::array<uint8_t, 32>;

Digest key_digest(std::string_view key) {
  return llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
}

uint64_t checksum(std::string_view bytes) { return llvm::xxHash64(llvm::StringRef(bytes.data(), bytes.size())); }

// Offsets of the header's fields (see cache_entry.hpp).
constexpr size_t kVersionAt = 8, kReservedAt = 12, kKeyAt = 16, kLengthAt = 48, kChecksumAt = 56;

}  // namespace

std::string cache_entry_name(std::string_view key) {
  Digest digest = key_digest(key);
  std::string name = "flow-";
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < 16; ++i) {
    name.push_back(hex[digest[i] >> 4]);
    name.push_back(hex[digest[i] & 15]);
  }
  return name + ".o";
}

std::string encode_cache_entry(std::string_view key, std::string_view object) {
  std::string entry;
  entry.reserve(kCacheEntryHeaderSize + object.size());
  entry.append(kCacheEntryMagic);
  append_field(entry, kCacheEntryVersion, 4);
  append_field(entry, 0, 4);
  Digest digest = key_digest(key);
  entry.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  append_field(entry, object.size(), 8);
  append_field(entry, checksum(object), 8);
  entry.append(object);
  return entry;
}

std::optional<std::string_view> decode_cache_entry(std::string_view entry, std::string_view key, std::string& why) {
  if (entry.empty()) {
    why = "it is empty";
    return std::nullopt;
  }
  if (entry.size() < kCacheEntryHeaderSize) {
    why = "it is truncated: " + std::to_string(entry.size()) + " bytes, shorter than its " +
          std::to_string(kCacheEntryHeaderSize) + "-byte header";
    return std::nullopt;
  }
  if (entry.substr(0, kCacheEntryMagic.size()) != kCacheEntryMagic) {
    why = "it does not start with flow's cache header (garbled, or written by an older flow)";
    return std::nullopt;
  }
  uint64_t version = read_field(entry, kVersionAt, 4);
  if (version != kCacheEntryVersion) {
    why = "it is in cache format " + std::to_string(version) + ", this flow reads format " +
          std::to_string(kCacheEntryVersion);
    return std::nullopt;
  }
  if (read_field(entry, kReservedAt, 4) != 0) {
    why = "its header is garbled";
    return std::nullopt;
  }
  Digest digest = key_digest(key);
  if (std::memcmp(entry.data() + kKeyAt, digest.data(), digest.size()) != 0) {
    why = "it holds the machine code of another program (its key differs)";
    return std::nullopt;
  }
  uint64_t length = read_field(entry, kLengthAt, 8);
  std::string_view payload = entry.substr(kCacheEntryHeaderSize);
  if (length != payload.size()) {
    why = payload.size() < length ? "it is truncated: its header announces " + std::to_string(length) +
                                        " bytes of machine code, the file holds " + std::to_string(payload.size())
                                  : "it holds " + std::to_string(payload.size()) + " bytes of machine code, its " +
                                        "header announces " + std::to_string(length);
    return std::nullopt;
  }
  if (payload.empty()) {
    why = "it holds no machine code";
    return std::nullopt;
  }
  if (read_field(entry, kChecksumAt, 8) != checksum(payload)) {
    why = "its checksum does not match its contents (the machine code was altered or damaged)";
    return std::nullopt;
  }
  return payload;
}

}  // namespace flow::compiler::codegen
