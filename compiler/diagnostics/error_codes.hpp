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
  X(UnknownFormat, 114, "a record format is not `json`")                          \
  /* names and types */                                                           \
  X(UnknownName, 201, "a name does not refer to a field, state field or `let`")   \
  X(TypeMismatch, 202, "an operator's operands have types it does not accept")    \
  X(NotAssignable, 203, "an assignment's target is not a state field")            \
  X(EmitShapes, 204, "the `emit`s of one query produce records of different shapes") \
  X(KeyOutsideKeyedContext, 205, "`key` is used where there is no key")           \
  X(UnknownFunction, 206, "a function is not one of flow's built-ins")            \
  X(BadArguments, 207, "a function gets the wrong number or types of arguments")  \
  X(UnknownSource, 208, "`from` names a source that is not declared")             \
  X(UnknownSink, 209, "`into` names a sink that is not declared")                 \
  X(UnknownMetric, 210, "`tally` names a metric that is not declared")            \
  X(DuplicateName, 211, "two declarations or fields share a name")                \
  X(NotBoolean, 212, "a condition is not a `bool`")                               \
  X(BadPattern, 213, "a regular expression does not compile")                     \
  /* streaming rules */                                                           \
  X(NoAction, 220, "a query does not end with `into`")                            \
  X(TwoActions, 221, "a query has more than one `into`")                          \
  X(OperatorAfterAction, 222, "an operator follows `into`")                       \
  X(AggregationAfterState, 223, "an aggregation follows keyed state processing")  \
  X(UnboundedStateField, 224, "a state field can grow without bound")             \
  X(StateNeverCleaned, 225, "keyed state has no timeout, window or `clear state`") \
  X(NeedsEventTime, 226, "a window, `emit final`, table or join without `event_time` and `watermark`") \
  X(UnionWithoutKey, 227, "a source of a union has no `key by`")                  \
  X(UnionKeyTypes, 228, "the sources of a union have keys of different types")    \
  X(UnionPartitions, 229, "the sources of a union have different partition counts") \
  X(MissingPartitions, 230, "a source does not declare `partitions`")             \
  X(NotPositive, 231, "a count, bound, duration or rate limit is not positive")   \
  X(BadOptionValue, 232, "a source option has a value of the wrong kind")         \
  X(NeedsKey, 233, "`process` or an `aggregate` without `group by` has no key")   \
  X(MisplacedOperator, 234, "an operator stands where it cannot work")            \
  X(QueryCycle, 235, "queries read back what they write, in a cycle")             \
  X(TableWithoutKey, 236, "a table has no `key`")                                 \
  X(UnboundedTable, 237, "a table has no `max_rows` or `ttl`")                    \
  X(NotATable, 238, "`join` names neither a table nor a stream, or `from` names a table") \
  X(JoinKeyType, 239, "a join's key has another type than the other side's key") \
  X(JoinForm, 240, "a stream join without a `within` window, or a table join with one (or a `full join`)")

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
