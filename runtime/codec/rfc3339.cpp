// RFC 3339 timestamps to milliseconds: a fixed-layout scan, then the calendar from <chrono>.
#include "runtime/codec/rfc3339.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace flow::runtime {
namespace {

constexpr int64_t ms_per_minute = 60'000;
constexpr int64_t ms_per_day = 86'400'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

//! The `count` digits at `text[at]`, or -1 if one of them is not a digit.
int64_t digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int64_t value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!is_digit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool char_at(std::string_view text, std::size_t at, char expected) { return at < text.size() && text[at] == expected; }

Rfc3339Result failure(std::string_view problem) { return {false, 0, problem}; }

}  // namespace

// date-time = YYYY "-" MM "-" DD ("T" / "t" / " ") hh ":" mm ":" ss ["." 1*DIGIT] offset
// offset    = "Z" / "z" / ("+" / "-") hh ":" mm
Rfc3339Result parse_rfc3339(std::string_view text) noexcept {
  constexpr std::string_view layout = "not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)";
  const int64_t year = digits(text, 0, 4);
  const int64_t month = digits(text, 5, 2);
  const int64_t day = digits(text, 8, 2);
  const int64_t hour = digits(text, 11, 2);
  const int64_t minute = digits(text, 14, 2);
  const int64_t second = digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || !char_at(text, 4, '-') ||
      !char_at(text, 7, '-') || !char_at(text, 13, ':') || !char_at(text, 16, ':'))
    return failure(layout);
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return failure(layout);

  std::size_t at = 19;
  int64_t millis = 0;
  if (char_at(text, at, '.')) {
    ++at;
    const std::size_t first = at;
    while (at < text.size() && is_digit(text[at])) {
      if (at - first < 3) millis = millis * 10 + (text[at] - '0');
      ++at;
    }
    if (at == first) return failure(layout);
    for (std::size_t kept = at - first; kept < 3; ++kept) millis *= 10;
  }

  int64_t offset_minutes = 0;
  if (char_at(text, at, 'Z') || char_at(text, at, 'z')) {
    ++at;
  } else if (char_at(text, at, '+') || char_at(text, at, '-')) {
    const int64_t sign = text[at] == '-' ? -1 : 1;
    const int64_t offset_hour = digits(text, at + 1, 2);
    const int64_t offset_minute = digits(text, at + 4, 2);
    if (offset_hour < 0 || offset_minute < 0 || !char_at(text, at + 3, ':')) return failure(layout);
    if (offset_hour > 23 || offset_minute > 59) return failure("the UTC offset is out of range");
    offset_minutes = sign * (offset_hour * 60 + offset_minute);
    at += 6;
  } else {
    return failure(layout);
  }
  if (at != text.size()) return failure(layout);

  if (month < 1 || month > 12) return failure("the month is out of range");
  const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(year)},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return failure("that day does not exist in that month");
  if (hour > 23) return failure("the hour is out of range");
  if (minute > 59) return failure("the minute is out of range");
  if (second > 60) return failure("the second is out of range");

  const int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  const int64_t local_ms = days * ms_per_day + (hour * 60 + minute) * ms_per_minute + second * 1000 + millis;
  return {true, local_ms - offset_minutes * ms_per_minute, {}};
}

std::string format_rfc3339(int64_t ms) {
  if (ms == INT64_MIN) return "none";
  constexpr int64_t first = -62'167'219'200'000, last = 253'402'300'799'999;  // 0000-01-01, 9999-12-31
  if (ms < first || ms > last) return fmt::format("{} ms since the epoch", ms);
  int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);  // rounded down, also before 1970
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03d}Z", text, static_cast<int>(ms - seconds * 1000));
}

}  // namespace flow::runtime
