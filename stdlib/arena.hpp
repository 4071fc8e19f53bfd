// How the stdlib places results in the caller's flow_arena: a fixed-size allocation, or a writer
// for results whose length is known only once they are written (format_time).
#pragma once

#include <cstdint>
#include <string_view>

#include "stdlib/flow_stdlib.h"

namespace flow::stdlib {

//! `size` bytes from `arena`, or nullptr with `out_of_space` set when they do not fit (a NULL
//! arena has no room and no flag to set).
char* arena_allocate(flow_arena* arena, int64_t size) noexcept;

//! Appends into the arena's free space and commits only on finish(), so a result that overflows
//! leaves the arena as it was (apart from the flag).
class ArenaWriter {
 public:
  explicit ArenaWriter(flow_arena* arena) noexcept;

  void append(std::string_view text) noexcept;
  void append(char c) noexcept;

  //! The written string, or the empty string with `out_of_space` set if it did not fit.
  flow_str finish() noexcept;

 private:
  flow_arena* arena_;
  char* begin_ = nullptr;
  int64_t room_ = 0;
  int64_t size_ = 0;
  bool overflowed_ = false;
};

//! Builds a flow_str_list item by item at the arena's next 8-byte boundary; nothing else may
//! allocate from the arena until finish(), which commits the items (or, when they did not fit,
//! returns the empty list with `out_of_space` set and leaves the arena as it was).
class StrListWriter {
 public:
  explicit StrListWriter(flow_arena* arena) noexcept;

  void append(std::string_view piece) noexcept;
  flow_str_list finish() noexcept;

 private:
  flow_arena* arena_;
  flow_str_item* begin_ = nullptr;
  int64_t room_ = 0;  //!< items that fit
  int64_t count_ = 0;
  bool overflowed_ = false;
};

}  // namespace flow::stdlib
