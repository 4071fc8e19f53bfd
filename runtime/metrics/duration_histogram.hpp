// A histogram of durations with fixed bucket bounds, for `/metrics` (Prometheus histograms):
// triggers, commits, end-to-end latency. Observing is a few relaxed atomic adds — no lock, no
// allocation — so a worker can observe every trigger; a scrape reads the counts while workers
// write them (each count is exact; the set of them is a moment's, as Prometheus clients give).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace flow::runtime {

class DurationHistogram {
 public:
  //! Upper bounds in seconds: 0.5 ms to 1 minute, about ×2.5 apart (Prometheus' default buckets
  //! stretched down to what a trigger takes and up to a window's lateness).
  static constexpr std::array<double, 16> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,   0.5,   1,      2.5,   5,    10,   30,    60};

  void observe_ns(int64_t ns) { observe_seconds(static_cast<double>(ns) / 1e9); }
  //! A latency from two millisecond clocks; any two values (a far-past event time, a clock
  //! behind another's) give a sample, never an overflow: below zero counts as zero.
  void observe_ms_between(int64_t from_ms, int64_t to_ms) {
    observe_seconds((static_cast<double>(to_ms) - static_cast<double>(from_ms)) / 1e3);
  }
  void observe_seconds(double seconds) {
    if (!(seconds > 0)) seconds = 0;  // NaN too
    size_t bucket = 0;
    while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_seconds_.fetch_add(seconds, std::memory_order_relaxed);
  }

  //! Counts and sum of several histograms added up (a query's latency over its tasks).
  struct Totals {
    std::array<uint64_t, kBounds.size() + 1> counts{};
    double sum_seconds = 0;
    void add(const DurationHistogram& h) {
      for (size_t i = 0; i < counts.size(); ++i) counts[i] += h.count(i);
      sum_seconds += h.sum_seconds();
    }
  };

  //! The observations in bucket `i` alone (i == kBounds.size(): above the last bound).
  uint64_t count(size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  double sum_seconds() const { return sum_seconds_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<double> sum_seconds_{0};
};

}  // namespace flow::runtime
