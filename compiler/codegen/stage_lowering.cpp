// Stage functions (stage_lowering.hpp): the row's fields are loaded from the flow_value array the
// runtime hands over, run through the operators in registers, and stored into the output array;
// a `where` that drops the row returns at once.
#include "compiler/codegen/stage_lowering.hpp"

#include "compiler/codegen/codegen.hpp"
#include "compiler/codegen/expression_lowering.hpp"
#include "compiler/codegen/stateless_lowering.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/operators/logical_filter.hpp"
#include "compiler/plan/operators/logical_key_by.hpp"
#include "compiler/plan/operators/logical_project.hpp"
#include "compiler/plan/operators/logical_tally.hpp"

namespace flow::compiler::codegen {

using plan::OperatorKind;
using plan::TypeKind;

namespace {

//! The type of the first `key` that `expr` reads, if it reads one.
const plan::Type* key_read(const plan::BoundExpr& expr) {
  if (expr.kind == plan::BoundKind::Key) return &expr.type;
  for (const auto& child : expr.children)
    if (const plan::Type* type = key_read(child)) return type;
  return nullptr;
}

//! The type of the key the row comes with, as operators [first, end) read it before a `key by`
//! replaces it (null when none reads it).
const plan::Type* incoming_key_read(const plan::QueryPlan& query, size_t first, size_t end) {
  for (size_t i = first; i < end; ++i) {
    const plan::LogicalOperator& op = *query.operators[i];
    const plan::Type* type = nullptr;
    switch (op.kind) {
      case OperatorKind::Filter: type = key_read(static_cast<const plan::LogicalFilter&>(op).condition); break;
      case OperatorKind::Tally: {
        const auto& tally = static_cast<const plan::LogicalTally&>(op);
        if (tally.condition) type = key_read(*tally.condition);
        break;
      }
      case OperatorKind::Project:
        for (const auto& value : static_cast<const plan::LogicalProject&>(op).values)
          if (!type) type = key_read(value);
        break;
      case OperatorKind::KeyBy:
        // What follows reads the new key.
        return key_read(static_cast<const plan::LogicalKeyBy&>(op).key);
      default: break;
    }
    if (type) return type;
  }
  return nullptr;
}

bool scalar(const plan::Type& type) { return type.kind != TypeKind::List && type.kind != TypeKind::Record; }

//! What the runtime hands generated code: scalars and lists of scalars.
bool handed_over(const plan::Type& type) {
  return scalar(type) || (type.kind == TypeKind::List && !type.element.empty() && scalar(type.element.front()));
}

class StageLowering {
 public:
  StageLowering(LoweringContext& cx, const plan::Plan& plan, const plan::QueryPlan& query,
                const physical::StatefulStage& stage)
      : cx_(cx), b_(cx.builder()), plan_(plan), query_(query), stage_(stage), expressions_(cx) {}

  //! Lowers the stage's operators into `fn` (created with the flow_stage_fn signature).
  void run(llvm::Function* fn) {
    llvm::Value* tallies = fn->getArg(0);
    llvm::Value* fields = fn->getArg(1);
    llvm::Value* key = fn->getArg(2);
    llvm::Value* out = fn->getArg(3);
    llvm::Value* out_key = fn->getArg(4);
    cx_.arena = fn->getArg(5);

    const plan::Schema& input = query_.operators[stage_.operator_index]->output;
    for (const auto& field : input)
      if (!handed_over(field.type))
        throw CodegenError("field `" + field.name + "` is a " + field.type.to_string() +
                           ", which the runtime cannot hand to generated code");
    b_.SetInsertPoint(llvm::BasicBlock::Create(cx_.llvm(), "entry", fn));
    auto* dropped = llvm::BasicBlock::Create(cx_.llvm(), "dropped", fn);
    RowValues row;
    for (size_t f = 0; f < input.size(); ++f) {
      row.types.push_back(input[f].type);
      row.fields.push_back(cx_.load_value(cx_.slot(fields, f), input[f].type));
    }
    if (const plan::Type* type = incoming_key_read(query_, stage_.operator_index + 1, stage_.next_operator)) {
      if (!scalar(*type))
        throw CodegenError("they read `key`, the record of several `group by` fields (" + type->to_string() + ")");
      row.key = cx_.load_value(key, *type);
      row.key_type = *type;
    }
    StatelessLowering stateless(cx_, plan_, expressions_, [&](int32_t metric, llvm::Value* count) {
      llvm::Value* counter = b_.CreateGEP(cx_.i64(), tallies, cx_.i64_const(metric));
      b_.CreateStore(b_.CreateAdd(b_.CreateLoad(cx_.i64(), counter), count), counter);
    });
    bool keyed = false;
    for (size_t i = stage_.operator_index + 1; i < stage_.next_operator; ++i) {
      const plan::LogicalOperator& op = *query_.operators[i];
      if (!stateless.lower(op, row, dropped, "after." + std::to_string(i)))
        throw CodegenError("operator " + std::to_string(i) + " is not a `where`, `select`, `tally` or `key by`");
      keyed |= op.kind == OperatorKind::KeyBy;
    }
    for (size_t f = 0; f < row.fields.size(); ++f) cx_.store_value(cx_.slot(out, f), row.fields[f], row.types[f]);
    if (keyed) {
      if (!scalar(row.key_type)) throw CodegenError("`key by` a " + row.key_type.to_string());
      cx_.store_value(out_key, *row.key, row.key_type);
    }
    b_.CreateRet(b_.getInt32(keyed ? FLOW_STAGE_PASSED | FLOW_STAGE_KEYED : FLOW_STAGE_PASSED));
    b_.SetInsertPoint(dropped);
    b_.CreateRet(b_.getInt32(FLOW_STAGE_DROPPED));
  }

 private:
  LoweringContext& cx_;
  llvm::IRBuilder<>& b_;
  const plan::Plan& plan_;
  const plan::QueryPlan& query_;
  const physical::StatefulStage& stage_;
  ExpressionLowering expressions_;
};

}  // namespace

std::string stage_function_name(size_t query, size_t stage) {
  return "flow_stage_" + std::to_string(query) + "_" + std::to_string(stage);
}

void lower_stage_functions(LoweringContext& cx, const plan::Plan& plan, std::string* skipped) {
  physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  llvm::Type* ptr = cx.ptr();
  auto* type = llvm::FunctionType::get(cx.i32(), {ptr, ptr, ptr, ptr, ptr, ptr}, false);
  for (size_t q = 0; q < plan.queries.size(); ++q) {
    const plan::QueryPlan& query = plan.queries[q];
    const auto& stages = physical.queries[q].stages;
    for (size_t s = 0; s < stages.size(); ++s) {
      if (stages[s].next_operator <= stages[s].operator_index + 1) continue;  // nothing runs after it
      auto* fn = llvm::Function::Create(type, llvm::Function::ExternalLinkage, stage_function_name(q, s), cx.module());
      // The counters, rows, keys and arena never overlap.
      for (unsigned arg = 0; arg < 6; ++arg) fn->addParamAttr(arg, llvm::Attribute::NoAlias);
      try {
        StageLowering(cx, plan, query, stages[s]).run(fn);
      } catch (const CodegenError& e) {
        fn->eraseFromParent();
        const char* kind = stages[s].kind == OperatorKind::Process ? "process"
                           : stages[s].kind == OperatorKind::Join  ? "join"
                                                                   : "aggregate";
        if (skipped)
          *skipped += "query `" + query.name + "`, the operators after its `" + kind + "` (stage " +
                      std::to_string(s + 1) + "): " + e.what() +
                      " (these operators run in the reference evaluator, slower)\n";
      }
    }
  }
  cx.arena = nullptr;
}

}  // namespace flow::compiler::codegen
