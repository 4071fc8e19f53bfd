// For unit tests: the plan of a `.flow` text that must check cleanly. On a diagnostic the test
// fails and prints the rendered diagnostics.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"

namespace flow::compiler::testing {

inline plan::Plan checked_plan(const std::string& text, plan::PlanOptions options = {}) {
  SourceFile file("test.flow", text);
  DiagnosticSink sink;
  ast::Program program = syntax::parse_program(file, sink);
  plan::Plan result;
  if (!sink.has_errors()) result = plan::build_plan(program, sink, options);
  std::string messages;
  for (const auto& d : sink.all()) messages += render(d, file);
  INFO(messages);
  REQUIRE_FALSE(sink.has_errors());
  return result;
}

}  // namespace flow::compiler::testing
