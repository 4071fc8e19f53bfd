// Converting between days since 1970-01-01 and proleptic Gregorian dates (UTC, astronomical year
// numbering: year 0 is 1 BC), for the time functions. No time zones, no leap seconds.
#pragma once

#include <cstdint>

namespace flow::stdlib {

inline constexpr int64_t ms_per_second = 1000;
inline constexpr int64_t ms_per_minute = 60 * ms_per_second;
inline constexpr int64_t ms_per_hour = 60 * ms_per_minute;
inline constexpr int64_t ms_per_day = 24 * ms_per_hour;

struct CivilDate {
  int64_t year;
  int64_t month;  // 1..12
  int64_t day;    // 1..31
};

//! Division rounding toward negative infinity, so times before 1970 fall into the right day.
inline constexpr int64_t floor_div(int64_t a, int64_t b) noexcept {
  const int64_t quotient = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? quotient - 1 : quotient;
}

//! The remainder that goes with floor_div: always in [0, b) for b > 0. Computed from `%` rather
//! than `a - floor_div(a, b) * b`, which overflows for `a` near INT64_MIN.
inline constexpr int64_t floor_mod(int64_t a, int64_t b) noexcept {
  const int64_t remainder = a % b;
  return (remainder != 0 && ((remainder < 0) != (b < 0))) ? remainder + b : remainder;
}

//! Days since 1970-01-01 of a date; valid for every date a millisecond int64 timestamp can hold.
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) noexcept;

//! The date of a day number (days since 1970-01-01).
CivilDate civil_from_days(int64_t days) noexcept;

//! ISO weekday of a day number: Monday = 1 ... Sunday = 7.
inline constexpr int64_t iso_weekday(int64_t days) noexcept { return floor_mod(days + 3, 7) + 1; }

}  // namespace flow::stdlib
