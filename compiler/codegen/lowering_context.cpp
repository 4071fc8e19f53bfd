// The ABI's types and value marshalling between flow_value slots and SSA values.
#include "compiler/codegen/lowering_context.hpp"

#include <llvm/Support/ModRef.h>

namespace flow::compiler::codegen {

using plan::TypeKind;

LoweringContext::LoweringContext(const std::string& module_name)
    : context_(std::make_unique<llvm::LLVMContext>()),
      module_(std::make_unique<llvm::Module>(module_name, *context_)),
      builder_(*context_) {
  value_type_ = llvm::StructType::create(*context_, {i64(), i64(), i8()}, "flow_value");
  record_type_ = llvm::StructType::create(*context_, {ptr(), i64(), ptr(), i64(), i64(), i64()}, "flow_record");
  str_type_ = llvm::StructType::get(*context_, {ptr(), i64()});
}

llvm::FunctionCallee LoweringContext::external(const std::string& name, llvm::Type* result,
                                               llvm::ArrayRef<llvm::Type*> params) {
  return module_->getOrInsertFunction(name, llvm::FunctionType::get(result, params, false));
}

llvm::FunctionCallee LoweringContext::pure_external(const std::string& name, llvm::Type* result,
                                                    llvm::ArrayRef<llvm::Type*> params, bool reads_arguments) {
  llvm::FunctionCallee callee = external(name, result, params);
  if (auto* fn = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    fn->setDoesNotThrow();
    fn->setWillReturn();
    if (reads_arguments) {
      fn->setOnlyReadsMemory();
      fn->setOnlyAccessesArgMemory();
    } else {
      fn->setDoesNotAccessMemory();
    }
  }
  return callee;
}

llvm::FunctionCallee LoweringContext::callback(const std::string& name, llvm::Type* result,
                                               llvm::ArrayRef<llvm::Type*> params) {
  llvm::FunctionCallee callee = external(name, result, params);
  if (auto* fn = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    fn->setDoesNotThrow();
    fn->setMemoryEffects(llvm::MemoryEffects::argMemOnly(llvm::ModRefInfo::Ref) |
                         llvm::MemoryEffects::inaccessibleMemOnly(llvm::ModRefInfo::ModRef));
  }
  return callee;
}

CgValue LoweringContext::load_value(llvm::Value* slot, const plan::Type& type) {
  auto& b = builder_;
  llvm::Value* bits = b.CreateLoad(i64(), b.CreateStructGEP(value_type_, slot, 0));
  llvm::Value* null = b.CreateICmpNE(b.CreateLoad(i8(), b.CreateStructGEP(value_type_, slot, 2)), b.getInt8(0));
  CgValue v;
  v.null = null;
  switch (type.kind) {
    case TypeKind::Float: v.a = b.CreateBitCast(bits, f64()); break;
    case TypeKind::Bool: v.a = b.CreateICmpNE(bits, i64_const(0)); break;
    case TypeKind::String:
    case TypeKind::List:
      v.a = b.CreateIntToPtr(bits, ptr());
      v.b = b.CreateLoad(i64(), b.CreateStructGEP(value_type_, slot, 1));
      break;
    default: v.a = bits; break;
  }
  return v;
}

void LoweringContext::store_value(llvm::Value* slot, const CgValue& value, const plan::Type& type) {
  auto& b = builder_;
  llvm::Value* bits = nullptr;
  llvm::Value* len = i64_const(0);
  switch (type.kind) {
    case TypeKind::Float: bits = b.CreateBitCast(value.a, i64()); break;
    case TypeKind::Bool: bits = b.CreateZExt(value.a, i64()); break;
    case TypeKind::String:
    case TypeKind::List:
      bits = b.CreatePtrToInt(value.a, i64());
      len = value.b;
      break;
    case TypeKind::Null:
    case TypeKind::Error: bits = i64_const(0); break;
    default: bits = value.a; break;
  }
  // A null stores zeros, as the ABI promises.
  bits = b.CreateSelect(value.null, i64_const(0), bits);
  len = b.CreateSelect(value.null, i64_const(0), len);
  b.CreateStore(bits, b.CreateStructGEP(value_type_, slot, 0));
  b.CreateStore(len, b.CreateStructGEP(value_type_, slot, 1));
  b.CreateStore(b.CreateZExt(value.null, i8()), b.CreateStructGEP(value_type_, slot, 2));
}

CgValue LoweringContext::null_value(const plan::Type& type) {
  CgValue v;
  v.null = builder_.getTrue();
  switch (type.kind) {
    case TypeKind::Float: v.a = llvm::ConstantFP::get(f64(), 0.0); break;
    case TypeKind::Bool: v.a = builder_.getFalse(); break;
    case TypeKind::String:
    case TypeKind::List:
      v.a = llvm::ConstantPointerNull::get(ptr());
      v.b = i64_const(0);
      break;
    default: v.a = i64_const(0); break;
  }
  return v;
}

}  // namespace flow::compiler::codegen
