// libFuzzer target for the front end: any bytes through parse, syntax checks, planning (names,
// types, streaming rules), explain and rendering; when a program parses cleanly, `flowc fmt` must
// round-trip it (same AST, idempotent), and a clean plan's image must read back as the same plan
// (plan_image.hpp). Run with
// scripts/fuzz (docs/testing.md).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/explain/explain.hpp"
#include "compiler/format/formatter.hpp"
#include "compiler/plan/plan_image.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"

using namespace flow::compiler;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SourceFile file("fuzz.flow", std::string(reinterpret_cast<const char*>(data), size));
  DiagnosticSink sink;
  ast::Program program = syntax::parse_program(file, sink);
  bool syntax_clean = !sink.has_errors();
  if (syntax_clean) {
    plan::Plan plan = plan::build_plan(program, sink);
    if (!sink.has_errors()) {  // every form of explain, for every clean plan
      volatile size_t size = explain::explain_text(plan).size() + plan::plan_to_json(plan).size() +
                             explain::explain_dot(plan).size();
      (void)size;
      std::string image = plan::write_plan_image(plan), error;
      auto back = plan::read_plan_image(image, error);
      if (!back || plan::write_plan_image(*back) != image || plan::plan_to_json(*back) != plan::plan_to_json(plan)) {
        std::fprintf(stderr, "the plan image does not round-trip: %s\n", error.c_str());
        std::abort();
      }
    }
  }
  for (const auto& diagnostic : sink.all())
    if (render(diagnostic, file).empty()) std::abort();
  if (!syntax_clean) return 0;

  std::string once = format::format_program(program, file);
  SourceFile formatted("formatted.flow", once);
  DiagnosticSink again;
  ast::Program reparsed = syntax::parse_program(formatted, again);
  if (again.has_errors() || !(reparsed == program) || format::format_program(reparsed, formatted) != once) {
    std::fprintf(stderr, "fmt does not round-trip; formatted text:\n%s\n", once.c_str());
    std::abort();
  }
  return 0;
}
