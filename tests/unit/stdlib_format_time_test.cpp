// format_time: every documented conversion, literal text, unknown conversions and years outside
// 0000..9999.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

namespace {

using flow::stdlib::to_flow_str;
using flow::stdlib::to_view;

constexpr int64_t leap_day_2024 = 1709214330123;  // 2024-02-29T13:45:30.123Z, a Thursday
constexpr int64_t ms_per_day = 86400000;

std::string format(int64_t ts, const char* pattern) {
  static char buffer[512];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  return std::string(to_view(flow_time_format_time(&arena, ts, to_flow_str(pattern))));
}

}  // namespace

TEST_CASE("stdlib format_time: each conversion") {
  CHECK(format(leap_day_2024, "%Y") == "2024");
  CHECK(format(leap_day_2024, "%m") == "02");
  CHECK(format(leap_day_2024, "%d") == "29");
  CHECK(format(leap_day_2024, "%H") == "13");
  CHECK(format(leap_day_2024, "%M") == "45");
  CHECK(format(leap_day_2024, "%S") == "30");
  CHECK(format(leap_day_2024, "%L") == "123");
  CHECK(format(leap_day_2024, "%j") == "060");
  CHECK(format(leap_day_2024, "%u") == "4");
  CHECK(format(leap_day_2024, "%a") == "Thu");
  CHECK(format(leap_day_2024, "%b") == "Feb");
  CHECK(format(leap_day_2024, "%F") == "2024-02-29");
  CHECK(format(leap_day_2024, "%T") == "13:45:30");
  CHECK(format(leap_day_2024, "%%") == "%");
}

TEST_CASE("stdlib format_time: whole patterns and literal text") {
  CHECK(format(leap_day_2024, "%Y-%m-%d %H:%M:%S.%L") == "2024-02-29 13:45:30.123");
  CHECK(format(leap_day_2024, "%FT%T.%LZ") == "2024-02-29T13:45:30.123Z");
  CHECK(format(leap_day_2024, "%a, %d %b %Y") == "Thu, 29 Feb 2024");
  CHECK(format(leap_day_2024, "%H\xE6\x99\x82%M\xE5\x88\x86") == "13\xE6\x99\x82""45\xE5\x88\x86");  // 13時45分
  CHECK(format(0, "%F %T.%L") == "1970-01-01 00:00:00.000");
  CHECK(format(leap_day_2024, "no conversions") == "no conversions");
  CHECK(format(leap_day_2024, "") == "");
}

TEST_CASE("stdlib format_time: unknown conversions and a trailing % are copied as written") {
  CHECK(format(leap_day_2024, "%q") == "%q");
  CHECK(format(leap_day_2024, "%Y%") == "2024%");
  CHECK(format(leap_day_2024, "100%%") == "100%");
  CHECK(format(leap_day_2024, "%%Y") == "%Y");
  CHECK(format(leap_day_2024, "%\xC3\xA9") == "%\xC3\xA9");
}

TEST_CASE("stdlib format_time: before 1970, leap years and day of year") {
  CHECK(format(-1, "%F %T.%L") == "1969-12-31 23:59:59.999");
  CHECK(format(-14182939500, "%F %T.%L %a") == "1969-07-20 20:17:40.500 Sun");
  CHECK(format(-2203977600000 + ms_per_day, "%F") == "1900-03-01");  // 1900 is not a leap year
  CHECK(format(951818400000, "%F %j") == "2000-02-29 060");           // 2000 is
  CHECK(format(1735689599999, "%j") == "366");                        // 2024-12-31
  CHECK(format(1704024000000, "%j") == "365");                        // 2023-12-31
}

TEST_CASE("stdlib format_time: years outside 0000..9999 keep every digit and their sign") {
  // 0000-03-01 is 719468 days before the epoch; year 0 is a leap year (1 BC).
  const int64_t year_zero = -(719468 + 60) * ms_per_day;
  CHECK(format(year_zero, "%F") == "0000-01-01");
  CHECK(format(year_zero - ms_per_day, "%F") == "-0001-12-31");
  CHECK(format(std::numeric_limits<int64_t>::max(), "%F %T.%L") == "292278994-08-17 07:12:55.807");
  CHECK(format(std::numeric_limits<int64_t>::min(), "%F %T.%L") == "-292275055-05-16 16:47:04.192");
}
