// The contract between generated code and the runtime, on the C++ side of flow_abi.h: a Program
// hands out the functions flowc generated (JIT or a `flowc build` shared object), and HostSymbol
// names a function of the host process the generated code may call. The runtime sees generated
// code through this interface only; codegen implements it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "runtime/abi/flow_abi.h"

namespace flow::abi {

//! A function the generated code may call that the host process provides (runtime callbacks,
//! codecs); the stdlib and the lowering's own helpers are registered by codegen.
struct HostSymbol {
  std::string name;
  const void* address;
};

//! Generated code ready to run.
class Program {
 public:
  virtual ~Program() = default;
  //! The batch function of `source`, or null when no query reads it.
  virtual flow_batch_fn batch_function(const std::string& source) const = 0;
  //! Handler `handler` of query `query`'s `process`, or null when it was not compiled (the
  //! runtime then runs it in the reference evaluator).
  virtual flow_handler_fn handler_function(size_t query, size_t handler) const = 0;
  //! The function running the operators after stage `stage` of query `query` (its index in the
  //! physical plan's stages), or null when none follow it or they were not compiled (the runtime
  //! then runs them in the reference evaluator).
  virtual flow_stage_fn stage_function(size_t query, size_t stage) const = 0;
};

//! The compiled handlers of query `query`'s `process`, `handlers` of them (null where not
//! compiled); empty when there is no program.
inline std::vector<flow_handler_fn> handler_functions(const Program* program, size_t query, size_t handlers) {
  std::vector<flow_handler_fn> functions;
  if (!program) return functions;
  for (size_t h = 0; h < handlers; ++h) functions.push_back(program->handler_function(query, h));
  return functions;
}

}  // namespace flow::abi
