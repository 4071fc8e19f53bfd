// libFuzzer target for the front end: any bytes through parse + syntax checks + rendering; when a
// program parses cleanly, `flowc fmt` must round-trip it (same AST, idempotent). Run with
// scripts/fuzz (docs/testing.md).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/format/formatter.hpp"
#include "compiler/syntax/parser.hpp"

using namespace flow::compiler;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SourceFile file("fuzz.flow", std::string(reinterpret_cast<const char*>(data), size));
  DiagnosticSink sink;
  ast::Program program = syntax::parse_program(file, sink);
  size_t rendered = 0;
  for (const auto& diagnostic : sink.all()) rendered += render(diagnostic, file).size();
  if (sink.has_errors()) return rendered == 0;  // every error renders to something

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
