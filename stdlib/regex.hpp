// Regular expressions on RE2, for the checker (which rejects a pattern RE2 cannot compile) and
// for tests of the flow_regex_* functions of flow_stdlib.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "stdlib/flow_stdlib.h"

namespace flow::stdlib {

//! What compiling a pattern gave.
struct RegexInfo {
  bool ok = false;
  std::string error;     //!< RE2's reason, when it does not compile: "missing )"
  std::string fragment;  //!< the part of the pattern RE2 names: "(ab"
  bool too_large = false;  //!< the reason is RE2's memory limit for one pattern
  int groups = 0;          //!< its capturing groups `( … )`
};

//! `pattern` compiled as the flow_regex_* functions compile it (RE2's syntax, UTF-8), and let go:
//! the checker's question, which leaves nothing in the functions' cache.
RegexInfo compile_regex(std::string_view pattern);

struct RegexDeleter {
  void operator()(const flow_regex* regex) const noexcept;
};
//! A compiled pattern owned by the caller, outside the process-wide cache. Placed in a slot, the
//! flow_regex_* functions use it as they would the cache's: for the fuzz target, whose millions
//! of patterns the cache, which never forgets, would keep.
using OwnedRegex = std::unique_ptr<const flow_regex, RegexDeleter>;
OwnedRegex compile_owned_regex(std::string_view pattern);

//! Empty when `replacement` is a valid replacement for a pattern with `groups` capturing groups
//! (`\0` to `\9` name a group, `\\` is a backslash), else why it is not, in the user's words.
std::string check_replacement(std::string_view replacement, int groups);

//! How many times the process-wide cache has been searched: once per call site of generated code
//! (its slot keeps the result), once per pattern and thread for calls without a slot (the
//! evaluator). For tests.
int64_t regex_cache_lookups() noexcept;

}  // namespace flow::stdlib
