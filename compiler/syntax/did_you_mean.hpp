// "did you mean `url`?" — the closest known name to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow::compiler {

//! The candidate closest to `name` by edit distance, if it is close enough to be a typo.
std::optional<std::string> closest_name(std::string_view name, const std::vector<std::string>& candidates);

//! " (did you mean `x`?)"-style help text, or the fallback when nothing is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates, std::string fallback);

}  // namespace flow::compiler
