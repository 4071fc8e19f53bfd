// xxHash64, as for the code cache's entries (cache_entry.cpp): the check is for damage, and it runs on
// every start of `flowrun run APP.so`.
#include "compiler/codegen/shared_object_trailer.hpp"

#include <llvm/Support/xxhash.h>

#include "compiler/codegen/byte_fields.hpp"

namespace flow::compiler::codegen {

namespace {

uint64_t checksum(std::string_view bytes) { return llvm::xxHash64(llvm::StringRef(bytes.data(), bytes.size())); }

// Offsets of the trailer's fields (see shared_object_trailer.hpp).
constexpr size_t kLengthAt = 8, kVersionAt = 16, kReservedAt = 20, kMagicAt = 24;

}  // namespace

std::string shared_object_trailer(std::string_view object) {
  std::string trailer;
  append_field(trailer, checksum(object), 8);
  append_field(trailer, object.size(), 8);
  append_field(trailer, kSharedObjectTrailerVersion, 4);
  append_field(trailer, 0, 4);
  trailer.append(kSharedObjectTrailerMagic);
  return trailer;
}

std::optional<std::string_view> check_shared_object_trailer(std::string_view file, std::string& why) {
  if (file.size() < kSharedObjectTrailerSize ||
      file.substr(file.size() - kSharedObjectTrailerSize + kMagicAt) != kSharedObjectTrailerMagic) {
    why = "is not an application built by `flowc build`, or it is damaged: it does not end with flowc's trailer" +
          std::string(file.empty() ? " (it is empty)" : "");
    return std::nullopt;
  }
  std::string_view trailer = file.substr(file.size() - kSharedObjectTrailerSize);
  std::string_view object = file.substr(0, file.size() - kSharedObjectTrailerSize);
  uint64_t version = read_field(trailer, kVersionAt, 4);
  if (version != kSharedObjectTrailerVersion || read_field(trailer, kReservedAt, 4) != 0) {
    why = "was built by another version of flowc (its trailer is in format " + std::to_string(version) +
          ", this flowrun reads format " + std::to_string(kSharedObjectTrailerVersion) + ")";
    return std::nullopt;
  }
  uint64_t length = read_field(trailer, kLengthAt, 8);
  if (length != object.size()) {
    why = "is damaged: flowc wrote " + std::to_string(length) + " bytes before its trailer, the file holds " +
          std::to_string(object.size());
    return std::nullopt;
  }
  if (read_field(trailer, 0, 8) != checksum(object)) {
    why = "is damaged: its checksum does not match its contents";
    return std::nullopt;
  }
  return object;
}

}  // namespace flow::compiler::codegen
