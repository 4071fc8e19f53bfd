// Reading, parsing and planning one program (check_file.hpp).
#include "compiler/driver/check_file.hpp"

#include <fmt/format.h>

#include "compiler/physical/physical_planner.hpp"
#include "compiler/syntax/parser.hpp"

namespace flow::compiler {

namespace {

//! A list field of a JSON source that a query reads (explodes, selects, writes whole) whose elements
//! are not scalars: the decoder cannot read those yet, so the program is refused here rather than
//! failing when it starts.
void check_source_lists(const ast::Program& program, const plan::Plan& plan, DiagnosticSink& sink) {
  for (const auto& declaration : program.declarations) {
    const auto* source = std::get_if<ast::SourceDecl>(&declaration);
    const plan::SourcePlan* planned = source ? plan.find_source(source->name.name) : nullptr;
    if (!planned) continue;
    std::vector<bool> needed = physical::needed_fields(plan, planned->name);
    for (size_t f = 0; f < planned->schema.size() && f < source->fields.size(); ++f) {
      const plan::Field& field = planned->schema[f];
      if (field.type.kind != plan::TypeKind::List || !needed[f]) continue;
      if (plan::is_scalar_kind(field.type.element.front().kind)) continue;
      sink.error(ErrorCode::TypeMismatch, source->fields[f].span,
                 fmt::format("source field `{}` of type `{}` is read, but reading a list of lists or records from a "
                             "JSON source is not supported yet",
                             field.name, field.type.to_string()),
                 "a query reads it")
          .note("a query reads the field when it names it, or when the record reaches a sink without a `select`")
          .with_help(fmt::format("a list of scalars (`list<string>`, `list<int>`, …) can be read; leave `{}` out "
                                 "of the queries, or have the producer flatten it",
                                 field.name));
    }
  }
}

void parse_and_plan(CheckedFile& checked, bool build_plan, plan::PlanOptions options) {
  if (!checked.file) return;
  checked.program = syntax::parse_program(*checked.file, checked.diagnostics);
  if (build_plan && !checked.diagnostics.has_errors()) {
    checked.plan = plan::build_plan(checked.program, checked.diagnostics, options);
    if (!checked.diagnostics.has_errors()) check_source_lists(checked.program, *checked.plan, checked.diagnostics);
  }
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
