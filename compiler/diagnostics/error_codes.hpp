// Every error code flowc can report. docs/errors.md documents each one with an example; the
// language tests in tests/language/ name them in their first line.
#pragma once

#include <string>
#include <string_view>

namespace flow::compiler {

// X(name, number, summary)
#define FLOW_ERROR_CODES(X)                                                        \
  /* reading the file */                                                          \
  X(CannotRead, 1, "the file cannot be read")                                     \
  X(EmptyFile, 2, "the file declares nothing")                                    \
  X(NotText, 3, "the file is not UTF-8 text")                                     \
  X(FileTooLarge, 4, "the file is larger than flowc accepts")                     \
  X(NestingTooDeep, 5, "expressions or blocks nested too deeply")                 \
  /* syntax */                                                                    \
  X(Expected, 101, "something else was expected here")                            \
  X(ExpectedDeclaration, 102, "a top-level declaration was expected")             \
  X(UnterminatedString, 103, "a string literal has no closing quote")             \
  X(InvalidEscape, 104, "a string literal holds an unknown escape")               \
  X(IntegerOutOfRange, 105, "an integer literal does not fit in 64 bits")         \
  X(UnknownType, 106, "a type name is not one of flow's types")                   \
  X(UnknownWindow, 107, "a window kind is not tumbling, hopping or session")      \
  X(UnknownOption, 108, "a source option is not one flow knows")                  \
  X(UnnamedItem, 109, "a computed select or aggregate item has no name")          \
  X(InvalidAssignmentTarget, 110, "the left side of an assignment is not a place") \
  X(ExpressionStatement, 111, "an expression stands where a statement belongs")   \
  X(UnknownHandler, 112, "a handler is not `on event`, `on timeout` or `on SOURCE`") \
  X(InvalidListBound, 113, "a list bound is not a positive integer")                \
  X(UnknownFormat, 114, "a record format is not `json`")

enum class ErrorCode {
  None = 0,
#define FLOW_ENUM_ENTRY(name, number, summary) name = number,
  FLOW_ERROR_CODES(FLOW_ENUM_ENTRY)
#undef FLOW_ENUM_ENTRY
};

//! "E0101" for ErrorCode::Expected.
std::string code_text(ErrorCode code);
std::string_view code_summary(ErrorCode code);

}  // namespace flow::compiler
