// Writing into the caller's flow_arena (stdlib/flow_stdlib.h): the decoder's unescaped strings
// and details, the encoder's JSON. Same protocol as the stdlib's own arena code, which flow_runtime
// does not link: a result that does not fit sets `out_of_space` and leaves the arena as it was.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "stdlib/flow_stdlib.h"

namespace flow::runtime {

//! Free bytes, robust against a struct the caller filled in by hand with inconsistent fields.
inline int64_t arena_free_bytes(const flow_arena* arena) noexcept {
  if (arena == nullptr || arena->buffer == nullptr || arena->capacity <= 0 || arena->used < 0 ||
      arena->used > arena->capacity)
    return 0;
  return arena->capacity - arena->used;
}

//! Copies `text` into the arena; the empty string, with `out_of_space` set, if it does not fit.
inline flow_str arena_copy(flow_arena* arena, std::string_view text) noexcept {
  if (text.empty()) return {"", 0};
  const auto size = static_cast<int64_t>(text.size());
  if (size > arena_free_bytes(arena)) {
    if (arena != nullptr) arena->out_of_space = 1;
    return {"", 0};
  }
  char* out = arena->buffer + arena->used;
  std::memcpy(out, text.data(), text.size());
  arena->used += size;
  return {out, size};
}

//! Appends into the arena's free space and commits only on finish(). Callers reserve() room and
//! then write unchecked through put(), which keeps the encoder's inner loops free of tests.
class ArenaOutput {
 public:
  explicit ArenaOutput(flow_arena* arena) noexcept : arena_(arena) {
    const int64_t room = arena_free_bytes(arena);
    if (room > 0) {
      begin_ = cursor_ = arena->buffer + arena->used;
      end_ = begin_ + room;
    }
  }

  //! Whether `size` more bytes fit; once one reserve() fails, the output stays failed.
  bool reserve(int64_t size) noexcept {
    if (end_ - cursor_ >= size) return true;
    failed_ = true;
    end_ = cursor_;
    return false;
  }

  //! Unchecked writes, within what reserve() granted.
  void put(char c) noexcept { *cursor_++ = c; }
  void put(std::string_view text) noexcept {
    if (text.empty()) return;  // cursor_ is null in an arena without room
    std::memcpy(cursor_, text.data(), text.size());
    cursor_ += text.size();
  }
  char* cursor() noexcept { return cursor_; }
  void advance_to(char* cursor) noexcept { cursor_ = cursor; }

  //! Reserves and writes in one step; false (and failed) if it does not fit.
  bool append(std::string_view text) noexcept {
    if (!reserve(static_cast<int64_t>(text.size()))) return false;
    put(text);
    return true;
  }

  //! The written bytes, now part of the arena; or the empty string with `out_of_space` set.
  flow_str finish() noexcept {
    if (failed_) {
      if (arena_ != nullptr) arena_->out_of_space = 1;
      return {"", 0};
    }
    const int64_t size = cursor_ - begin_;
    if (size == 0) return {"", 0};
    arena_->used += size;
    return {begin_, size};
  }

 private:
  flow_arena* arena_;
  char* begin_ = nullptr;
  char* cursor_ = nullptr;
  char* end_ = nullptr;
  bool failed_ = false;
};

}  // namespace flow::runtime
