// Reading RFC 3339 timestamps (`2026-11-23T10:15:30.123+01:00`), the text form a JSON source may
// use for a `timestamp` field, into milliseconds since the epoch, UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flow::runtime {

struct Rfc3339Result {
  bool ok = false;
  int64_t ms = 0;                 //!< when ok: milliseconds since 1970-01-01T00:00:00Z
  std::string_view problem = {};  //!< when not ok: what is wrong, lowercase, for a dead letter
};

//! Accepts exactly `YYYY-MM-DD` `T` `HH:MM:SS` [`.` digits] (`Z` | `+HH:MM` | `-HH:MM`), where
//! `t`, `z` and a space for `T` are accepted too (RFC 3339 section 5.6 allows them). Fractions
//! of any length are truncated to the millisecond; `-00:00` is UTC; second 60 (a leap second) is
//! read as second 0 of the next minute, since flow's time, like POSIX time, has no leap seconds.
Rfc3339Result parse_rfc3339(std::string_view text) noexcept;

//! `ms` as `2026-11-23T10:15:30.123Z` (UTC, milliseconds); `none` for INT64_MIN (no watermark
//! yet), and the bare milliseconds outside years 0000–9999, which a calendar cannot show.
std::string format_rfc3339(int64_t ms);

}  // namespace flow::runtime
