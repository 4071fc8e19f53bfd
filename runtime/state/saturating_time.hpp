// Event-time arithmetic that saturates: watermarks and deadlines sit near INT64_MIN ("none yet")
// and INT64_MAX ("end of input"), where a plain `t + window` would overflow.
#pragma once

#include <cstdint>

namespace flow::runtime {

//! `a - b` for b >= 0, INT64_MIN when it would be below it.
inline int64_t saturating_minus(int64_t a, int64_t b) { return a < INT64_MIN + b ? INT64_MIN : a - b; }
//! `a + b` for b >= 0, INT64_MAX when it would be above it.
inline int64_t saturating_plus(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

}  // namespace flow::runtime
