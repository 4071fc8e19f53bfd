// The parse driver: runs the grammar one declaration at a time so that an error in one
// declaration does not hide errors in the next (recovery at the next top-level keyword).
#include "compiler/syntax/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/syntax/did_you_mean.hpp"
#include "compiler/syntax/grammar.hpp"
#include "compiler/syntax/syntax_checks.hpp"

namespace flow::compiler::syntax {

namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

//! The token at `offset`: a word or number, a two-character operator, or one UTF-8 character.
std::string_view token_at(const std::string& text, uint32_t offset) {
  if (offset >= text.size()) return {};
  std::string_view rest = std::string_view(text).substr(offset);
  if (is_word_char(rest[0])) {
    size_t end = 0;
    while (end < rest.size() && is_word_char(rest[end]) && end < 40) ++end;
    return rest.substr(0, end);
  }
  for (std::string_view op : {"==", "!=", "<=", ">=", "+=", "-=", "&&", "||", "++", "--"})
    if (rest.starts_with(op)) return op;
  unsigned char lead = static_cast<unsigned char>(rest[0]);
  size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 1;
  return rest.substr(0, length);
}

//! The token at `offset`, for "found …" in messages.
std::string describe_token(const std::string& text, uint32_t offset) {
  std::string_view token = token_at(text, offset);
  if (token.empty()) return "end of file";
  unsigned char c = static_cast<unsigned char>(token[0]);
  if (c == '"') return "a string";
  if (c == '\n' || c == '\r') return "end of line";
  if (c < 0x20 || c == 0x7f) return fmt::format("byte 0x{:02x}", c);
  return fmt::format("`{}`", token);
}

//! A top-level keyword followed by a name (`sink views`), not a field called `sink` (`sink: string`).
bool starts_declaration(const std::string& text, uint32_t offset) {
  for (std::string_view keyword : {"source", "sink", "metric", "query"}) {
    if (text.compare(offset, keyword.size(), keyword) != 0) continue;
    size_t next = offset + keyword.size();
    if (next >= text.size() || (text[next] != ' ' && text[next] != '\t')) continue;
    next = text.find_first_not_of(" \t", next);
    if (next != std::string::npos && (std::isalpha(static_cast<unsigned char>(text[next])) || text[next] == '_'))
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

//! Finds `//` comments outside string literals, for the formatter and for the spans of the parse.
std::vector<ast::Comment> collect_comments(const std::string& text) {
  std::vector<ast::Comment> comments;
  bool in_string = false;
  for (uint32_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      // A string ends at its line's end, even after a backslash, as the grammar reads it.
      if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i;
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

bool is_operator_keyword(std::string_view word) {
  for (std::string_view keyword :
       {"where", "select", "tally", "key", "group", "aggregate", "top", "emit", "process", "into"})
    if (word == keyword) return true;
  return false;
}

bool starts_line(const std::string& text, uint32_t offset) {
  return offset == 0 || text.find_last_not_of(" \t", offset - 1) == text.find_last_of('\n', offset - 1);
}

//! `page-views` → `page_views`, for a name written with dashes; `dash` is the offset of a `-`.
std::string name_without_dashes(const std::string& text, uint32_t dash) {
  uint32_t begin = dash, end = dash;
  while (begin > 0 && is_word_char(text[begin - 1])) --begin;
  while (end < text.size() && (is_word_char(text[end]) || text[end] == '-')) ++end;
  std::string name = text.substr(begin, end - begin);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

//! A help line for "expected …, found …", when the token found says what the user meant.
std::optional<std::string> help_for(const DeclarationParse& result, const std::string& text) {
  const std::string& expected = result.expected;
  uint32_t at = result.error_offset;
  std::string_view found = token_at(text, at);
  if (result.code == ErrorCode::ExpectedDeclaration) {
    if (found == "}") return "this `}` closes nothing: is there one `}` too many above?";
    if (found == ";")
      return "remove this `;`: a query ends with its `}`, and only `source`, `sink` and `metric` end with `;`";
    if (!found.empty() && is_word_char(found[0]))
      if (auto keyword = closest_name(found, {"source", "sink", "metric", "query"}))
        return fmt::format("did you mean `{}`?", *keyword);
    return "a .flow file holds `source`, `sink`, `metric` and `query` declarations";
  }
  if (expected == "`;`") return "`source`, `sink` and `metric` declarations end with `;`";
  if (found == "&&") return "write `and` to require both conditions";
  if (found == "!") return "write `not` to negate a condition";
  if (found == "++" || found == "--") return fmt::format("flow has no `{}`: write `{}= 1`", found, found[0]);
  if (found == "=") {
    if (expected == "`,` or `}`") return "a record's fields are written `name: value`";
    return "compare with `==`; a single `=` assigns, and only as a statement in a handler";
  }
  for (std::string_view quote : {"'", "\u2018", "\u2019", "\u201c", "\u201d"})
    if (found == quote) return "strings are written in straight double quotes, such as \"/health\"";
  if (found == "-" && at > 0 && is_word_char(text[at - 1]) && at + 1 < text.size() && is_word_char(text[at + 1]))
    return fmt::format("names hold letters, digits and `_`, not `-`: write `{}`", name_without_dashes(text, at));
  size_t digits = found.find_first_not_of("0123456789");
  if (expected == "an expression" && digits > 0 && digits != std::string_view::npos) {
    std::string_view suffix = found.substr(digits);  // `30sec`, `1e5`
    if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E') &&
        suffix.find_first_not_of("0123456789", 1) == std::string_view::npos)
      return fmt::format("a float needs a `.` before its exponent: write `{}.0{}`", found.substr(0, digits), suffix);
    return "a duration is a whole number and a unit (`ms`, `s`, `m`, `h` or `d`), such as `30s`";
  }
  if (expected == "`|` or `}`" && is_operator_keyword(found))
    return fmt::format("each operator of a pipeline starts with `|`: write `| {}`", found);
  if (expected == "`|` or `}`" && found == ";") return "operators of a pipeline do not end with `;`: remove it";
  if (expected == "`state`" && found == "{")
    return "`process` declares its keyed state first: `process state { count: int = 0 } { on event { … } }`";
  if (expected == "`|` or `}`" && found == "timeout")
    return "the timeout comes before the handlers: `process state { … } timeout 30m { on event { … } }`";
  if (expected.find("`}`") != std::string::npos) {
    if (found.empty()) return "the file ends before the `}` that closes the last block";
    if (starts_line(text, at) && (found == "on" || found == "|" || starts_declaration(text, at)))
      return "a `}` may be missing at the end of this line";
  }
  return std::nullopt;
}

void report_parse_error(const DeclarationParse& result, const SourceFile& file,
                        const std::vector<ast::Comment>& comments, DiagnosticSink& sink) {
  const std::string& text = file.text();
  uint32_t at = result.error_offset;
  uint32_t end = result.error_end > at ? result.error_end
                                       : at + std::max<uint32_t>(1, static_cast<uint32_t>(token_at(text, at).size()));
  Span span{at, end};
  if (!result.message.empty()) {
    auto& diagnostic = sink.error(result.code, span, result.message, result.label);
    if (!result.help.empty()) diagnostic.with_help(result.help);
    return;
  }
  std::string found = describe_token(text, at);
  std::string label = result.expected.size() <= 30 ? fmt::format("expected {}", result.expected) : "unexpected here";
  // Something missing at the end of a line (`;`, a condition) is missing right after the last
  // token, as rustc shows it, not at the start of whatever the next line holds.
  uint32_t previous = end_of_previous_token(text, comments, at);
  if (previous > 0 && file.position(previous).line < file.position(at).line) {
    span = {previous, previous + 1};
    if (result.expected.size() <= 30) label = fmt::format("expected {} here", result.expected);
  }
  auto& diagnostic =
      sink.error(result.code, span, fmt::format("expected {}, found {}", result.expected, found), std::move(label));
  if (auto help = help_for(result, text)) diagnostic.with_help(std::move(*help));
}

}  // namespace

std::optional<SourceFile> read_source_file(const std::string& path, DiagnosticSink& sink) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    sink.error(ErrorCode::CannotRead, {}, fmt::format("cannot read `{}`: it is a directory", path))
        .with_help("name a .flow file");
    return std::nullopt;
  }
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
                           static_cast<unsigned char>(text[*bad]), *bad),
               "not UTF-8")
        .with_help("flowc reads .flow files as UTF-8: if this is the right file, save it as UTF-8");
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
    DeclarationParse result = parse_declaration(text, program.comments, offset);
    if (result.status == DeclarationParse::Status::Parsed) {
      program.declarations.push_back(std::move(result.declaration));
      offset = skip_blanks(text, result.end);
      continue;
    }
    report_parse_error(result, file, program.comments, sink);
    // A declaration missing its end often runs into the next one (`sink a … ` then `metric m;`):
    // when the parser stopped at a keyword that starts a line, resume right there.
    uint32_t at = result.error_offset;
    bool at_line_start = at > offset && starts_declaration(text, at) && starts_line(text, at);
    offset = skip_blanks(text, at_line_start ? at : next_declaration_start(text, std::max(offset, at)));
  }
  check_syntax(program, file, sink);
  sink.sort_by_position();
  return program;
}

}  // namespace flow::compiler::syntax
