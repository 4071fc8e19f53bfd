// See codec_symbols.hpp.
#include "runtime/codec/codec_symbols.hpp"

#include "runtime/abi/flow_abi.h"

namespace flow::runtime {

std::vector<compiler::codegen::HostSymbol> codec_symbols() {
  return {
      {"flow_json_decode", reinterpret_cast<const void*>(&flow_json_decode)},
      {"flow_json_max_record_bytes", reinterpret_cast<const void*>(&flow_json_max_record_bytes)},
      {"flow_json_encode", reinterpret_cast<const void*>(&flow_json_encode)},
  };
}

}  // namespace flow::runtime
