// flow_arena: the bump allocator that string results are written into (see flow_stdlib.h).
#include "stdlib/arena.hpp"

#include <cstring>

#include "stdlib/str_view.hpp"

extern "C" void flow_arena_init(flow_arena* arena, char* buffer, int64_t capacity) noexcept {
  if (arena == nullptr) return;
  // A buffer we cannot write to is an arena without room, not a crash later.
  const bool usable = buffer != nullptr && capacity > 0;
  arena->buffer = usable ? buffer : nullptr;
  arena->capacity = usable ? capacity : 0;
  arena->used = 0;
  arena->out_of_space = 0;
}

extern "C" void flow_arena_reset(flow_arena* arena) noexcept {
  if (arena == nullptr) return;
  arena->used = 0;
  arena->out_of_space = 0;
}

namespace flow::stdlib {
namespace {

//! Free bytes, robust against a struct the caller filled in by hand with inconsistent fields.
int64_t free_bytes(const flow_arena* arena) noexcept {
  if (arena->buffer == nullptr || arena->capacity <= 0 || arena->used < 0 || arena->used > arena->capacity) return 0;
  return arena->capacity - arena->used;
}

}  // namespace

char* arena_allocate(flow_arena* arena, int64_t size) noexcept {
  if (arena == nullptr) return nullptr;
  if (size < 0 || size > free_bytes(arena)) {
    arena->out_of_space = 1;
    return nullptr;
  }
  char* result = arena->buffer + arena->used;
  arena->used += size;
  return result;
}

ArenaWriter::ArenaWriter(flow_arena* arena) noexcept : arena_(arena) {
  if (arena_ == nullptr) return;
  room_ = free_bytes(arena_);
  if (room_ > 0) begin_ = arena_->buffer + arena_->used;
}

void ArenaWriter::append(std::string_view text) noexcept {
  const auto size = static_cast<int64_t>(text.size());
  if (overflowed_ || size > room_ - size_) {
    overflowed_ = true;
    return;
  }
  if (size > 0) std::memcpy(begin_ + size_, text.data(), text.size());
  size_ += size;
}

void ArenaWriter::append(char c) noexcept { append(std::string_view(&c, 1)); }

flow_str ArenaWriter::finish() noexcept {
  if (overflowed_) {
    if (arena_ != nullptr) arena_->out_of_space = 1;
    return to_flow_str({});
  }
  if (size_ == 0) return to_flow_str({});
  arena_->used += size_;
  return {begin_, size_};
}

namespace {
const flow_str_item no_items[1] = {{"", 0, 0}};
}  // namespace

StrListWriter::StrListWriter(flow_arena* arena) noexcept : arena_(arena) {
  if (arena_ == nullptr || free_bytes(arena_) == 0) return;
  constexpr int64_t align = alignof(flow_str_item), size = sizeof(flow_str_item);
  const int64_t start = (arena_->used + align - 1) / align * align;
  if (start > arena_->capacity) return;
  begin_ = reinterpret_cast<flow_str_item*>(arena_->buffer + start);
  room_ = (arena_->capacity - start) / size;
}

void StrListWriter::append(std::string_view piece) noexcept {
  if (overflowed_ || count_ >= room_) {
    overflowed_ = true;
    return;
  }
  begin_[count_++] = {piece.empty() ? "" : piece.data(), static_cast<int64_t>(piece.size()), 0};
}

flow_str_list StrListWriter::finish() noexcept {
  if (overflowed_) {
    if (arena_ != nullptr) arena_->out_of_space = 1;
    return {no_items, 0};
  }
  if (count_ == 0) return {no_items, 0};
  arena_->used = reinterpret_cast<char*>(begin_ + count_) - arena_->buffer;
  return {begin_, count_};
}

}  // namespace flow::stdlib
