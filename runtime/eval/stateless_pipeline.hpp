// The stateless part of a query, record by record: the operators from the source up to (not
// including) the first Aggregate, Process or Sink. Semantics:
//   where   — the record passes when its condition is true; false or null drops it, and the
//             operators after it do not run (so their tallies do not count).
//   select  — the record becomes the listed values, in order, each of its field's type.
//   tally   — the metric counts 1 when there is no condition or it is true (null is false);
//             the record passes on unchanged either way.
//   key by  — the key becomes the expression's value (null if it is null); the record is
//             unchanged. A later `key by` replaces the key.
//   explode — the operators after it run once per element of the list, in order, on the record
//             with the element appended; a null or empty list gives no record.
// In a union query (`from a key by x, b key by y`), the stateless part is the chosen input's
// key expression; its record passes unchanged to `process`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/eval/value.hpp"
#include "compiler/physical/physical_plan.hpp"

namespace flow::runtime::eval {

//! The plan's types and expressions (shared by the logical and the physical plan), which the evaluator runs.
namespace plan = flow::compiler::plan;

//! Counts per metric, in the order each metric was first counted.
using Tallies = std::vector<std::pair<std::string, int64_t>>;

//! Adds `count` to `metric` in `tallies`.
void add_tally(Tallies& tallies, const std::string& metric, int64_t count = 1);

struct StatelessResult {
  bool passed = false;        //!< the record reached the end of the stateless part
  std::vector<Value> output;  //!< its fields then (when passed), of the last operator's schema
  std::optional<Value> key;   //!< the key, once a `key by` ran (a null key is a null Value)
  Tallies tallies;            //!< counted before the record passed or was dropped
};

//! One record that reached the end of the stateless part.
struct StatelessRow {
  std::vector<Value> output;  //!< its fields, of the last operator's schema
  std::optional<Value> key;
};

//! What one input record became: none, one or (after an `explode`) several rows, in order.
struct StatelessRows {
  std::vector<StatelessRow> rows;
  Tallies tallies;
};

//! Runs `input_record` through the stateless part of `query`, as run_stateless below, for any
//! query, `explode` included.
StatelessRows run_stateless_rows(const compiler::physical::Query& query, const std::vector<Value>& input_record,
                                 size_t union_input = 0);

//! Runs `input_record` (the fields of the source's schema, in order) through the stateless
//! part of `query`. For a union, `union_input` picks the source the record comes from. The
//! record must fit the schema: a non-nullable field may not be null, and an int is accepted for
//! a float field (logic_error otherwise, and when an `explode` makes several records of it).
StatelessResult run_stateless(const compiler::physical::Query& query, const std::vector<Value>& input_record,
                              size_t union_input = 0);

//! Runs what follows keyed state (`process … | where … | select … | into`): operators
//! [first_operator, sink) of `query` on a record keyed state emitted (fields of the state
//! operator's output schema) with its key. Same semantics as above.
StatelessResult run_after_state(const compiler::physical::Query& query, size_t first_operator, std::vector<Value> record,
                                std::optional<Value> key);

}  // namespace flow::runtime::eval
