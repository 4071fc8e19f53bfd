// The parse driver: runs the grammar one declaration at a time so that an error in one
// declaration does not hide errors in the next (recovery at the next top-level keyword).
#include "compiler/syntax/parser.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "compiler/syntax/grammar.hpp"
#include "compiler/syntax/syntax_checks.hpp"

namespace flow::compiler::syntax {

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

//! The token at `offset`, for "found …" in messages.
std::string describe_token(const std::string& text, uint32_t offset) {
  if (offset >= text.size()) return "end of file";
  char c = text[offset];
  if (is_word_char(c)) {
    uint32_t end = offset;
    while (end < text.size() && is_word_char(text[end]) && end - offset < 40) ++end;
    return fmt::format("`{}`", text.substr(offset, end - offset));
  }
  if (c == '"') return "a string";
  if (c == '\n' || c == '\r') return "end of line";
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
    return fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
  static constexpr const char* two_char_ops[] = {"==", "!=", "<=", ">=", "+=", "-="};
  for (const char* op : two_char_ops)
    if (text.compare(offset, 2, op) == 0) return fmt::format("`{}`", op);
  return fmt::format("`{}`", c);
}

//! Length of the token at `offset` (at least 1), for the caret.
uint32_t token_length(const std::string& text, uint32_t offset) {
  if (offset >= text.size()) return 1;
  uint32_t end = offset;
  while (end < text.size() && is_word_char(text[end])) ++end;
  return std::max<uint32_t>(1, end - offset);
}

bool starts_declaration(const std::string& text, uint32_t offset) {
  for (std::string_view keyword : {"source", "sink", "metric", "query"}) {
    if (text.compare(offset, keyword.size(), keyword) == 0 &&
        (offset + keyword.size() >= text.size() || !is_word_char(text[offset + keyword.size()])))
      return true;
  }
  return false;
}

//! After an error: the next line (after `from`) that starts with a top-level keyword.
uint32_t next_declaration_start(const std::string& text, uint32_t from) {
  uint32_t offset = from;
  while (true) {
    size_t newline = text.find('\n', offset);
    if (newline == std::string::npos) return static_cast<uint32_t>(text.size());
    offset = static_cast<uint32_t>(newline + 1);
    uint32_t first = offset;
    while (first < text.size() && (text[first] == ' ' || text[first] == '\t')) ++first;
    if (starts_declaration(text, first)) return first;
  }
}

//! Finds `//` comments outside string literals, for the formatter.
std::vector<ast::Comment> collect_comments(const std::string& text) {
  std::vector<ast::Comment> comments;
  bool in_string = false;
  for (uint32_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"' || c == '\n') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      uint32_t end = i;
      while (end < text.size() && text[end] != '\n') ++end;
      uint32_t trimmed = end;
      while (trimmed > i && (text[trimmed - 1] == ' ' || text[trimmed - 1] == '\t' || text[trimmed - 1] == '\r'))
        --trimmed;
      comments.push_back({{i, trimmed}});
      i = end;
    }
  }
  return comments;
}

//! Offset of the first byte that is not valid UTF-8 (or a NUL), if any.
std::optional<uint32_t> first_non_text_byte(const std::string& text) {
  for (uint32_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) return i;
    uint32_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (uint32_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return i;
    i += length;
  }
  return std::nullopt;
}

void report_parse_error(const DeclarationParse& result, const SourceFile& file, DiagnosticSink& sink) {
  const std::string& text = file.text();
  uint32_t at = result.error_offset;
  Span span{at, at + token_length(text, at)};
  if (!result.message.empty()) {
    auto& diagnostic = sink.error(result.code, span, result.message);
    if (result.code == ErrorCode::NestingTooDeep)
      diagnostic.with_help("split the expression with `let` bindings or simplify it");
    else if (result.code == ErrorCode::UnterminatedString)
      diagnostic.with_help("close the string with `\"` on the same line");
    else if (result.code == ErrorCode::InvalidEscape)
      diagnostic.with_help("the escapes are `\\\"`, `\\\\`, `\\n`, `\\r` and `\\t`");
    else if (result.code == ErrorCode::IntegerOutOfRange)
      diagnostic.with_help("integers are 64-bit: between -9223372036854775808 and 9223372036854775807");
    return;
  }
  std::string found = describe_token(text, at);
  std::string label = result.expected.size() <= 30 ? fmt::format("expected {}", result.expected) : "unexpected here";
  auto& diagnostic =
      sink.error(result.code, span, fmt::format("expected {}, found {}", result.expected, found), std::move(label));
  if (result.code == ErrorCode::ExpectedDeclaration)
    diagnostic.with_help("a .flow file holds `source`, `sink`, `metric` and `query` declarations");
  else if (result.expected == "`;`")
    diagnostic.with_help("`source`, `sink` and `metric` declarations end with `;`");
}

}  // namespace

std::optional<SourceFile> read_source_file(const std::string& path, DiagnosticSink& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sink.error(ErrorCode::CannotRead, {}, fmt::format("cannot read `{}`: {}", path, std::strerror(errno)))
        .with_help("check the path and that the file is readable");
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return SourceFile(path, std::move(buffer).str());
}

ast::Program parse_program(const SourceFile& file, DiagnosticSink& sink) {
  ast::Program program;
  const std::string& text = file.text();
  if (text.size() > kMaxSourceBytes) {
    sink.error(ErrorCode::FileTooLarge, {0, 1},
               fmt::format("file is {} bytes; flowc reads at most {} bytes", text.size(), kMaxSourceBytes))
        .with_help("a .flow file holds a program, not data: split it or move data into a topic");
    return program;
  }
  if (auto bad = first_non_text_byte(text)) {
    sink.error(ErrorCode::NotText, {*bad, *bad + 1},
               fmt::format("file is not UTF-8 text (byte 0x{:02x} at offset {})",
                           static_cast<unsigned char>(text[*bad]), *bad))
        .with_help("flowc reads .flow source files; is this the right file?");
    return program;
  }
  program.comments = collect_comments(text);

  uint32_t offset = skip_blanks(text, 0);
  if (offset >= text.size()) {
    sink.error(ErrorCode::EmptyFile, {0, 0}, "file declares nothing")
        .with_help("declare at least a `source`, a `sink` and a `query` that reads one and writes the other");
    return program;
  }
  while (offset < text.size()) {
    DeclarationParse result = parse_declaration(text, offset);
    if (result.status == DeclarationParse::Status::Parsed) {
      program.declarations.push_back(std::move(result.declaration));
      offset = skip_blanks(text, result.end);
      continue;
    }
    report_parse_error(result, file, sink);
    offset = skip_blanks(text, next_declaration_start(text, std::max(offset, result.error_offset)));
  }
  check_syntax(program, file, sink);
  sink.sort_by_position();
  return program;
}

}  // namespace flow::compiler::syntax
