// Implementation of the lowering's helper functions (see runtime_support.h).
#include "compiler/codegen/runtime_support.h"

#include "compiler/codegen/codegen.hpp"
#include "runtime/abi/flow_abi.h"
#include "stdlib/symbol_table.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace {

flow_str to_arena(flow_arena* arena, const char* text, size_t length) {
  if (!arena || arena->used + static_cast<int64_t>(length) > arena->capacity) {
    if (arena) arena->out_of_space = 1;
    return {"", 0};
  }
  char* out = arena->buffer + arena->used;
  std::memcpy(out, text, length);
  arena->used += static_cast<int64_t>(length);
  return {out, static_cast<int64_t>(length)};
}

}  // namespace

extern "C" int32_t flow_cg_str_compare(const char* a, int64_t a_len, const char* b, int64_t b_len) noexcept {
  int64_t common = std::min(a_len, b_len);
  int result = common > 0 ? std::memcmp(a, b, static_cast<size_t>(common)) : 0;
  if (result != 0) return result < 0 ? -1 : 1;
  return a_len < b_len ? -1 : (a_len > b_len ? 1 : 0);
}

extern "C" flow_str flow_cg_format_int(flow_arena* arena, int64_t value) noexcept {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return to_arena(arena, buffer, static_cast<size_t>(result.ptr - buffer));
}

extern "C" flow_str flow_cg_format_float(flow_arena* arena, double value) noexcept {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return to_arena(arena, buffer, static_cast<size_t>(result.ptr - buffer));
}

extern "C" flow_str flow_cg_list_append(flow_arena* arena, const void* items, int64_t count, const void* element,
                                        int64_t max) noexcept {
  // flow_value elements: 8-byte aligned in the arena, which packs strings unaligned.
  constexpr int64_t size = sizeof(flow_value), align = alignof(flow_value);
  int64_t kept = count < 0 ? 0 : count;
  if (max > 0 && kept >= max) kept = max - 1;
  int64_t start = arena ? (arena->used + align - 1) / align * align : 0;
  if (!arena || !arena->buffer || start + (kept + 1) * size > arena->capacity) {
    if (arena) arena->out_of_space = 1;
    return {nullptr, 0};
  }
  auto* out = reinterpret_cast<flow_value*>(arena->buffer + start);
  if (kept > 0) std::memcpy(out, static_cast<const flow_value*>(items) + (count - kept), kept * size);
  std::memcpy(out + kept, element, size);
  arena->used = start + (kept + 1) * size;
  return {reinterpret_cast<const char*>(out), kept + 1};
}

namespace flow::compiler::codegen {

std::vector<HostSymbol> callable_symbols(const std::vector<HostSymbol>& host) {
  std::vector<HostSymbol> symbols;
  for (const auto& symbol : stdlib::symbols()) symbols.push_back({std::string(symbol.name), symbol.address});
  symbols.push_back({"flow_cg_str_compare", reinterpret_cast<const void*>(&flow_cg_str_compare)});
  symbols.push_back({"flow_cg_format_int", reinterpret_cast<const void*>(&flow_cg_format_int)});
  symbols.push_back({"flow_cg_format_float", reinterpret_cast<const void*>(&flow_cg_format_float)});
  symbols.push_back({"flow_cg_list_append", reinterpret_cast<const void*>(&flow_cg_list_append)});
  symbols.insert(symbols.end(), host.begin(), host.end());
  return symbols;
}

}  // namespace flow::compiler::codegen
