// Collecting diagnostics and rendering them the rustc way: header, location, source line, caret.
#include "compiler/diagnostics/diagnostic.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flow::compiler {

namespace {

struct CodeInfo {
  ErrorCode code;
  std::string_view summary;
};

#define FLOW_CODE_INFO(name, number, summary) \
  CodeInfo{ErrorCode::name, summary},
constexpr CodeInfo kCodes[] = {FLOW_ERROR_CODES(FLOW_CODE_INFO)};
#undef FLOW_CODE_INFO

const CodeInfo* find_code(ErrorCode code) {
  for (const auto& info : kCodes)
    if (info.code == code) return &info;
  return nullptr;
}

struct Style {
  bool on;
  std::string_view bold_red() const { return on ? "\x1b[1;31m" : ""; }
  std::string_view bold_yellow() const { return on ? "\x1b[1;33m" : ""; }
  std::string_view bold_blue() const { return on ? "\x1b[1;34m" : ""; }
  std::string_view bold() const { return on ? "\x1b[1m" : ""; }
  std::string_view reset() const { return on ? "\x1b[0m" : ""; }
};

//! Length of the valid UTF-8 sequence at the start of `text`, or 0 if it is not one.
size_t utf8_sequence(std::string_view text) {
  unsigned char lead = static_cast<unsigned char>(text[0]);
  size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
  if (length == 0 || length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) return 0;
  return length;
}

// Tabs would shift the caret: show them as single spaces so columns line up. Other control bytes
// and bytes that are not UTF-8 (a binary or Latin-1 file) would garble the terminal: show them
// as `?`.
std::string printable(std::string_view line) {
  std::string out;
  while (!line.empty()) {
    size_t length = utf8_sequence(line);
    unsigned char c = static_cast<unsigned char>(line[0]);
    if (c == '\t') out += ' ';
    else if (length == 0 || c < 0x20 || c == 0x7f) out += '?';
    else out += line.substr(0, length);
    line.remove_prefix(std::max<size_t>(length, 1));
  }
  return out;
}

//! Columns a piece of a line takes on screen: one per character, not per UTF-8 byte.
uint32_t display_width(std::string_view text) {
  std::string shown = printable(text);
  return static_cast<uint32_t>(
      std::count_if(shown.begin(), shown.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

}  // namespace

std::string code_text(ErrorCode code) { return fmt::format("E{:04}", static_cast<int>(code)); }

std::string_view code_summary(ErrorCode code) {
  const CodeInfo* info = find_code(code);
  return info ? info->summary : "";
}

Diagnostic& DiagnosticSink::error(ErrorCode code, Span span, std::string message, std::string label) {
  diagnostics_.push_back(Diagnostic{Severity::Error, code, std::move(message), {span, std::move(label)}, {}, {}, {}});
  return diagnostics_.back();
}

Diagnostic& DiagnosticSink::warning(ErrorCode code, Span span, std::string message, std::string label) {
  diagnostics_.push_back(Diagnostic{Severity::Warning, code, std::move(message), {span, std::move(label)}, {}, {}, {}});
  return diagnostics_.back();
}

void DiagnosticSink::sort_by_position() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.primary.span.begin < b.primary.span.begin;
  });
}

bool DiagnosticSink::has_errors() const { return error_count() > 0; }

size_t DiagnosticSink::error_count() const {
  return std::count_if(diagnostics_.begin(), diagnostics_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

size_t DiagnosticSink::warning_count() const { return diagnostics_.size() - error_count(); }

std::string render(const Diagnostic& diagnostic, const SourceFile& file, RenderOptions options) {
  Style style{options.colour};
  std::string out;
  bool is_error = diagnostic.severity == Severity::Error;
  std::string_view kind = is_error ? "error" : "warning";
  std::string_view kind_style = is_error ? style.bold_red() : style.bold_yellow();
  if (diagnostic.code != ErrorCode::None) {
    out += fmt::format("{}{}[{}]{}{}: {}{}\n", kind_style, kind, code_text(diagnostic.code), style.reset(),
                       style.bold(), diagnostic.message, style.reset());
  } else {
    out += fmt::format("{}{}{}{}: {}{}\n", kind_style, kind, style.reset(), style.bold(), diagnostic.message,
                       style.reset());
  }

  LineColumn where = file.position(diagnostic.primary.span.begin);
  std::vector<const Label*> labels{&diagnostic.primary};
  for (const auto& label : diagnostic.secondary) labels.push_back(&label);
  uint32_t widest_line = where.line;
  for (const Label* label : labels) widest_line = std::max(widest_line, file.position(label->span.begin).line);
  std::string gutter(std::to_string(widest_line).size(), ' ');

  uint32_t column = 1 + display_width(file.line_text(where.line).substr(0, where.column - 1));
  // A file that could not be read, or is empty, has no line to show: the location is the file.
  bool has_source = !file.text().empty();
  if (has_source)
    out += fmt::format("{}{}-->{} {}:{}:{}\n", gutter, style.bold_blue(), style.reset(), file.path(), where.line,
                       column);
  else
    out += fmt::format("{}{}-->{} {}\n", gutter, style.bold_blue(), style.reset(), file.path());
  if (has_source) out += fmt::format("{} {}|{}\n", gutter, style.bold_blue(), style.reset());

  // Labels in source order: each source line once, then a caret run under each label's span on
  // it (clipped to the line).
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label* a, const Label* b) { return a->span.begin < b->span.begin; });
  uint32_t shown_line = 0;
  for (const Label* label : has_source ? labels : std::vector<const Label*>{}) {
    LineColumn at = file.position(label->span.begin);
    std::string_view line = file.line_text(at.line);
    uint32_t start = std::min<uint32_t>(at.column - 1, static_cast<uint32_t>(line.size()));
    uint32_t length = label->span.end > label->span.begin ? label->span.end - label->span.begin : 1;
    length = std::max<uint32_t>(1, std::min<uint32_t>(length, static_cast<uint32_t>(line.size()) - start));
    bool primary = label == &diagnostic.primary;
    std::string_view caret_style = primary ? kind_style : style.bold_blue();
    char mark = primary ? '^' : '-';
    if (at.line != shown_line)
      out += fmt::format("{:>{}} {}|{} {}\n", at.line, gutter.size(), style.bold_blue(), style.reset(),
                         printable(line));
    shown_line = at.line;
    uint32_t indent = display_width(line.substr(0, start));
    uint32_t width = std::max<uint32_t>(1, display_width(line.substr(start, length)));
    out += fmt::format("{} {}|{} {}{}{}{}{}\n", gutter, style.bold_blue(), style.reset(), std::string(indent, ' '),
                       caret_style, std::string(width, mark), label->text.empty() ? "" : " " + label->text,
                       style.reset());
  }
  for (const auto& note : diagnostic.notes)
    out += fmt::format("{} {}={} {}note{}: {}\n", gutter, style.bold_blue(), style.reset(), style.bold(),
                       style.reset(), note);
  if (diagnostic.help)
    out += fmt::format("{} {}={} {}help{}: {}\n", gutter, style.bold_blue(), style.reset(), style.bold(),
                       style.reset(), *diagnostic.help);
  out += "\n";
  return out;
}

}  // namespace flow::compiler
