// Every C ABI function of the stdlib by name, for the JIT: registering these addresses lets
// generated code call them without -rdynamic, and linking the table keeps every object file of the
// static library in the executable.
#pragma once

#include <span>
#include <string_view>

namespace flow::stdlib {

struct Symbol {
  std::string_view name;  //!< the C name, e.g. "flow_str_lower"
  const void* address;
};

//! One entry per function declared in stdlib/flow_stdlib.h.
std::span<const Symbol> symbols() noexcept;

}  // namespace flow::stdlib
