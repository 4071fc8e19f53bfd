// The time built-ins that read or round a timestamp: hour, minute, day_of_week, date_trunc.
// Timestamps are int64 milliseconds since the Unix epoch and every field is in UTC.
#include <cstdint>
#include <limits>
#include <string_view>

#include "stdlib/civil_time.hpp"
#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

using namespace flow::stdlib;

namespace {

//! `count * unit_ms` as a timestamp. Truncation only moves down, so the one way to leave the
//! int64 range is below INT64_MIN, and the result saturates there instead of wrapping.
int64_t to_timestamp(int64_t count, int64_t unit_ms) noexcept {
  int64_t result = 0;
  if (!__builtin_mul_overflow(count, unit_ms, &result)) return result;
  return count < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

bool equals_ignoring_ascii_case(std::string_view text, std::string_view lower_name) noexcept {
  if (text.size() != lower_name.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != lower_name[i]) return false;
  }
  return true;
}

}  // namespace

extern "C" {

int64_t flow_time_hour(int64_t ts) noexcept { return floor_mod(ts, ms_per_day) / ms_per_hour; }

int64_t flow_time_minute(int64_t ts) noexcept { return floor_mod(ts, ms_per_hour) / ms_per_minute; }

int64_t flow_time_day_of_week(int64_t ts) noexcept { return iso_weekday(floor_div(ts, ms_per_day)); }

int32_t flow_time_unit_parse(flow_str name) noexcept {
  struct Unit {
    std::string_view name;
    int32_t unit;
  };
  static constexpr Unit units[] = {
      {"second", FLOW_TIME_UNIT_SECOND}, {"minute", FLOW_TIME_UNIT_MINUTE},   {"hour", FLOW_TIME_UNIT_HOUR},
      {"day", FLOW_TIME_UNIT_DAY},       {"week", FLOW_TIME_UNIT_WEEK},       {"month", FLOW_TIME_UNIT_MONTH},
      {"quarter", FLOW_TIME_UNIT_QUARTER}, {"year", FLOW_TIME_UNIT_YEAR},
  };
  const std::string_view text = to_view(name);
  for (const Unit& unit : units)
    if (equals_ignoring_ascii_case(text, unit.name)) return unit.unit;
  return FLOW_TIME_UNIT_INVALID;
}

int64_t flow_time_date_trunc(int32_t unit, int64_t ts) noexcept {
  const int64_t days = floor_div(ts, ms_per_day);
  switch (unit) {
  case FLOW_TIME_UNIT_SECOND: return to_timestamp(floor_div(ts, ms_per_second), ms_per_second);
  case FLOW_TIME_UNIT_MINUTE: return to_timestamp(floor_div(ts, ms_per_minute), ms_per_minute);
  case FLOW_TIME_UNIT_HOUR: return to_timestamp(floor_div(ts, ms_per_hour), ms_per_hour);
  case FLOW_TIME_UNIT_DAY: return to_timestamp(days, ms_per_day);
  case FLOW_TIME_UNIT_WEEK: return to_timestamp(days - (iso_weekday(days) - 1), ms_per_day);
  case FLOW_TIME_UNIT_MONTH: {
    const CivilDate date = civil_from_days(days);
    return to_timestamp(days_from_civil(date.year, date.month, 1), ms_per_day);
  }
  case FLOW_TIME_UNIT_QUARTER: {
    const CivilDate date = civil_from_days(days);
    return to_timestamp(days_from_civil(date.year, (date.month - 1) / 3 * 3 + 1, 1), ms_per_day);
  }
  case FLOW_TIME_UNIT_YEAR: return to_timestamp(days_from_civil(civil_from_days(days).year, 1, 1), ms_per_day);
  default: return ts;
  }
}

}  // extern "C"
