// What the operators without keyed state compute, and the two ends of a query (where it reads,
// where it writes): the descriptions the logical plan's operators (which add explain and JSON)
// and the physical plan's share. Each operator's own header says what it does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/bound_expr.hpp"

namespace flow::compiler::plan {

struct FilterSpec {
  BoundExpr condition;
};

struct ProjectSpec {
  std::vector<BoundExpr> values;  //!< values[i] computes output[i]
};

struct ExplodeSpec {
  BoundExpr list;  //!< of a list type
};

struct KeyBySpec {
  BoundExpr key;
};

struct TallySpec {
  std::string metric;
  std::optional<BoundExpr> condition;
};

struct SinkSpec {
  std::string sink;
  std::string target;  //!< kafka or stdout
  std::string topic;
  bool keyed = false;  //!< the message key is the query's key
};

struct SourceSpec {
  std::string source;  //!< the declared source's name
  std::string topic;
};

struct UnionInput {
  std::string source;
  std::string topic;
  Schema schema;
  BoundExpr key;  //!< over that source's schema
  Span span;
};

struct UnionSpec {
  std::vector<UnionInput> inputs;
  Type key_type;
};

}  // namespace flow::compiler::plan
