// The kinds of a query's operators: the vocabulary the logical plan, the physical plan and the
// runtime share.
#pragma once

#include <cstdint>

namespace flow::compiler::plan {

enum class OperatorKind : uint8_t { Source, Union, Filter, Project, Tally, Explode, KeyBy, Aggregate, Process, Sink, Join };

}  // namespace flow::compiler::plan
