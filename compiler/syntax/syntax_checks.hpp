// Checks that need the whole parsed construct but no name resolution: known type names, window
// kinds, source options, record format, named select items, statement shapes, handler names.
#pragma once

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/syntax/ast.hpp"

namespace flow::compiler::syntax {

void check_syntax(const ast::Program& program, const SourceFile& file, DiagnosticSink& sink);

//! The source options flow knows, in the order the docs list them.
const std::vector<std::string>& known_source_options();
//! The options a `table` takes: a source's but `late`, and its key and bounds.
const std::vector<std::string>& known_table_options();

}  // namespace flow::compiler::syntax
