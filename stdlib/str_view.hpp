// Conversions between flow_str (the C ABI string) and std::string_view, for C++ code on either
// side of the ABI: the stdlib itself, the runtime and tests.
#pragma once

#include <cstdint>
#include <string_view>

#include "stdlib/flow_stdlib.h"

namespace flow::stdlib {

//! The view of `s`; a NULL `data` or a non-positive `len` is the empty string, as the ABI says.
inline std::string_view to_view(flow_str s) noexcept {
  if (s.data == nullptr || s.len <= 0) return {};
  return {s.data, static_cast<std::size_t>(s.len)};
}

//! A flow_str over `view`'s bytes; never has a NULL `data`, so results can be passed on as they are.
inline flow_str to_flow_str(std::string_view view) noexcept {
  if (view.empty()) return {"", 0};
  return {view.data(), static_cast<int64_t>(view.size())};
}

}  // namespace flow::stdlib
