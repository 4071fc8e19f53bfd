// For unit tests of generated code: a `.flow` text that must check cleanly, compiled by the JIT.
// On a diagnostic or a compile error the test fails and prints it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"
#include "runtime/host/recording_host.hpp"
#include "tests/unit/support/checked_plan.hpp"

namespace flow::compiler::testing {

struct CompiledPlan {
  plan::Plan plan;
  std::unique_ptr<codegen::JitProgram> program;
};

//! `plan`'s machine code, with `host` for the functions generated code calls.
inline std::unique_ptr<codegen::JitProgram> jit(const plan::Plan& plan,
                                               const std::vector<codegen::HostSymbol>& host =
                                                   runtime::RecordingHost::symbols()) {
  std::string error;
  auto program = codegen::JitProgram::compile(plan, host, error);
  INFO(error);
  REQUIRE(program);
  return program;
}

inline CompiledPlan compiled_plan(const std::string& text,
                                  const std::vector<codegen::HostSymbol>& host = runtime::RecordingHost::symbols()) {
  INFO(text);
  CompiledPlan compiled{checked_plan(text), nullptr};
  compiled.program = jit(compiled.plan, host);
  return compiled;
}

}  // namespace flow::compiler::testing
