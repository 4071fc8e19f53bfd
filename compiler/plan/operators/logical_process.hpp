// Process: keyed state with event handlers (`process state {…} timeout D { on … { … } }`). It is
// keyed state processing, so it must be the last aggregation of its query.
#pragma once

#include <optional>

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/process_spec.hpp"

namespace flow::compiler::plan {

struct LogicalProcess final : LogicalOperator, ProcessSpec {
  LogicalProcess() : LogicalOperator(OperatorKind::Process) {}
  std::string name() const override { return "Process"; }
  std::string describe() const override;
  void write_json(JsonWriter& json) const override;

  //! Estimated bytes of one key's state (key + fields), for explain.
  int64_t estimated_bytes_per_key() const;
};

}  // namespace flow::compiler::plan
