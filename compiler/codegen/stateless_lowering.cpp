// The stateless operators on a record in registers (stateless_lowering.hpp).
#include "compiler/codegen/stateless_lowering.hpp"

#include "compiler/plan/operators/logical_filter.hpp"
#include "compiler/plan/operators/logical_key_by.hpp"
#include "compiler/plan/operators/logical_project.hpp"
#include "compiler/plan/operators/logical_tally.hpp"

namespace flow::compiler::codegen {

using plan::OperatorKind;

int32_t metric_index(const plan::Plan& plan, const std::string& name) {
  for (size_t i = 0; i < plan.metrics.size(); ++i)
    if (plan.metrics[i].name == name) return static_cast<int32_t>(i);
  throw CodegenError("unknown metric `" + name + "`");
}

bool StatelessLowering::lower(const plan::LogicalOperator& op, RowValues& row, llvm::BasicBlock* dropped,
                              const std::string& label) {
  llvm::IRBuilder<>& b = cx_.builder();
  ExprEnvironment env{&row.fields, row.key ? &*row.key : nullptr};
  switch (op.kind) {
    case OperatorKind::Filter: {
      llvm::Value* pass = expressions_.lower_condition(static_cast<const plan::LogicalFilter&>(op).condition, env);
      auto* cont = llvm::BasicBlock::Create(cx_.llvm(), label + ".pass", b.GetInsertBlock()->getParent());
      b.CreateCondBr(pass, cont, dropped);
      b.SetInsertPoint(cont);
      return true;
    }
    case OperatorKind::Tally: {
      const auto& tally = static_cast<const plan::LogicalTally&>(op);
      llvm::Value* count = cx_.i64_const(1);
      if (tally.condition) count = b.CreateZExt(expressions_.lower_condition(*tally.condition, env), cx_.i64());
      tally_(metric_index(plan_, tally.metric), count);
      return true;
    }
    case OperatorKind::KeyBy: {
      const auto& key_by = static_cast<const plan::LogicalKeyBy&>(op);
      row.key = expressions_.lower(key_by.key, env);
      row.key_type = key_by.key.type;
      return true;
    }
    case OperatorKind::Project: {
      std::vector<CgValue> computed;
      for (const auto& value : static_cast<const plan::LogicalProject&>(op).values)
        computed.push_back(expressions_.lower(value, env));
      row.fields = std::move(computed);
      row.types.clear();
      for (const auto& field : op.output) row.types.push_back(field.type);
      return true;
    }
    default: return false;
  }
}

}  // namespace flow::compiler::codegen
