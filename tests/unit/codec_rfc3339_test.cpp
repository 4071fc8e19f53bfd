// RFC 3339 timestamps as JSON sources may send them (runtime/codec/rfc3339.hpp): offsets,
// fractions, the lowercase and space variants, and dates and times that do not exist.
#include <doctest/doctest.h>

#include <string_view>

#include "runtime/codec/rfc3339.hpp"

namespace {

int64_t ms(std::string_view text) {
  const flow::runtime::Rfc3339Result result = flow::runtime::parse_rfc3339(text);
  REQUIRE_MESSAGE(result.ok, text, ": ", result.problem);
  return result.ms;
}

std::string_view problem(std::string_view text) {
  const flow::runtime::Rfc3339Result result = flow::runtime::parse_rfc3339(text);
  REQUIRE_FALSE_MESSAGE(result.ok, text);
  return result.problem;
}

constexpr int64_t base = 1795428930000;  // 2026-11-23T10:15:30Z
constexpr std::string_view layout = "not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)";

}  // namespace

TEST_CASE("codec: RFC 3339 in UTC") {
  CHECK(ms("2026-11-23T10:15:30Z") == base);
  CHECK(ms("1970-01-01T00:00:00Z") == 0);
  CHECK(ms("1969-12-31T23:59:59.999Z") == -1);
  CHECK(ms("2024-02-29T00:00:00Z") == 1709164800000);  // a leap day
  CHECK(ms("0000-01-01T00:00:00Z") == -62167219200000);
  CHECK(ms("9999-12-31T23:59:59.999Z") == 253402300799999);
}

TEST_CASE("codec: RFC 3339 fractions are truncated to the millisecond") {
  CHECK(ms("2026-11-23T10:15:30.123Z") == base + 123);
  CHECK(ms("2026-11-23T10:15:30.5Z") == base + 500);
  CHECK(ms("2026-11-23T10:15:30.05Z") == base + 50);
  CHECK(ms("2026-11-23T10:15:30.123456789Z") == base + 123);
  CHECK(ms("2026-11-23T10:15:30.9999Z") == base + 999);
  CHECK(ms("2026-11-23T10:15:30.000Z") == base);
  CHECK(ms("1969-12-31T23:59:59.9999Z") == -1);  // truncated toward the past, before 1970 too
}

TEST_CASE("codec: RFC 3339 offsets") {
  CHECK(ms("2026-11-23T10:15:30+01:00") == base - 3'600'000);
  CHECK(ms("2026-11-23T10:15:30-05:30") == base + 19'800'000);
  CHECK(ms("2026-11-23T10:15:30.123+01:00") == base - 3'600'000 + 123);
  CHECK(ms("2026-11-23T10:15:30+00:00") == base);
  CHECK(ms("2026-11-23T10:15:30-00:00") == base);  // "unknown local offset": UTC
  CHECK(ms("2026-11-23T10:15:30+23:59") == base - (23 * 60 + 59) * 60'000);
  CHECK(ms("2026-01-01T00:30:00+01:00") == ms("2025-12-31T23:30:00Z"));  // across a year
}

TEST_CASE("codec: RFC 3339 variants the RFC allows") {
  CHECK(ms("2026-11-23t10:15:30z") == base);
  CHECK(ms("2026-11-23 10:15:30Z") == base);
  CHECK(ms("2026-11-23T23:59:60Z") == ms("2026-11-24T00:00:00Z"));  // a leap second
}

TEST_CASE("codec: RFC 3339 dates and times that do not exist") {
  CHECK(problem("2026-02-29T00:00:00Z") == "that day does not exist in that month");
  CHECK(problem("2026-02-30T00:00:00Z") == "that day does not exist in that month");
  CHECK(problem("2100-02-29T00:00:00Z") == "that day does not exist in that month");
  CHECK(problem("2026-04-31T00:00:00Z") == "that day does not exist in that month");
  CHECK(problem("2026-11-00T00:00:00Z") == "that day does not exist in that month");
  CHECK(problem("2026-13-01T00:00:00Z") == "the month is out of range");
  CHECK(problem("2026-00-01T00:00:00Z") == "the month is out of range");
  CHECK(problem("2026-11-23T24:00:00Z") == "the hour is out of range");
  CHECK(problem("2026-11-23T10:60:00Z") == "the minute is out of range");
  CHECK(problem("2026-11-23T10:15:61Z") == "the second is out of range");
  CHECK(problem("2026-11-23T10:15:30+24:00") == "the UTC offset is out of range");
  CHECK(problem("2026-11-23T10:15:30+01:60") == "the UTC offset is out of range");
}

TEST_CASE("codec: RFC 3339 layouts that are not RFC 3339") {
  for (std::string_view text :
       {"", "2026-11-23", "2026-11-23T10:15:30", "2026-11-23T10:15Z", "2026-11-23T10:15:30.Z",
        "2026-11-23T10:15:30+0100", "2026-11-23T10:15:30+01", "2026-11-23T10:15:30Zjunk", "2026-11-23T10:15:30 Z",
        "2026-11-23X10:15:30Z", "26-11-23T10:15:30Z", "+2026-11-23T10:15:30Z", "2026/11/23T10:15:30Z",
        "2026-1-23T10:15:30Z", "2026-11-23T10:15:30,5Z", "yesterday"}) {
    CAPTURE(text);
    CHECK(problem(text) == layout);
  }
}

TEST_CASE("codec: format_rfc3339 writes UTC with milliseconds, before 1970 too, and says what it cannot show") {
  using flow::runtime::format_rfc3339;
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1'763'892'930'123) == "2025-11-23T10:15:30.123Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(253'402'214'400'000) == "9999-12-31T00:00:00.000Z");
  CHECK(format_rfc3339(INT64_MIN) == "none");
  CHECK(format_rfc3339(INT64_MAX) == "9223372036854775807 ms since the epoch");
}
