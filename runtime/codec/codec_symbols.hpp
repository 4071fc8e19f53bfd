// The codec entry points generated code calls, as JIT symbols: every host registers these next
// to its own callbacks.
#pragma once

#include <vector>

#include "compiler/codegen/codegen.hpp"

namespace flow::runtime {

//! flow_json_decode and flow_json_encode by name, with their addresses.
std::vector<compiler::codegen::HostSymbol> codec_symbols();

}  // namespace flow::runtime
