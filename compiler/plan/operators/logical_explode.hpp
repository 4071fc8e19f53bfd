// Explode (`explode LIST as NAME`): one record per element of the list, in order, each with the
// input record's fields and the element appended as NAME (of the element's type). A null or empty
// list gives no record, like Spark's `explode` and Flink's CROSS JOIN UNNEST.
#pragma once

#include "compiler/plan/logical_operator.hpp"
#include "compiler/plan/specs/stateless_specs.hpp"

namespace flow::compiler::plan {

struct LogicalExplode final : LogicalOperator, ExplodeSpec {
  LogicalExplode() : LogicalOperator(OperatorKind::Explode) {}
  std::string name() const override { return "Explode"; }
  std::string describe() const override { return to_source(list) + " as " + element_name(); }
  void write_json(JsonWriter& json) const override {
    json.key("list").value(to_source(list));
    json.key("as").value(element_name());
  }
  //! The appended field: the last of the output.
  std::string element_name() const { return output.empty() ? std::string() : output.back().name; }
};

}  // namespace flow::compiler::plan
