// Distinct counts (runtime/eval/distinct_count.hpp): the sketch against exact counts, its
// independence of order and of merging, and count_distinct's bound stopping the run.
#include "runtime/eval/distinct_count.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "runtime/state/aggregate_folds.hpp"
#include "tests/unit/support/checked_plan.hpp"
#include "compiler/plan/operators/logical_aggregate.hpp"

using flow::runtime::eval::DistinctSketch;
using flow::runtime::eval::Value;
using flow::runtime::eval::distinct_hash;

TEST_CASE("distinct sketch: exact while sparse, within a few standard errors once dense") {
  std::mt19937_64 random(16);
  for (int64_t n : {0, 1, 2, 100, 511, 512, 513, 1000, 5000, 20'000, 100'000, 1'000'000}) {
    DistinctSketch sketch;
    for (int64_t i = 0; i < n; ++i) {
      sketch.add(distinct_hash(Value::string("user-" + std::to_string(i))));
      if (i % 3 == 0) sketch.add(distinct_hash(Value::string("user-" + std::to_string(i / 2))));  // repeats
    }
    INFO("n = " << n << ", estimate " << sketch.estimate());
    if (n <= static_cast<int64_t>(DistinctSketch::kSparseLimit)) {
      CHECK_FALSE(sketch.dense());
      CHECK(sketch.estimate() == n);
    } else {
      CHECK(sketch.dense());
      // 1.04 / sqrt(4096) = 1.6 %: four standard errors.
      CHECK(std::abs(static_cast<double>(sketch.estimate() - n)) <= 0.065 * static_cast<double>(n));
    }
  }
}

TEST_CASE("distinct sketch: the same sketch whatever the order or the merges") {
  std::vector<uint64_t> hashes;
  for (int i = 0; i < 3000; ++i) hashes.push_back(distinct_hash(Value::integer(i % 2000)));
  DistinctSketch whole;
  for (uint64_t h : hashes) whole.add(h);
  std::mt19937_64 random(3);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(hashes.begin(), hashes.end(), random);
    size_t cut = random() % hashes.size();
    DistinctSketch a, b;
    for (size_t i = 0; i < hashes.size(); ++i) (i < cut ? a : b).add(hashes[i]);
    DistinctSketch ab = a, ba = b;
    ab.merge(b);
    ba.merge(a);
    CHECK(ab == whole);
    CHECK(ba == whole);
  }
}

TEST_CASE("distinct hash: equal values hash alike, as groups are formed") {
  CHECK(distinct_hash(Value::floating(-0.0)) == distinct_hash(Value::floating(0.0)));
  CHECK(distinct_hash(Value::floating(std::nan("1"))) == distinct_hash(Value::floating(-std::nan(""))));
  CHECK(distinct_hash(Value::string("a")) != distinct_hash(Value::string("b")));
  CHECK(distinct_hash(Value::integer(1)) != distinct_hash(Value::timestamp(1)));
}

TEST_CASE("count_distinct: past its declared bound the run stops, naming the aggregate and what to do") {
  auto plan = flow::compiler::testing::checked_physical_plan(R"(
source clicks from kafka "clicks" as json { user: string, url: string, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 1s);
sink out to stdout;
query q {
    from clicks
    | group by url window tumbling(1m)
    | aggregate count_distinct(user, 3) as users
    | into out
}
)");
  const auto& aggregate = plan.queries[0].operators[1].as<flow::compiler::physical::Aggregate>();
  CHECK(aggregate.aggregates[0].max_distinct == 3);
  flow::runtime::AggregateFolds folds(aggregate);
  auto accumulators = folds.start();
  for (const char* user : {"a", "b", "a", "c", "b"}) folds.add(accumulators, {Value::string(user)}, 0);
  CHECK(folds.results(accumulators) == std::vector<Value>{Value::integer(3)});
  try {
    folds.add(accumulators, {Value::string("d")}, 0);
    FAIL("a fourth distinct user was accepted");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("`count_distinct` of `users` saw more than 3 distinct values in one group") !=
          std::string::npos);
    CHECK(std::string(e.what()).find("approx_count_distinct") != std::string::npos);
  }
}
