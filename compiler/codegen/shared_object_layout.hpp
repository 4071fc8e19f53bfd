// The symbols of a `flowc build` shared object, shared by the writer (codegen.cpp) and the
// loader (shared_object_program.cpp). Bump kSharedObjectAbi when the layout or the generated
// code's ABI changes: an old object is then refused with a message instead of misbehaving.
#pragma once

namespace flow::compiler::codegen {

inline constexpr const char* kSharedObjectAbi = "flow-aot-2";
inline constexpr const char* kSharedObjectAbiSymbol = "flow_aot_abi";        //!< const char*
inline constexpr const char* kSharedObjectSourceSymbol = "flow_aot_source";  //!< const char*: the .flow text
inline constexpr const char* kSharedObjectPlanSymbol = "flow_aot_plan";      //!< const char*: plan JSON v1
inline constexpr const char* kSharedObjectTargetSymbol = "flow_aot_target";  //!< const char*: triple and CPU
//! const char* const[]: the imported function names, null-terminated.
inline constexpr const char* kSharedObjectImportsSymbol = "flow_aot_imports";
//! `flow_import_NAME`: a pointer the loader sets to function NAME; generated calls go through it.
inline constexpr const char* kSharedObjectSlotPrefix = "flow_import_";

}  // namespace flow::compiler::codegen
