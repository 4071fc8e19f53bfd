// A host for generated code that records everything it is handed — emitted records, dead letters,
// tallies, hand-overs to keyed state — in memory. Tests use it to run compiled pipelines without
// Kafka (differential tests against the reference evaluator), benchmarks to measure them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/abi/program.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::runtime {

//! A flow_value copied out of generated code's memory: strings owned.
struct OwnedValue {
  flow_value raw{};     //!< bits/len/is_null as received (for strings, `text` holds the bytes)
  std::string text;
};

class RecordingHost {
 public:
  struct Emitted {
    int32_t query;
    std::string key;
    bool has_key;
    std::string value;
    int64_t event_time_ms;
  };
  struct DeadLetter {
    int64_t offset;
    int32_t reason;
    std::string detail;
  };
  struct HandedToState {
    int32_t query;
    std::optional<OwnedValue> key;
    std::vector<OwnedValue> fields;
    int64_t event_time_ms;
  };

  explicit RecordingHost(size_t arena_bytes = 1 << 16);

  //! The task pointer generated code receives (it passes it back to the callbacks below).
  flow_task* task() { return reinterpret_cast<flow_task*>(this); }

  //! The callbacks and codec functions generated code needs, for JitProgram::compile.
  static std::vector<abi::HostSymbol> symbols();

  void clear();

  std::vector<Emitted> emitted;
  std::vector<DeadLetter> dead_letters;
  std::map<int32_t, int64_t> tallies;  //!< metric index -> count
  std::vector<HandedToState> handed_to_state;
  std::vector<HandedToState> handed_to_aggregate;  //!< no key; the group's values, then arguments
  //! What flow_rt_event_time_limit answers; a record with a later event time is recorded as a dead
  //! letter (reason FLOW_EVENT_TIME_AHEAD, its event time as the detail).
  int64_t event_time_limit = INT64_MAX;
  //! The records' string fields must be copied by the callbacks: strings point into the arena.
  flow_arena arena{};

 private:
  std::vector<char> arena_buffer_;
};

}  // namespace flow::runtime
