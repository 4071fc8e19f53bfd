// Diagnostics: what a user sees when a `.flow` file is wrong. Modelled on rustc: a code, a
// lowercase message, one primary span with a label, secondary labels, notes and one help line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/diagnostics/error_codes.hpp"
#include "compiler/diagnostics/source_file.hpp"

namespace flow::compiler {

enum class Severity { Error, Warning };

struct Label {
  Span span;
  std::string text;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  ErrorCode code = ErrorCode::None;
  std::string message;
  Label primary;
  std::vector<Label> secondary;
  std::vector<std::string> notes;
  std::optional<std::string> help;

  Diagnostic& label(Span span, std::string text) {
    secondary.push_back({span, std::move(text)});
    return *this;
  }
  Diagnostic& note(std::string text) {
    notes.push_back(std::move(text));
    return *this;
  }
  Diagnostic& with_help(std::string text) {
    help = std::move(text);
    return *this;
  }
};

//! Collects the diagnostics of one file, in the order they were found.
class DiagnosticSink {
 public:
  Diagnostic& error(ErrorCode code, Span span, std::string message, std::string label = {});
  Diagnostic& warning(ErrorCode code, Span span, std::string message, std::string label = {});

  const std::vector<Diagnostic>& all() const { return diagnostics_; }
  //! Source order reads best; passes find problems in their own order.
  void sort_by_position();
  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;

 private:
  std::vector<Diagnostic> diagnostics_;
};

struct RenderOptions {
  bool colour = false;
};

//! Renders one diagnostic in the rustc layout, ending with a blank line.
std::string render(const Diagnostic& diagnostic, const SourceFile& file, RenderOptions options = {});

}  // namespace flow::compiler
