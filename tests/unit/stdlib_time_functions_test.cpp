// hour, minute, day_of_week and date_trunc in UTC, including times before 1970, leap years, the
// int64 extremes and unknown units. Expected timestamps were computed independently (Python).
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

namespace {

using flow::stdlib::to_flow_str;

constexpr int64_t int_max = std::numeric_limits<int64_t>::max();
constexpr int64_t int_min = std::numeric_limits<int64_t>::min();

constexpr int64_t leap_day_2024 = 1709214330123;  // 2024-02-29T13:45:30.123Z, a Thursday
constexpr int64_t moon_landing = -14182939500;    // 1969-07-20T20:17:40.500Z, a Sunday

int64_t trunc(const char* unit, int64_t ts) {
  return flow_time_date_trunc(flow_time_unit_parse(to_flow_str(unit)), ts);
}

}  // namespace

TEST_CASE("stdlib hour and minute: UTC fields") {
  CHECK(flow_time_hour(leap_day_2024) == 13);
  CHECK(flow_time_minute(leap_day_2024) == 45);
  CHECK(flow_time_hour(0) == 0);
  CHECK(flow_time_minute(0) == 0);
  CHECK(flow_time_hour(moon_landing) == 20);
  CHECK(flow_time_minute(moon_landing) == 17);
  // One millisecond before the epoch is the last minute of 1969-12-31.
  CHECK(flow_time_hour(-1) == 23);
  CHECK(flow_time_minute(-1) == 59);
  CHECK(flow_time_hour(int_max) == 7);
  CHECK(flow_time_minute(int_max) == 12);
  CHECK(flow_time_hour(int_min) == 16);
  CHECK(flow_time_minute(int_min) == 47);
}

TEST_CASE("stdlib day_of_week: ISO, Monday is 1 and Sunday is 7") {
  CHECK(flow_time_day_of_week(0) == 4);               // 1970-01-01, Thursday
  CHECK(flow_time_day_of_week(-1) == 3);              // 1969-12-31, Wednesday
  CHECK(flow_time_day_of_week(leap_day_2024) == 4);   // Thursday
  CHECK(flow_time_day_of_week(1709467200000) == 7);   // 2024-03-03T12:00Z, Sunday
  CHECK(flow_time_day_of_week(1709510400000) == 1);   // 2024-03-04T00:00Z, Monday
  CHECK(flow_time_day_of_week(moon_landing) == 7);    // Sunday
  CHECK(flow_time_day_of_week(int_max) == 7);
  CHECK(flow_time_day_of_week(int_min) == 7);
}

TEST_CASE("stdlib unit_parse: the documented names, in any case") {
  CHECK(flow_time_unit_parse(to_flow_str("second")) == FLOW_TIME_UNIT_SECOND);
  CHECK(flow_time_unit_parse(to_flow_str("minute")) == FLOW_TIME_UNIT_MINUTE);
  CHECK(flow_time_unit_parse(to_flow_str("hour")) == FLOW_TIME_UNIT_HOUR);
  CHECK(flow_time_unit_parse(to_flow_str("day")) == FLOW_TIME_UNIT_DAY);
  CHECK(flow_time_unit_parse(to_flow_str("week")) == FLOW_TIME_UNIT_WEEK);
  CHECK(flow_time_unit_parse(to_flow_str("month")) == FLOW_TIME_UNIT_MONTH);
  CHECK(flow_time_unit_parse(to_flow_str("quarter")) == FLOW_TIME_UNIT_QUARTER);
  CHECK(flow_time_unit_parse(to_flow_str("year")) == FLOW_TIME_UNIT_YEAR);
  CHECK(flow_time_unit_parse(to_flow_str("DAY")) == FLOW_TIME_UNIT_DAY);
  CHECK(flow_time_unit_parse(to_flow_str("Week")) == FLOW_TIME_UNIT_WEEK);
  CHECK(flow_time_unit_parse(to_flow_str("days")) == FLOW_TIME_UNIT_INVALID);
  CHECK(flow_time_unit_parse(to_flow_str("millisecond")) == FLOW_TIME_UNIT_INVALID);
  CHECK(flow_time_unit_parse(to_flow_str(" day")) == FLOW_TIME_UNIT_INVALID);
  CHECK(flow_time_unit_parse(to_flow_str("")) == FLOW_TIME_UNIT_INVALID);
  CHECK(flow_time_unit_parse(flow_str{nullptr, 3}) == FLOW_TIME_UNIT_INVALID);
}

TEST_CASE("stdlib date_trunc: every unit on a leap day") {
  CHECK(trunc("second", leap_day_2024) == 1709214330000);   // 13:45:30
  CHECK(trunc("minute", leap_day_2024) == 1709214300000);   // 13:45
  CHECK(trunc("hour", leap_day_2024) == 1709211600000);     // 13:00
  CHECK(trunc("day", leap_day_2024) == 1709164800000);      // 2024-02-29
  CHECK(trunc("week", leap_day_2024) == 1708905600000);     // Monday 2024-02-26
  CHECK(trunc("month", leap_day_2024) == 1706745600000);    // 2024-02-01
  CHECK(trunc("quarter", leap_day_2024) == 1704067200000);  // 2024-01-01
  CHECK(trunc("year", leap_day_2024) == 1704067200000);     // 2024-01-01
}

TEST_CASE("stdlib date_trunc: before 1970 rounds down, not toward zero") {
  CHECK(trunc("second", moon_landing) == -14182940000);   // 20:17:40
  CHECK(trunc("hour", moon_landing) == -14184000000);     // 20:00
  CHECK(trunc("day", moon_landing) == -14256000000);      // 1969-07-20
  CHECK(trunc("week", moon_landing) == -14774400000);     // Monday 1969-07-14
  CHECK(trunc("month", moon_landing) == -15897600000);    // 1969-07-01
  CHECK(trunc("year", moon_landing) == -31536000000);     // 1969-01-01
  CHECK(trunc("quarter", -138204000000) == -142128000000);  // 1965-08-15 -> 1965-07-01
  CHECK(trunc("second", -1) == -1000);
  CHECK(trunc("day", -1) == -86400000);
  CHECK(trunc("year", -1) == -31536000000);
}

TEST_CASE("stdlib date_trunc: leap years and boundaries") {
  CHECK(trunc("month", 951818400000) == 949363200000);  // 2000-02-29T10:00 -> 2000-02-01 (2000 is leap)
  // 1900 is not a leap year: the day after 1900-02-28 is 1900-03-01.
  CHECK(trunc("month", -2203977600000 + 86400000) == -2203891200000);
  CHECK(trunc("day", -2203873200000) == -2203891200000);  // 1900-03-01T05:00 -> 1900-03-01
  CHECK(trunc("week", 1609491600000) == 1609113600000);   // Friday 2021-01-01 -> Monday 2020-12-28
  CHECK(trunc("quarter", 1731657600000) == 1727740800000);  // 2024-11-15 -> 2024-10-01
  CHECK(trunc("day", 0) == 0);
  CHECK(trunc("week", 0) == -3 * 86400000);  // Thursday 1970-01-01 -> Monday 1969-12-29
  CHECK(trunc("year", 1735689599999) == 1704067200000);  // 2024-12-31T23:59:59.999 -> 2024-01-01
}

TEST_CASE("stdlib date_trunc: an unknown unit returns the timestamp unchanged") {
  CHECK(flow_time_date_trunc(FLOW_TIME_UNIT_INVALID, leap_day_2024) == leap_day_2024);
  CHECK(flow_time_date_trunc(99, leap_day_2024) == leap_day_2024);
  CHECK(flow_time_date_trunc(-1, moon_landing) == moon_landing);
  CHECK(trunc("fortnight", leap_day_2024) == leap_day_2024);
}

TEST_CASE("stdlib date_trunc: the int64 extremes saturate instead of overflowing") {
  // No whole second below INT64_MIN is representable, so the result stays at INT64_MIN.
  CHECK(trunc("second", int_min) == int_min);
  CHECK(trunc("day", int_min) == int_min);
  CHECK(trunc("year", int_min) == int_min);
  CHECK(trunc("second", int_max) == int_max - 807);
  CHECK(trunc("day", int_max) == int_max - (7 * 3600000 + 12 * 60000 + 55 * 1000 + 807));
  const int64_t year_start = trunc("year", int_max);
  CHECK(year_start < int_max);
  CHECK(flow_time_hour(year_start) == 0);
}
