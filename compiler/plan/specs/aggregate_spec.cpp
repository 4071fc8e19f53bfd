// What an aggregate computes (aggregate_spec.hpp).
#include "compiler/plan/specs/aggregate_spec.hpp"

namespace flow::compiler::plan {

namespace {

std::string clock_text(const WindowSpec& window) { return window.processing_time ? " in processing time" : ""; }

}  // namespace

std::string window_to_source(const WindowSpec& window) {
  switch (window.kind) {
    case WindowKind::None: return "";
    case WindowKind::Tumbling: return "tumbling(" + duration_to_source(window.size_ms) + ")" + clock_text(window);
    case WindowKind::Hopping:
      return "hopping(" + duration_to_source(window.size_ms) + ", " + duration_to_source(window.slide_ms) + ")" +
             clock_text(window);
    case WindowKind::Session: return "session(" + duration_to_source(window.gap_ms) + ")" + clock_text(window);
  }
  return "";
}

Field AggregateSpec::group_field(size_t i, const Schema& output) const {
  if (!top) return output.at(i);
  const BoundExpr& key = keys.at(i);
  return {key.kind == BoundKind::InputField ? key.name : "key", key.type};
}

}  // namespace flow::compiler::plan
