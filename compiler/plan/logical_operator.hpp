// The base of the logical plan's operators. A query is a pipeline: its first operator reads
// (Source or Union), its last writes (Sink); each operator knows the schema it produces.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/diagnostics/source_file.hpp"
#include "compiler/plan/json_writer.hpp"
#include "compiler/plan/operator_kind.hpp"
#include "compiler/plan/type.hpp"

namespace flow::compiler::plan {

struct LogicalOperator {
  explicit LogicalOperator(OperatorKind kind) : kind(kind) {}
  virtual ~LogicalOperator() = default;

  //! "Filter", "Aggregate": the name explain and the plan JSON use.
  virtual std::string name() const = 0;
  //! One line of detail for explain: the condition, the key, the window and aggregates.
  virtual std::string describe() const = 0;
  //! The operator's own members of its plan JSON object (kind, span and schema are written for it).
  virtual void write_json(JsonWriter& json) const = 0;

  OperatorKind kind;
  Span span;
  Schema output;  //!< what the operator produces
};

using OperatorList = std::vector<std::unique_ptr<LogicalOperator>>;

//! Writes a schema as a JSON array of {name, type}.
void write_schema(JsonWriter& json, const Schema& schema);

}  // namespace flow::compiler::plan
