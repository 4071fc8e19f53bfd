// The Kafka message key of an output record, from its key: what a consumer partitions and
// compacts by. One rule for every path that writes outputs (generated code's own sinks write the
// same text for the scalar keys; see key_bytes in compiler/codegen/pipeline_lowering.cpp).
#pragma once

#include <string>

#include "runtime/eval/value.hpp"
#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::runtime {

//! A string's bytes; an int, timestamp or duration as decimal text, a bool as 1 or 0, a float in
//! its shortest round-trip form; null as no bytes. An aggregate grouped by several fields is keyed
//! by a record of them: a compact JSON object in `group by` order (`{"url":"/a","user":"ann"}`),
//! so that each group has its own key.
std::string message_key(const eval::Value& key);
//! The same for a flow_value of `type` (a scalar).
std::string message_key(const flow_value& key, const compiler::plan::Type& type);

}  // namespace flow::runtime
