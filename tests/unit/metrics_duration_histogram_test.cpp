// The duration histograms behind /metrics (runtime/metrics/duration_histogram.hpp): each sample
// in the first bucket whose bound it does not pass, Prometheus' `le` semantics; durations below
// zero, NaN and far-past event times give a sample, never a wrong bucket or an overflow.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "runtime/metrics/duration_histogram.hpp"

using flow::runtime::DurationHistogram;

namespace {

//! The bucket holding the one sample of `h`.
size_t bucket_of(const DurationHistogram& h) {
  for (size_t i = 0; i <= DurationHistogram::kBounds.size(); ++i)
    if (h.count(i) == 1) return i;
  return SIZE_MAX;
}

}  // namespace

TEST_CASE("metrics: a duration goes in the first bucket whose bound is not below it (le)") {
  for (size_t i = 0; i < DurationHistogram::kBounds.size(); ++i) {
    DurationHistogram at, above;
    at.observe_seconds(DurationHistogram::kBounds[i]);
    CHECK(bucket_of(at) == i);
    above.observe_seconds(DurationHistogram::kBounds[i] * 1.001);
    CHECK(bucket_of(above) == i + 1);
  }
  DurationHistogram h;
  h.observe_ns(3'000'000);  // 3 ms
  CHECK(bucket_of(h) == 3);  // (2.5 ms, 5 ms]
  CHECK(h.sum_seconds() == doctest::Approx(0.003));
}

TEST_CASE("metrics: negative, NaN and huge durations are samples in the first or the last bucket") {
  DurationHistogram negative, nan, far;
  negative.observe_ns(-5);
  CHECK(bucket_of(negative) == 0);
  CHECK(negative.sum_seconds() == 0);
  nan.observe_seconds(std::numeric_limits<double>::quiet_NaN());
  CHECK(bucket_of(nan) == 0);
  // An event time at the epoch, written now; and one at INT64_MIN: no overflow, the +Inf bucket.
  far.observe_ms_between(0, 1'764'633'600'000);
  far.observe_ms_between(INT64_MIN, INT64_MAX);
  CHECK(far.count(DurationHistogram::kBounds.size()) == 2);
  CHECK(std::isfinite(far.sum_seconds()));
  // A record stamped ahead of the clock: zero latency, not a negative one.
  DurationHistogram ahead;
  ahead.observe_ms_between(2'000, 1'000);
  CHECK(bucket_of(ahead) == 0);
}

TEST_CASE("metrics: totals add histograms up bucket by bucket") {
  DurationHistogram a, b;
  a.observe_seconds(0.002);
  b.observe_seconds(0.002);
  b.observe_seconds(100);
  DurationHistogram::Totals totals;
  totals.add(a);
  totals.add(b);
  CHECK(totals.counts[2] == 2);  // (1 ms, 2.5 ms]
  CHECK(totals.counts.back() == 1);
  CHECK(totals.sum_seconds == doctest::Approx(100.004));
}
