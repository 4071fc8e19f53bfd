// The math built-ins: abs, round, floor, ceil, least and greatest. Rounding is half away from
// zero, on the decimal digits the user sees, as in Spark SQL.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "stdlib/flow_stdlib.h"

namespace {

constexpr int64_t int_max = std::numeric_limits<int64_t>::max();
constexpr int64_t int_min = std::numeric_limits<int64_t>::min();

//! round(x, digits) on the shortest decimal that reads back as `x` (what printing shows), not on
//! its binary value: 2.675 is 2.67499999... in binary, but users expect round(2.675, 2) = 2.68.
double round_decimal(double x, int64_t digits) noexcept {
  // Past ±400 nothing changes any more: doubles have at most 17 significant digits and decimal
  // exponents within [-324, 308].
  if (digits > 400) digits = 400;
  if (digits < -400) digits = -400;

  char text[40];
  const auto printed = std::to_chars(text, text + sizeof text, x, std::chars_format::scientific);
  if (printed.ec != std::errc{}) return x;
  // `text` is "[-]d[.ddd]e±XX": collect the significant digits and the exponent of the first one.
  char significant[24];
  int64_t count = 0;
  const char* at = text;
  if (*at == '-') ++at;
  for (; *at != 'e'; ++at)
    if (*at != '.') significant[count++] = *at;
  int64_t exponent = 0;
  std::from_chars(at + 1 + (at[1] == '+' ? 1 : 0), printed.ptr, exponent);

  // x = 0.significant * 10^(exponent + 1); keep the digits down to the 10^-digits place.
  const int64_t keep = exponent + 1 + digits;
  if (keep >= count) return x;
  if (keep < 0) return std::copysign(0.0, x);
  bool round_up = significant[keep] >= '5';
  char result[48];
  char* out = result;
  if (x < 0) *out++ = '-';
  // Increment the kept digits in place; a carry out of the first digit adds a leading 1.
  for (int64_t i = keep - 1; round_up && i >= 0; --i) {
    if (significant[i] == '9') {
      significant[i] = '0';
    } else {
      ++significant[i];
      round_up = false;
    }
  }
  if (round_up) *out++ = '1';
  for (int64_t i = 0; i < keep; ++i) *out++ = significant[i];
  if (out == result || (out == result + 1 && x < 0)) return std::copysign(0.0, x);
  *out++ = 'e';
  out = std::to_chars(out, result + sizeof result - 1, -digits).ptr;
  *out = '\0';
  // strtod rounds correctly, gives ±HUGE_VAL when rounding up overflows (round(1.7e308, -308)),
  // and needs no locale here because the text has no decimal point.
  return std::strtod(result, nullptr);
}

}  // namespace

extern "C" {

// abs(INT64_MIN) has no int64 answer; saturating keeps abs(x) >= 0 true for every x.
int64_t flow_math_abs_int(int64_t x) noexcept { return x == int_min ? int_max : (x < 0 ? -x : x); }

double flow_math_abs_float(double x) noexcept { return std::fabs(x); }

double flow_math_round_float(double x) noexcept { return std::round(x); }

double flow_math_round_float_digits(double x, int64_t digits) noexcept {
  if (!std::isfinite(x) || x == 0) return x;
  return round_decimal(x, digits);
}

int64_t flow_math_round_int_digits(int64_t x, int64_t digits) noexcept {
  if (digits >= 0) return x;
  // |x| < 9.3e18 < 10^20 / 2, so rounding to 10^20 or coarser is always 0.
  if (digits < -19) return 0;
  __int128 unit = 1;
  for (int64_t i = 0; i < -digits; ++i) unit *= 10;
  const __int128 value = x;
  const __int128 magnitude = value < 0 ? -value : value;
  const __int128 rounded_magnitude = (magnitude + unit / 2) / unit * unit;
  const __int128 rounded = value < 0 ? -rounded_magnitude : rounded_magnitude;
  if (rounded > int_max) return int_max;
  if (rounded < int_min) return int_min;
  return static_cast<int64_t>(rounded);
}

double flow_math_floor_float(double x) noexcept { return std::floor(x); }

double flow_math_ceil_float(double x) noexcept { return std::ceil(x); }

int64_t flow_math_least_int(int64_t a, int64_t b) noexcept { return b < a ? b : a; }

int64_t flow_math_greatest_int(int64_t a, int64_t b) noexcept { return b > a ? b : a; }

// As in Spark, NaN is larger than every other value: least skips it, greatest returns it.
double flow_math_least_float(double a, double b) noexcept {
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return b < a ? b : a;
}

double flow_math_greatest_float(double a, double b) noexcept {
  if (std::isnan(a)) return a;
  if (std::isnan(b)) return b;
  return b > a ? b : a;
}

}  // extern "C"
