// Lowers bound expressions to LLVM IR: straight-line code with `select` for nulls and branches
// (expressions have no side effects, so both sides of an `if` may run), calls into stdlib/ for
// built-in functions. Semantics: docs/language.md, "Evaluation".
#pragma once

#include <map>
#include <stdexcept>
#include <vector>

#include "compiler/codegen/lowering_context.hpp"
#include "compiler/plan/bound_expr.hpp"

namespace flow::compiler::codegen {

//! A construct the code generator does not handle (yet); the message names it.
struct CodegenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

//! What names refer to while lowering one operator's expressions.
struct ExprEnvironment {
  const std::vector<CgValue>* fields = nullptr;  //!< the current record, indexed like its schema
  const CgValue* key = nullptr;
  //! In a `process` handler: the key's state fields (flow_value slots, indexed like the state)
  //! and the `let` slots, both read where they are named.
  llvm::Value* state = nullptr;
  const std::vector<llvm::Value*>* locals = nullptr;
  //! `let` bindings of records: one flow_value slot per field, by `let` slot.
  const std::map<int32_t, std::vector<llvm::Value*>>* record_locals = nullptr;
};

class ExpressionLowering {
 public:
  explicit ExpressionLowering(LoweringContext& cx) : cx_(cx) {}

  CgValue lower(const plan::BoundExpr& expr, const ExprEnvironment& env);
  //! A condition as `where` reads it: true only when non-null and true.
  llvm::Value* lower_condition(const plan::BoundExpr& expr, const ExprEnvironment& env);
  //! Converts a value of type `from` to type `to` (null literal to any type, int to float).
  CgValue convert(const CgValue& value, const plan::Type& from, const plan::Type& to);
  //! A record-typed expression (a record literal, a `let` of one, a member or an `if` of them)
  //! as its fields' values: records are never stored whole, only taken apart. Each field is
  //! converted to the expression's field type.
  std::vector<CgValue> lower_record(const plan::BoundExpr& expr, const ExprEnvironment& env);
  //! Element `position` of `list`, or null when `position` is negative.
  CgValue element_at(const CgValue& list, llvm::Value* position, const plan::Type& element);
  //! The FLOW_LIST_* comparison of `list`'s elements, as an i32 constant.
  llvm::Value* list_kind(const plan::Type& list);

 private:
  CgValue lower_literal(const plan::BoundExpr& expr);
  CgValue lower_unary(const plan::BoundExpr& expr, const ExprEnvironment& env);
  CgValue lower_binary(const plan::BoundExpr& expr, const ExprEnvironment& env);
  CgValue lower_call(const plan::BoundExpr& expr, const ExprEnvironment& env);
  CgValue lower_if(const plan::BoundExpr& expr, const ExprEnvironment& env);
  llvm::Value* compare(const std::string& op, const CgValue& l, const plan::Type& lt, const CgValue& r,
                       const plan::Type& rt);
  CgValue select(llvm::Value* condition, const CgValue& then, const CgValue& otherwise);
  CgValue string_result(llvm::Value* pair, llvm::Value* null);

  LoweringContext& cx_;
  llvm::GlobalVariable* null_element_ = nullptr;
};

}  // namespace flow::compiler::codegen
