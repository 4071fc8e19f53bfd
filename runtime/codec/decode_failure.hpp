// The `detail` of a record that fails to decode: one line naming the field and what was wrong,
// e.g. "field `bytes`: expected an integer, found a string", written into the task's arena; and
// the words those lines are made of.
#pragma once

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <string_view>
#include <utility>

#include "compiler/plan/type.hpp"
#include "stdlib/flow_stdlib.h"

namespace flow::runtime {

//! Copies `text` into the arena as `*detail` (the empty string if it does not fit).
void write_detail(flow_arena* arena, flow_str* detail, std::string_view text) noexcept;

//! Formats the detail and returns `reason`, so that a failing decode reads `return fail(...)`.
//! Formats into a stack buffer: a stream of bad records should not mean a stream of mallocs. Kept
//! out of line, so that its buffer and formatting stay off the decoder's fast path.
template <typename... Args>
[[gnu::cold, gnu::noinline]] int32_t fail(flow_arena* arena, flow_str* detail, int32_t reason,
                                          fmt::format_string<Args...> format, Args&&... args) noexcept {
  char text[512];
  const auto result = fmt::format_to_n(text, sizeof text, format, std::forward<Args>(args)...);
  write_detail(arena, detail, std::string_view(text, result.size < sizeof text ? result.size : sizeof text));
  return reason;
}

//! What a field of `kind` takes: "an integer", "a string", ...
std::string_view expected_text(compiler::plan::TypeKind kind) noexcept;

//! What a JSON value of `type` is: "an array", "null", ...
std::string_view found_text(simdjson::ondemand::json_type type) noexcept;

//! Why simdjson found a record's structure invalid, in the words of a dead letter.
std::string_view structure_problem(simdjson::error_code error) noexcept;

//! A JSON token as a message quotes it: at most 40 bytes, cut at a character boundary, with `…`
//! when cut, between backticks.
struct Excerpt {
  std::string_view token;
};

}  // namespace flow::runtime

template <> struct fmt::formatter<flow::runtime::Excerpt> : fmt::formatter<std::string_view> {
  auto format(flow::runtime::Excerpt excerpt, fmt::format_context& context) const -> decltype(context.out()) {
    constexpr std::size_t limit = 40;
    std::string_view text = excerpt.token;
    const bool cut = text.size() > limit;
    if (cut) {
      std::size_t end = limit;
      while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
      text = text.substr(0, end);
    }
    return fmt::format_to(context.out(), "`{}{}`", text, cut ? "…" : "");
  }
};
