// Values of the reference evaluator: what a flow_value means, as a self-contained C++ value that
// owns its text and can hold lists and records. Tests compare these with generated code's output.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::runtime::eval {

//! The plan's types and expressions (shared by the logical and the physical plan), which the evaluator runs.
namespace plan = flow::compiler::plan;

enum class ValueKind : uint8_t { Null, Bool, Int, Float, String, Timestamp, Duration, List, Record };

//! The value kind that holds values of a (non-null) type kind; Null for `null` and error types.
ValueKind kind_of(plan::TypeKind kind);

struct Value {
  ValueKind kind = ValueKind::Null;
  int64_t int_value = 0;            //!< Bool (0/1), Int, Timestamp, Duration (ms)
  double float_value = 0;           //!< Float
  std::string text;                 //!< String: UTF-8 bytes (not necessarily valid UTF-8)
  std::vector<Value> items;         //!< List: the elements; Record: the fields, in order
  std::vector<std::string> names;   //!< Record: the field names, one per item

  static Value null() { return {}; }
  static Value boolean(bool value);
  static Value integer(int64_t value);
  static Value floating(double value);
  static Value string(std::string value);
  static Value timestamp(int64_t ms);
  static Value duration(int64_t ms);
  static Value list(std::vector<Value> elements);
  static Value record(std::vector<std::string> names, std::vector<Value> fields);

  bool is_null() const { return kind == ValueKind::Null; }

  //! A flow_value read as `type` (`is_null` wins; strings and list elements are copied).
  static Value from_abi(const flow_value& value, const plan::Type& type);
  //! This scalar as a flow_value; a string's `bits` points into `text`, so it lives as long as
  //! this Value. Lists and records have no flow_value form (logic_error).
  flow_value to_abi() const;

  //! Identical results, for differential tests: same kind and same value, with floats equal when
  //! their bits are (so -0.0 differs from 0.0) or when both are NaN (any payload). This is not
  //! the language's `==` (see `equals` in evaluator.hpp).
  bool operator==(const Value& other) const;

  //! JSON-like text for test failure messages: `null`, `true`, `42`, `1.5`, `"a\n"`, `[1, 2]`,
  //! `{"user": "ann"}`; timestamps and durations as `ts(1000)` and `dur(30000)`, and non-finite
  //! floats as `NaN`, `Infinity`, `-Infinity`, so nothing is ambiguous.
  std::string to_json() const;
};

//! A record's fields as `[v, v, …]`.
std::string to_json(const std::vector<Value>& fields);

//! For doctest's failure messages: `CHECK(a == b)` prints both sides with to_json.
std::ostream& operator<<(std::ostream& out, const Value& value);
std::ostream& operator<<(std::ostream& out, const std::vector<Value>& fields);

//! `value` as a value of type `type`: null stays null (whatever the type: a division by zero
//! gives null where the checker says `int`), an int becomes a float where a float is expected
//! (also inside lists and records), and anything else must already have the type's kind. A
//! mismatch is a caller's bug (a record that does not fit its schema, a plan with errors):
//! logic_error naming both.
Value conform(Value value, const plan::Type& type);

}  // namespace flow::runtime::eval
