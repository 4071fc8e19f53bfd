// Expressions after name resolution and type checking: every name is bound to what it refers to
// (an input field, a state field, the key, a `let`), every node has its type. Code generation and
// the reference evaluator read these, never the AST.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/diagnostics/source_file.hpp"
#include "compiler/plan/type.hpp"

namespace flow::compiler::plan {

enum class BoundKind : uint8_t {
  Literal,      //!< value in int_value / float_value / text; type says which (Null for `null`)
  InputField,   //!< index into the operator's input schema; name = field name
  StateField,   //!< index into the process state; name = field name
  Key,          //!< the current key (after `key by`, in `process` handlers)
  Local,        //!< a `let` binding; index = slot
  Call,         //!< built-in function; name = function, children = arguments
  Unary,        //!< name = "-" or "not"
  Binary,       //!< name = operator
  If,           //!< children = condition, then, else
  Record,       //!< children = values; type.fields names them
  Member,       //!< field `name` (index) of the record children[0]
  Index,        //!< element children[1] (an int, 0-based) of the list children[0]; null outside it
};

struct BoundExpr {
  BoundKind kind = BoundKind::Literal;
  Type type;
  Span span;
  std::string name;
  int32_t index = -1;
  int64_t int_value = 0;  //!< Int, Bool (0/1), Timestamp, Duration literals
  double float_value = 0;
  std::string text;       //!< String literals
  std::vector<BoundExpr> children;
};

//! A duration in milliseconds as the largest exact unit: 30000 -> "30s", 90000 -> "90s".
std::string duration_to_source(int64_t ms);

//! The expression as flow source (for explain): `url != "/health"`, `state.clicks + 1`.
std::string to_source(const BoundExpr& expr);

}  // namespace flow::compiler::plan
