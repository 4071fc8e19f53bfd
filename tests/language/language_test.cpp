// Runs one data-driven language test: a `.flow` file whose first line says what flowc must
// report. `// ok` — no diagnostics, and `flowc fmt` round-trips (same AST, idempotent).
// (or the flag --ok). `// error: E0101 E0106` — exactly these codes, in this order. If FILE.expected exists, the
// rendered diagnostics must equal it byte for byte.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/driver/check_file.hpp"
#include "compiler/format/formatter.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"

namespace {

using namespace flow::compiler;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

int fail(const std::string& message) {
  fmt::print(stderr, "FAIL: {}\n", message);
  return 1;
}

int check_round_trip(const SourceFile& file, const ast::Program& program) {
  std::string once = format::format_program(program, file);
  SourceFile formatted(file.path() + " (formatted)", once);
  DiagnosticSink sink;
  ast::Program reparsed = syntax::parse_program(formatted, sink);
  if (sink.has_errors()) {
    std::string rendered;
    for (const auto& d : sink.all()) rendered += render(d, formatted);
    return fail(fmt::format("formatted text does not parse:\n{}\n--- formatted text:\n{}", rendered, once));
  }
  if (!(reparsed == program)) return fail(fmt::format("formatting changed the AST; formatted text:\n{}", once));
  std::string twice = format::format_program(reparsed, formatted);
  if (twice != once) return fail(fmt::format("fmt is not idempotent:\n--- once:\n{}\n--- twice:\n{}", once, twice));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // --ok: the file is an example, whose first line is its description; it must be clean.
  if (argc != 3 && !(argc == 4 && std::string_view(argv[3]) == "--ok")) {
    fmt::print(stderr, "usage: flow_language_test FILE.flow DISPLAY_PATH [--ok]\n");
    return 2;
  }
  bool expect_ok = argc == 4;
  std::filesystem::path path = argv[1];
  std::string text = read_file(path);
  SourceFile file(argv[2], text);
  std::string first_line = text.substr(0, text.find('\n'));
  std::string second_line = text.substr(first_line.size() + 1 < text.size() ? first_line.size() + 1 : text.size());
  second_line = second_line.substr(0, second_line.find('\n'));
  bool syntax_only = first_line.starts_with("// ok: syntax");
  plan::PlanOptions plan_options;
  plan_options.allow_unbounded_state = second_line.starts_with("// flags:") &&
                                       second_line.find("--allow-unbounded-state") != std::string::npos;

  // Checked as flowc and flowrun check it (compiler/driver/check_file.hpp).
  CheckedFile checked = check_text(argv[2], text, !syntax_only, plan_options);
  std::string rendered = checked.rendered();
  std::vector<std::string> codes;
  for (const auto& d : checked.diagnostics.all()) codes.push_back(code_text(d.code));

  if (expect_ok || first_line.starts_with("// ok")) {
    if (!checked.diagnostics.all().empty()) return fail("expected no diagnostics, got:\n" + rendered);
    return check_round_trip(file, checked.program);
  }
  const std::string directive = "// error:";
  if (!first_line.starts_with(directive))
    return fail("the first line must be `// ok` or `// error: E0xxx ...`, not: " + first_line);
  std::vector<std::string> expected = words(std::string_view(first_line).substr(directive.size()));
  if (codes != expected)
    return fail(fmt::format("expected codes [{}], got [{}]:\n{}", fmt::join(expected, " "), fmt::join(codes, " "),
                            rendered));
  std::filesystem::path expected_output = path;
  expected_output.replace_extension(".expected");
  if (std::filesystem::exists(expected_output)) {
    std::string want = read_file(expected_output);
    if (want != rendered)
      return fail(fmt::format("rendered diagnostics differ\n--- expected:\n{}--- got:\n{}", want, rendered));
  }
  fmt::print("{}", rendered);
  return 0;
}
