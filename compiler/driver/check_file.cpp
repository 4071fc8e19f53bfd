// Reading, parsing and planning one program (check_file.hpp).
#include "compiler/driver/check_file.hpp"

#include "compiler/syntax/parser.hpp"

namespace flow::compiler {

namespace {

void parse_and_plan(CheckedFile& checked, bool build_plan, plan::PlanOptions options) {
  if (!checked.file) return;
  checked.program = syntax::parse_program(*checked.file, checked.diagnostics);
  if (build_plan && !checked.diagnostics.has_errors())
    checked.plan = plan::build_plan(checked.program, checked.diagnostics, options);
}

}  // namespace

std::string CheckedFile::rendered(bool colour) const {
  SourceFile fallback(path, "");
  std::string out;
  for (const auto& diagnostic : diagnostics.all()) out += render(diagnostic, file ? *file : fallback, {colour});
  return out;
}

CheckedFile check_file(const std::string& path, bool build_plan, plan::PlanOptions options) {
  CheckedFile checked;
  checked.path = path;
  checked.file = syntax::read_source_file(path, checked.diagnostics);
  parse_and_plan(checked, build_plan, options);
  return checked;
}

CheckedFile check_text(const std::string& path, std::string text, bool build_plan, plan::PlanOptions options) {
  CheckedFile checked;
  checked.path = path;
  checked.file.emplace(path, std::move(text));
  parse_and_plan(checked, build_plan, options);
  return checked;
}

}  // namespace flow::compiler
