// format_time(ts, pattern): a timestamp as text in UTC, with a small strftime-like pattern
// language (the list of conversions is in docs/stdlib.md).
#include <cstdint>
#include <string_view>

#include "stdlib/arena.hpp"
#include "stdlib/civil_time.hpp"
#include "stdlib/flow_stdlib.h"
#include "stdlib/str_view.hpp"

using namespace flow::stdlib;

namespace {

constexpr std::string_view weekday_names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::string_view month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

//! `value` in decimal with at least `width` digits; a minus sign (years before 0) comes first.
void append_number(ArenaWriter& out, int64_t value, int width) noexcept {
  if (value < 0) out.append('-');
  // Years stay within about ±3e8, so negating cannot overflow; use unsigned anyway to be total.
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  char digits[20];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  for (int pad = count; pad < width; ++pad) out.append('0');
  while (count > 0) out.append(digits[--count]);
}

struct BrokenDownTime {
  CivilDate date;
  int64_t day_of_year;  // 1..366
  int64_t weekday;      // ISO, 1..7
  int64_t hour;
  int64_t minute;
  int64_t second;
  int64_t millisecond;
};

BrokenDownTime break_down(int64_t ts) noexcept {
  const int64_t days = floor_div(ts, ms_per_day);
  const int64_t ms_of_day = floor_mod(ts, ms_per_day);
  const CivilDate date = civil_from_days(days);
  return {date,
          days - days_from_civil(date.year, 1, 1) + 1,
          iso_weekday(days),
          ms_of_day / ms_per_hour,
          ms_of_day % ms_per_hour / ms_per_minute,
          ms_of_day % ms_per_minute / ms_per_second,
          ms_of_day % ms_per_second};
}

//! Writes conversion `spec`; false if `spec` is not one we know, so the caller copies it as text.
bool append_conversion(ArenaWriter& out, const BrokenDownTime& t, char spec) noexcept {
  switch (spec) {
  case 'Y': append_number(out, t.date.year, 4); return true;
  case 'm': append_number(out, t.date.month, 2); return true;
  case 'd': append_number(out, t.date.day, 2); return true;
  case 'H': append_number(out, t.hour, 2); return true;
  case 'M': append_number(out, t.minute, 2); return true;
  case 'S': append_number(out, t.second, 2); return true;
  case 'L': append_number(out, t.millisecond, 3); return true;
  case 'j': append_number(out, t.day_of_year, 3); return true;
  case 'u': append_number(out, t.weekday, 1); return true;
  case 'a': out.append(weekday_names[t.weekday - 1]); return true;
  case 'b': out.append(month_names[t.date.month - 1]); return true;
  case 'F':
    append_conversion(out, t, 'Y');
    out.append('-');
    append_conversion(out, t, 'm');
    out.append('-');
    append_conversion(out, t, 'd');
    return true;
  case 'T':
    append_conversion(out, t, 'H');
    out.append(':');
    append_conversion(out, t, 'M');
    out.append(':');
    append_conversion(out, t, 'S');
    return true;
  case '%': out.append('%'); return true;
  default: return false;
  }
}

}  // namespace

extern "C" flow_str flow_time_format_time(flow_arena* arena, int64_t ts, flow_str pattern) noexcept {
  const std::string_view text = to_view(pattern);
  const BrokenDownTime t = break_down(ts);
  ArenaWriter out(arena);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%' || i + 1 == text.size()) {
      out.append(text[i]);
      continue;
    }
    // An unknown conversion stays in the output as written, where the user will see it.
    if (!append_conversion(out, t, text[i + 1])) out.append(text.substr(i, 2));
    ++i;
  }
  return out.finish();
}
