// Parsing a whole `.flow` file: reading checks (size, encoding), every top-level declaration with
// recovery after an error, comments kept for `flowc fmt`, then the syntax checks.
#pragma once

#include <optional>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/syntax/ast.hpp"

namespace flow::compiler::syntax {

//! Files above this size are refused with E0004 before parsing (a `.flow` file is a program,
//! not data; the largest realistic ones are tens of kilobytes).
inline constexpr size_t kMaxSourceBytes = 1 << 20;

//! Parses `file`. Errors go to `sink`; the program holds every declaration that parsed.
ast::Program parse_program(const SourceFile& file, DiagnosticSink& sink);

//! Reads a file from disk; on failure reports E0001 to `sink` and returns nothing.
std::optional<SourceFile> read_source_file(const std::string& path, DiagnosticSink& sink);

}  // namespace flow::compiler::syntax
