// The signatures of flow's built-in functions (implemented in stdlib/, documented in
// docs/stdlib.md) and aggregates, for the type checker.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/type.hpp"

namespace flow::compiler::plan {

//! The result type of `name(arguments)`, or an error message saying what the function accepts.
struct CallCheck {
  std::optional<Type> result;
  std::string error;  //!< when result is empty: "`substr` takes (string, int) or (string, int, int)"
};

bool is_scalar_function(const std::string& name);
bool is_aggregate_function(const std::string& name);
const std::vector<std::string>& function_names();

//! `sum(list)` is the scalar sum of a list's elements, not the aggregate `sum(x)`.
bool is_list_sum(const std::vector<Type>& arguments);
//! The type of `sum(list)`: the element type (int or float), nullable when the list is.
CallCheck check_list_sum(const std::vector<Type>& arguments);

CallCheck check_scalar_call(const std::string& name, const std::vector<Type>& arguments);
CallCheck check_aggregate_call(const std::string& name, const std::vector<Type>& arguments);

}  // namespace flow::compiler::plan
