// Entry point of the Spirit X3 grammar. The grammar itself lives in grammar.cpp only, so the
// heavy template instantiation happens in one translation unit; callers see this plain API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/diagnostics/error_codes.hpp"
#include "compiler/syntax/ast.hpp"

namespace flow::compiler::syntax {

//! How deep expressions, types and blocks may nest before the parser stops with E0005.
inline constexpr uint32_t kMaxNesting = 64;

//! How many operators tall an expression tree may be (`a + b + … + z` is one operator shorter
//! than it has terms, so 257 terms are the most). Later passes recurse over expressions, so their
//! depth is bounded, but more generously than nesting.
inline constexpr uint32_t kMaxExpressionHeight = 256;

struct DeclarationParse {
  enum class Status { Parsed, NotADeclaration, Failed };
  Status status = Status::Failed;
  ast::Declaration declaration;
  uint32_t end = 0;  //!< Parsed: offset just past the declaration

  // Failed: where and why.
  uint32_t error_offset = 0;
  uint32_t error_end = 0;  //!< 0: the error spans the token at error_offset
  ErrorCode code = ErrorCode::Expected;
  std::string expected;  //!< what the grammar wanted, in words ("`{`", "an expression")
  std::string message;   //!< set instead of `expected` for errors found inside a token
  std::string label;     //!< with `message`: the text under the caret
  std::string help;      //!< with `message`: what to do about it
};

//! Parses one top-level declaration starting at `offset` (leading blanks and comments allowed).
//! `comments` are all of `text`'s comments, in order (collect_comments in parser.cpp).
DeclarationParse parse_declaration(const std::string& text, const std::vector<ast::Comment>& comments,
                                   uint32_t offset);

//! Offset just past the last token before `offset` (skipping back over blanks and comments).
uint32_t end_of_previous_token(const std::string& text, const std::vector<ast::Comment>& comments,
                               uint32_t offset);

//! Offset of the first character at or after `offset` that is not blank or inside a comment.
uint32_t skip_blanks(const std::string& text, uint32_t offset);

}  // namespace flow::compiler::syntax
