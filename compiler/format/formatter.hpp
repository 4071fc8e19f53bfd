// `flowc fmt`: prints a program in its canonical layout, comments kept.
#pragma once

#include <string>

#include "compiler/diagnostics/source_file.hpp"
#include "compiler/syntax/ast.hpp"

namespace flow::compiler::format {

//! The canonical text of `program`, which was parsed from `file` (comments are read from there).
std::string format_program(const ast::Program& program, const SourceFile& file);

//! One expression on one line, with the fewest parentheses that keep its meaning.
std::string format_expr(const ast::Expr& expr);

//! A type as written in source: `list<string>(max 20)?`.
std::string format_type(const ast::TypeRef& type);

}  // namespace flow::compiler::format
