// Counting and skipping UTF-8 characters; ASCII runs take a fast path since most keys are ASCII.
#include "stdlib/utf8.hpp"

namespace flow::stdlib {

int64_t utf8_count(std::string_view text) noexcept {
  const auto size = static_cast<int64_t>(text.size());
  int64_t count = 0;
  int64_t at = 0;
  while (at < size) {
    at += static_cast<unsigned char>(text[static_cast<std::size_t>(at)]) < 0x80 ? 1 : utf8_char_size(text, at);
    ++count;
  }
  return count;
}

int64_t utf8_skip(std::string_view text, int64_t from, int64_t count) noexcept {
  const auto size = static_cast<int64_t>(text.size());
  int64_t at = from;
  while (count > 0 && at < size) {
    at += static_cast<unsigned char>(text[static_cast<std::size_t>(at)]) < 0x80 ? 1 : utf8_char_size(text, at);
    --count;
  }
  return at;
}

}  // namespace flow::stdlib
