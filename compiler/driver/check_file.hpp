// The one way to check a `.flow` program — read it, parse it, build its checked plan — shared by
// flowc (check, explain, build, fmt), flowrun (run, test, and the text a shared object holds) and
// the tests, so that all of them accept and refuse exactly the same programs.
#pragma once

#include <optional>
#include <string>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/diagnostics/source_file.hpp"
#include "compiler/plan/plan.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/ast.hpp"

namespace flow::compiler {

struct CheckedFile {
  std::string path;
  std::optional<SourceFile> file;  //!< null when the file cannot be read (E0001…E0004)
  ast::Program program;
  std::optional<plan::Plan> plan;  //!< when asked for and the syntax was clean; complete only without errors
  DiagnosticSink diagnostics;

  bool ok() const { return !diagnostics.has_errors(); }
  //! Every diagnostic in the rustc layout (against the file, or the bare path when unreadable).
  std::string rendered(bool colour = false) const;
};

//! Reads and parses `path`; with `build_plan`, also builds the checked plan when the syntax is
//! clean.
CheckedFile check_file(const std::string& path, bool build_plan = true, plan::PlanOptions options = {});

//! The same for a program already in memory (a test's text, the source a shared object holds),
//! named `path` in diagnostics.
CheckedFile check_text(const std::string& path, std::string text, bool build_plan = true,
                       plan::PlanOptions options = {});

}  // namespace flow::compiler
