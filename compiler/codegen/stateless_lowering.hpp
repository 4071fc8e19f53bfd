// The stateless operators (`where`, `select`, `tally`, `key by`) on one record held in registers:
// one lowering for the batch function (the operators before a query's first stateful stage) and
// the stage functions (the operators after each stage). Internal to compiler/codegen.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "compiler/codegen/expression_lowering.hpp"
#include "compiler/codegen/lowering_context.hpp"
#include "compiler/plan/plan.hpp"

namespace flow::compiler::codegen {

//! A record between operators: its fields (SSA values), their types, and the key once one is set.
struct RowValues {
  std::vector<CgValue> fields;
  std::vector<plan::Type> types;
  std::optional<CgValue> key;
  plan::Type key_type;
};

//! How a `tally` adds `count` (an i64) to metric `metric` (an index into Plan::metrics): the batch
//! function calls the runtime back, a stage function adds to its counters.
using TallyLowering = std::function<void(int32_t metric, llvm::Value* count)>;

class StatelessLowering {
 public:
  StatelessLowering(LoweringContext& cx, const plan::Plan& plan, ExpressionLowering& expressions,
                    TallyLowering tally)
      : cx_(cx), plan_(plan), expressions_(expressions), tally_(std::move(tally)) {}

  //! Lowers `op` on `row` at the builder's insert point when it is a `where`, `select`, `tally` or
  //! `key by` (true); a record a `where` drops branches to `dropped`, one that passes goes on in a
  //! new block named after `label`. Any other operator: false, nothing lowered.
  bool lower(const plan::LogicalOperator& op, RowValues& row, llvm::BasicBlock* dropped, const std::string& label);

 private:
  LoweringContext& cx_;
  const plan::Plan& plan_;
  ExpressionLowering& expressions_;
  TallyLowering tally_;
};

//! The index of metric `name` in the plan (CodegenError when it has none).
int32_t metric_index(const plan::Plan& plan, const std::string& name);

}  // namespace flow::compiler::codegen
