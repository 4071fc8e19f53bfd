// How much of a bad record its dead letter can carry. A dead-letter topic takes records up to its
// `max.message.bytes` (1 MB by default) while the source's topic may allow far larger ones: a
// dead letter that did not fit would stop the run at every restart, on the same record. So a
// record too large for the dead-letter topic goes there as a truncated copy, its headers saying
// so (`flow.truncated`, `flow.original_bytes`) beside the reason and where the original is.
#pragma once

#include <cstdint>

namespace flow::runtime {

struct DeadLetterCopy {
  int64_t value_bytes = 0;  //!< how many of the value's first bytes the dead letter carries
  bool keeps_key = true;    //!< false: the key would leave the value no room (the headers still say where)
  bool truncated = false;   //!< the value was cut or the key left out
};

//! Room left for a record batch's own framing (the batch and record headers, varints).
constexpr int64_t kDeadLetterFramingBytes = 1024;

//! What fits in `max_bytes` for a record of `value_bytes` and `key_bytes` with `header_bytes` of
//! headers (names and values), the truncation headers included when they are needed.
constexpr DeadLetterCopy fit_dead_letter(int64_t value_bytes, int64_t key_bytes, int64_t header_bytes,
                                         int64_t max_bytes) {
  int64_t room = max_bytes - kDeadLetterFramingBytes - header_bytes;
  if (value_bytes + key_bytes <= room) return {value_bytes, true, false};
  bool keeps_key = key_bytes <= room / 2;
  int64_t left = room - (keeps_key ? key_bytes : 0);
  int64_t value = value_bytes < left ? value_bytes : left;
  return {value > 0 ? value : 0, keeps_key, true};
}

}  // namespace flow::runtime
