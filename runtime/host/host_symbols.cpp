// The registry of host functions generated code calls (host_symbols.hpp).
#include "runtime/host/host_symbols.hpp"

namespace flow::runtime {

std::vector<abi::HostSymbol> host_symbols(const TaskCallbacks& task) {
  auto address = [](auto* function) { return reinterpret_cast<const void*>(function); };
  return {
      // The codecs (runtime/codec): a source's decoder, a sink's encoder.
      {"flow_json_decode", address(&flow_json_decode)},
      {"flow_json_max_record_bytes", address(&flow_json_max_record_bytes)},
      {"flow_json_encode", address(&flow_json_encode)},
      // The task's callbacks.
      {"flow_rt_emit", address(task.emit)},
      {"flow_rt_dead_letter", address(task.dead_letter)},
      {"flow_rt_tally", address(task.tally)},
      {"flow_rt_to_state", address(task.to_state)},
      {"flow_rt_to_aggregate", address(task.to_aggregate)},
      {"flow_rt_arena", address(task.arena)},
      {"flow_rt_event_time_limit", address(task.event_time_limit)},
      {"flow_rt_event_time_ahead", address(task.event_time_ahead)},
      // Compiled handlers run inside keyed state (runtime/state/process_operator), which provides
      // these two.
      {"flow_rt_handler_emit", address(&flow_rt_handler_emit)},
      {"flow_rt_handler_tally", address(&flow_rt_handler_tally)},
  };
}

}  // namespace flow::runtime
