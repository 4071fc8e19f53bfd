// The list built-ins and the sets' add and remove in the reference evaluator: each goes to the
// stdlib C function generated code calls (flow_list_* and flow_set_*), over the elements laid out
// as flow_values, so both have one implementation.
#pragma once

#include "compiler/plan/type.hpp"
#include "runtime/eval/value.hpp"

namespace flow::runtime::eval {

//! sort(list) of `type` (the list's): ascending, nulls first.
Value list_sort(const Value& list, const plan::Type& type);
//! sum(list) of `type`: the non-null elements added in order (ints wrap); 0 when there are none.
Value list_sum(const Value& list, const plan::Type& type);
//! list_min(list) / list_max(list) of `type`: the chosen element, null when none is non-null.
Value list_extreme(const Value& list, const plan::Type& type, bool largest);
//! state.s.add(element) / state.s.remove(element) on a set of `type`; a null set is empty.
Value set_add(const Value& set, const Value& element, const plan::Type& type);
Value set_remove(const Value& set, const Value& element, const plan::Type& type);

}  // namespace flow::runtime::eval
