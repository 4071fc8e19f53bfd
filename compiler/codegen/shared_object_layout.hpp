// The symbols of a `flowc build` shared object, shared by the writer (codegen.cpp) and the
// loader (shared_object_program.cpp). Bump kSharedObjectAbi when the layout or the generated
// code's ABI changes: an old object is then refused with a message instead of misbehaving.
#pragma once

namespace flow::compiler::codegen {

inline constexpr const char* kSharedObjectAbi = "flow-aot-4";
inline constexpr const char* kSharedObjectAbiSymbol = "flow_aot_abi";        //!< const char*
//! const char*: the plan image (compiler/plan/plan_image.hpp), what flowrun runs; its length in
//! `flow_aot_plan_image_size` (int64_t): the bytes hold NULs.
inline constexpr const char* kSharedObjectPlanImageSymbol = "flow_aot_plan_image";
inline constexpr const char* kSharedObjectPlanImageSizeSymbol = "flow_aot_plan_image_size";
inline constexpr const char* kSharedObjectPlanSymbol = "flow_aot_plan";  //!< const char*: plan JSON v1, for people
inline constexpr const char* kSharedObjectTargetSymbol = "flow_aot_target";  //!< const char*: triple and CPU
//! const char* const[]: the imported function names, null-terminated.
inline constexpr const char* kSharedObjectImportsSymbol = "flow_aot_imports";
//! `flow_import_NAME`: a pointer the loader sets to function NAME; generated calls go through it.
inline constexpr const char* kSharedObjectSlotPrefix = "flow_import_";

}  // namespace flow::compiler::codegen
