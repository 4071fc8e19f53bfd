// Code generation: the plan as native code, through LLVM 16. One batch function per source
// (flow_batch_fn in runtime/abi/flow_abi.h) runs the stateless pipelines; one function per
// `process` handler (flow_handler_fn) runs the keyed state's statements; one function per stateful
// stage with operators after it (flow_stage_fn) runs those on the rows the stage emits. `emit_ir`
// shows the optimised IR (`flowc explain --ir`); JitProgram compiles in-process with ORC LLJIT at O2.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/abi/flow_abi.h"
#include "runtime/abi/program.hpp"

namespace flow::compiler::codegen {

using abi::HostSymbol;
using abi::Program;

struct CompileTimings {
  double lower_ms = 0;     //!< plan -> LLVM IR
  double optimise_ms = 0;  //!< O2 pipeline (skipped on a cache hit)
  double machine_ms = 0;   //!< IR -> machine code in the JIT (or loading the cached object)
  bool cache_hit = false;  //!< the machine code came from the object cache
};

//! Every function generated code may call: the stdlib, the lowering's helpers, then `host`.
std::vector<HostSymbol> callable_symbols(const std::vector<HostSymbol>& host);

//! The name of the batch function generated for a source (see flow_batch_fn in flow_abi.h).
std::string batch_function_name(const std::string& source);

//! The name of the function generated for handler `handler` of query `query`'s `process` (see
//! flow_handler_fn in flow_abi.h).
std::string handler_function_name(size_t query, size_t handler);

//! The name of the function generated for the operators after stage `stage` of query `query`
//! (see flow_stage_fn in flow_abi.h).
std::string stage_function_name(size_t query, size_t stage);

//! The optimised LLVM IR of the plan's generated code (one module, every source's function).
//! Throws std::runtime_error when a construct cannot be compiled.
std::string emit_ir(const plan::Plan& plan, bool optimise = true);

//! The compiled handlers of query `query`'s `process` (wherever it stands: after an aggregate
//! too), one per handler (null where not compiled); empty when the query has no `process` or
//! there is no program.
std::vector<flow_handler_fn> handler_functions(const Program* program, const plan::Plan& plan, size_t query);

//! Ahead-of-time compilation (`flowc build`): writes a shared object holding the plan's machine
//! code (optimised at O2 for this machine's CPU, position-independent), the plan image flowrun runs
//! (plan_image.hpp: no `.flow` text, which flowrun would have to parse) and the plan's JSON. Calls to host and stdlib functions go through import slots that
//! SharedObjectProgram fills when it loads the object, so the object needs no symbols from the
//! process that loads it. Links with the system C compiler driver (`cc -shared`), appends flowc's
//! trailer (shared_object_trailer.hpp) and replaces `output` atomically. False and
//! `error` on failure. `evaluated_handlers`: as JitProgram::evaluated_handlers.
bool build_shared_object(const plan::Plan& plan, const std::string& output, std::string& error,
                         std::string* evaluated_handlers = nullptr);

//! `evaluated_handlers` (see JitProgram::evaluated_handlers) as notes for `tool`'s standard error:
//! "flowrun: note: query `q`, `on event`: … (this handler runs in the reference evaluator, slower)";
//! the same for the operators after a stateful stage.
std::string evaluated_handler_notes(const std::string& tool, const std::string& evaluated_handlers);

//! This machine as code is compiled for it: target triple, CPU and a hash of its instruction set
//! features ("x86_64-pc-linux-gnu skylake (features 1a2b3c4d)").
std::string host_target_description();

//! The object cache's key of `plan` on this machine: the text its entry is named and checked by
//! (see cache_entry.hpp).
std::string object_cache_key(const plan::Plan& plan);

class JitProgram final : public Program {
 public:
  //! Compiles `plan`; on failure returns null and sets `error`. With `cache_directory`, the
  //! machine code is cached there, keyed by a hash of the plan, the compiler and code generator
  //! versions, LLVM's version and the host CPU with its features: a restart does not recompile.
  //! An entry that is damaged, another program's, or does not link is removed and the plan
  //! compiled again; cache_warnings() says which file and why.
  static std::unique_ptr<JitProgram> compile(const plan::Plan& plan, const std::vector<HostSymbol>& host,
                                             std::string& error, const std::string& cache_directory = {});
  ~JitProgram();

  flow_batch_fn batch_function(const std::string& source) const override;
  flow_handler_fn handler_function(size_t query, size_t handler) const override;
  flow_stage_fn stage_function(size_t query, size_t stage) const override;
  const CompileTimings& timings() const { return timings_; }
  //! The `process` handlers and the operators after keyed state left to the reference evaluator,
  //! one line each ("query `q`, `on event`: why (this handler runs in the reference evaluator,
  //! slower)"); empty when all of them are native code.
  const std::string& evaluated_handlers() const { return evaluated_handlers_; }
  //! What went wrong with the object cache, one line each ("code cache entry `PATH` discarded:
  //! it is truncated: …; compiling again"); empty when it served or took the machine code.
  const std::vector<std::string>& cache_warnings() const { return cache_warnings_; }

 private:
  JitProgram();
  //! One attempt; `from_cache` says the machine code came (or was to come) from the cache.
  static std::unique_ptr<JitProgram> compile_once(const plan::Plan& plan, const std::vector<HostSymbol>& host,
                                                  std::string& error, const std::string& cache_directory,
                                                  bool read_cache, std::vector<std::string>& warnings,
                                                  bool& from_cache);
  struct Engine;
  std::unique_ptr<Engine> engine_;
  std::vector<std::pair<std::string, flow_batch_fn>> functions_;
  std::map<std::string, flow_handler_fn> handlers_;  //!< by function name
  std::map<std::string, flow_stage_fn> stages_;      //!< by function name
  CompileTimings timings_;
  std::string evaluated_handlers_;
  std::vector<std::string> cache_warnings_;
};

}  // namespace flow::compiler::codegen
