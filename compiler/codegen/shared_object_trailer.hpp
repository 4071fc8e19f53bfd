// The trailer `flowc build` appends to its shared object, and its check before dlopen: a
// truncated or damaged object would otherwise crash the process that maps it (SIGBUS, SIGSEGV)
// instead of being refused. dlopen reads only what the ELF headers point to, so the trailing
// bytes do not change what is loaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flow::compiler::codegen {

//! Layout (little-endian, the file's last 32 bytes): xxHash64 of the bytes before the trailer
//! (u64) | their length (u64) | trailer format version (u32) | 0 (u32) | magic "FLOWAOT\n" (8).
inline constexpr std::string_view kSharedObjectTrailerMagic{"FLOWAOT\n", 8};
inline constexpr uint32_t kSharedObjectTrailerVersion = 1;
inline constexpr size_t kSharedObjectTrailerSize = 32;

//! The trailer to append to `object` (the linked shared object).
std::string shared_object_trailer(std::string_view object);

//! The shared object inside `file` (a view into it, trailer excluded), or nothing and `why`, a
//! phrase to follow the file's name ("is damaged: …", "is not an application built by `flowc
//! build`, or it is damaged: …"), when `file` is not whole as flowc wrote it.
std::optional<std::string_view> check_shared_object_trailer(std::string_view file, std::string& why);

}  // namespace flow::compiler::codegen
