// What the lowering of one plan shares: the LLVM module and builder, the ABI's types, and the
// external functions (runtime callbacks, codecs, built-ins) declared once with their C signatures.
// Internal to compiler/codegen: only the .cpp files of this folder include it.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <map>
#include <memory>
#include <string>

#include "compiler/plan/type.hpp"

namespace flow::compiler::codegen {

//! A flow value in SSA form. Int, timestamp, duration: `a` is i64. Float: `a` is double. Bool:
//! `a` is i1. String: `a` is ptr, `b` is i64 length. List: `a` points at the elements (flow_values),
//! `b` is their count. `null` is i1 for every type.
struct CgValue {
  llvm::Value* a = nullptr;
  llvm::Value* b = nullptr;
  llvm::Value* null = nullptr;
};

class LoweringContext {
 public:
  explicit LoweringContext(const std::string& module_name);

  llvm::LLVMContext& llvm() { return *context_; }
  llvm::Module& module() { return *module_; }
  llvm::IRBuilder<>& builder() { return builder_; }

  // ABI types.
  llvm::Type* i1() { return builder_.getInt1Ty(); }
  llvm::Type* i8() { return builder_.getInt8Ty(); }
  llvm::Type* i32() { return builder_.getInt32Ty(); }
  llvm::Type* i64() { return builder_.getInt64Ty(); }
  llvm::Type* f64() { return builder_.getDoubleTy(); }
  llvm::PointerType* ptr() { return builder_.getPtrTy(); }
  llvm::StructType* value_type() { return value_type_; }    //!< flow_value { i64, i64, i8 }
  llvm::StructType* record_type() { return record_type_; }  //!< flow_record
  llvm::StructType* str_type() { return str_type_; }        //!< flow_str returned as { ptr, i64 }

  //! An external C function, declared on first use with the given signature.
  llvm::FunctionCallee external(const std::string& name, llvm::Type* result, llvm::ArrayRef<llvm::Type*> params);
  //! A runtime callback: reads its pointer arguments and changes only the runtime's own state,
  //! never memory generated code reads (the contract in flow_abi.h), so values survive the call.
  llvm::FunctionCallee callback(const std::string& name, llvm::Type* result, llvm::ArrayRef<llvm::Type*> params);
  //! An external function without side effects that reads at most its pointer arguments' memory
  //! (`reads_arguments`) or none at all: the optimiser may merge and hoist its calls.
  llvm::FunctionCallee pure_external(const std::string& name, llvm::Type* result, llvm::ArrayRef<llvm::Type*> params,
                                     bool reads_arguments);

  llvm::Value* i64_const(int64_t v) { return builder_.getInt64(static_cast<uint64_t>(v)); }
  llvm::Value* false_() { return builder_.getFalse(); }

  //! The arena of the batch being lowered (set by the pipeline lowering).
  llvm::Value* arena = nullptr;

  //! The address of flow_value `index` of the array at `base`.
  llvm::Value* slot(llvm::Value* base, size_t index) {
    return builder_.CreateGEP(value_type(), base, i64_const(static_cast<int64_t>(index)));
  }
  //! Loads a flow_value slot (at `slot`, a pointer) as a CgValue of `type`.
  CgValue load_value(llvm::Value* slot, const plan::Type& type);
  //! Stores a CgValue of `type` into a flow_value slot.
  void store_value(llvm::Value* slot, const CgValue& value, const plan::Type& type);
  //! A CgValue of `type` that is null.
  CgValue null_value(const plan::Type& type);

  std::unique_ptr<llvm::LLVMContext> release_context() { return std::move(context_); }
  std::unique_ptr<llvm::Module> release_module() { return std::move(module_); }

 private:
  std::unique_ptr<llvm::LLVMContext> context_;
  std::unique_ptr<llvm::Module> module_;
  llvm::IRBuilder<> builder_;
  llvm::StructType* value_type_;
  llvm::StructType* record_type_;
  llvm::StructType* str_type_;
};

}  // namespace flow::compiler::codegen
