// A join in a chain of stages: StageChain hands the stream's and the table's (or the other
// stream's) records to the join's shared state, what the join emits runs through the operators
// after it and into an aggregate after that. The operators after the join run as generated code
// (the program's stage functions) and in the reference evaluator (no program): both must write
// the same records and tallies, on random streams and tables, and at every commit every store
// (the task's, the join's, the aggregate's) must hold the same bytes. Fixed seeds: a failure reproduces.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <random>

#include "compiler/physical/physical_planner.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/tasks/stage_chain.hpp"
#include "tests/unit/support/compiled_plan.hpp"

using namespace flow::compiler;
using flow::runtime::StageChain;
using flow::runtime::StateStore;

namespace {

const char* kApplication = R"(source views from kafka "views" as json {
    user: string, page: string, ms: int, ts: timestamp,
} with (partitions = 1, event_time = ts, watermark = 0s);
table users from kafka "users" as json {
    id: string, region: string?, tier: int, updated: timestamp,
} with (partitions = 1, key = id, max_rows = 100, history = 1m, event_time = updated, watermark = 0s);
sink out to stdout;
sink per_region to stdout;
metric slow;
metric joined;
query enriched {
    from views
    | left join users on user
    | tally joined when tier > 0
    | where page != "/health"
    | select user, upper(page) as page, coalesce(region, "none") as region, tier * 10 + ms as score, ts
    | tally slow when score > 500
    | key by region
    | into out
}
query regions {
    from views
    | join users on user
    | group by region window tumbling(10s)
    | aggregate count() as views, sum(ms) as total_ms
    | emit final
    | into per_region
}
)";

// The same, with `users` a stream joined within a window: a left join, and a full join (whose
// unmatched rows, older than the watermark that releases them, the aggregate must still count).
const char* kWindowApplication = R"(source views from kafka "views" as json {
    user: string, page: string, ms: int, ts: timestamp,
} with (partitions = 1, event_time = ts, watermark = 0s);
source users from kafka "users" as json {
    id: string, region: string?, tier: int, updated: timestamp,
} with (partitions = 1, event_time = updated, watermark = 0s);
sink out to stdout;
sink per_region to stdout;
metric slow;
metric joined;
query enriched {
    from views
    | left join users within 5s before and 10s after on user = id
    | tally joined when tier > 0
    | where page != "/health"
    | select user, upper(page) as page, coalesce(region, "none") as region, tier * 10 + ms as score, ts
    | tally slow when score > 500
    | key by region
    | into out
}
query regions {
    from views
    | full join users within 3s on user = id
    | group by region window tumbling(10s)
    | aggregate count() as views, sum(ms) as total_ms
    | emit final
    | into per_region
}
)";

struct Exit final : StageChain::Exit {
  std::vector<std::string> records;
  std::map<size_t, int64_t> tallies;
  std::vector<std::string> failures;
  //! At every commit, every store's entries: the task's first, then each shared stage's.
  std::vector<std::vector<std::pair<std::string, std::string>>> snapshots;
  void emit(int32_t query, const char* key, int64_t key_len, const char* value, int64_t value_len, int64_t) override {
    records.push_back(std::to_string(query) + " " + (key ? std::string(key, static_cast<size_t>(key_len)) : "-") +
                      " " + std::string(value, static_cast<size_t>(value_len)));
  }
  void tally(size_t metric, int64_t count) override { tallies[metric] += count; }
  void fail(const std::string& why) override { failures.push_back(why); }
};

flow_value str(const std::string& s) { return {reinterpret_cast<int64_t>(s.data()), static_cast<int64_t>(s.size()), 0}; }
flow_value num(int64_t n) { return {n, 0, 0}; }
constexpr flow_value kNull{0, 0, 1};

//! One step of the run: a record of a side, or a watermark.
struct Step {
  int kind = 0;  // 0: view, 1: user row, 2: watermark
  std::string user, page, region;
  bool region_null = false;
  int64_t ms = 0, tier = 0, time = 0;
};

std::vector<Step> random_steps(uint64_t seed) {
  std::mt19937_64 random(seed);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  const char* users[] = {"ann", "bob", "cid", "Zoë"};
  const char* pages[] = {"/", "/health", "/cart", "/日本"};
  const char* regions[] = {"eu", "us", "asia"};
  std::vector<Step> steps;
  int64_t view_time = 1'000'000, row_time = 1'000'000;
  for (int i = 0; i < 200; ++i) {
    Step s;
    s.kind = pick(10) < 6 ? 0 : pick(10) < 8 ? 1 : 2;
    s.user = users[pick(4)];
    if (s.kind == 0) {
      view_time += pick(3000);
      s.time = view_time - (pick(6) == 0 ? pick(90'000) : 0);  // some late, some beyond history
      s.page = pages[pick(4)];
      s.ms = pick(600) - 50;
    } else if (s.kind == 1) {
      row_time += pick(4000);
      s.time = row_time;
      s.region = regions[pick(3)];
      s.region_null = pick(5) == 0;
      s.tier = pick(4);
    } else {
      s.time = std::min(view_time, row_time);
    }
    steps.push_back(s);
  }
  return steps;
}

Exit run(const plan::Plan& plan, const flow::abi::Program* program, const std::vector<Step>& steps) {
  physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  std::string directory = (std::filesystem::temp_directory_path() / "flow-join-chain-XXXXXX").string();
  REQUIRE(mkdtemp(directory.data()) != nullptr);
  Exit exit;
  {
    std::string error;
    auto store = StateStore::open(directory + "/task", error);
    REQUIRE(store);
    flow::runtime::SharedStates shared;
    auto clock = [] { return int64_t{0}; };
    REQUIRE(flow::runtime::open_shared_states(physical, directory, clock, program, {}, shared, error));
    std::vector<char> buffer(1 << 16);
    flow_arena arena;
    flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
    auto out_encoder = flow::runtime::make_encoder(plan.queries[0].operators.back()->output);
    auto region_encoder = flow::runtime::make_encoder(plan.queries[1].operators.back()->output);
    StageChain chain(physical, exit, &arena);
    chain.open({0, 1}, *store, shared, clock, program, {out_encoder.get(), region_encoder.get()});
    auto commit = [&] {
      REQUIRE(store->commit({}).empty());
      REQUIRE(chain.commit_shared().empty());
      exit.snapshots.push_back(store->scan("", std::nullopt));
      for (auto& stages : shared)
        for (auto& state : stages)
          if (state) exit.snapshots.push_back(state->store->scan("", std::nullopt));
    };
    size_t step = 0;
    for (const Step& s : steps) {
      if (++step % 25 == 0) commit();
      if (s.kind == 2) {
        for (size_t q = 0; q < 2; ++q) chain.advance_event_time(q, s.time);
        continue;
      }
      for (int32_t q = 0; q < 2; ++q) {
        if (s.kind == 0) {
          flow_value fields[4] = {str(s.user), str(s.page), num(s.ms), num(s.time)};
          flow_value key = str(s.user);
          chain.to_state(q, 0, &key, fields, 4, s.time);
        } else {
          flow_value fields[4] = {str(s.user), s.region_null ? kNull : str(s.region), num(s.tier), num(s.time)};
          chain.to_state(q, 1, &fields[0], fields, 4, s.time);
        }
      }
      chain.deliver();
    }
    for (size_t q = 0; q < 2; ++q) chain.advance_event_time(q, INT64_MAX);
    chain.deliver();
    commit();
  }
  std::filesystem::remove_all(directory);
  return exit;
}

}  // namespace

static void check_chains(const char* application) {
  auto [plan, program] = testing::compiled_plan(application);
  physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  REQUIRE(physical.queries[0].stages.size() == 1);
  REQUIRE(physical.queries[1].stages.size() == 2);
  REQUIRE(static_cast<bool>(program->stage_function(0, 0)));  // the operators after the join are generated
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    std::vector<Step> steps = random_steps(seed);
    Exit compiled = run(plan, program.get(), steps);
    Exit evaluated = run(plan, nullptr, steps);
    CHECK(compiled.failures.empty());
    CHECK(evaluated.failures.empty());
    CHECK_MESSAGE(compiled.records == evaluated.records, "seed " << seed);
    CHECK_MESSAGE(compiled.tallies == evaluated.tallies, "seed " << seed);
    CHECK(!compiled.records.empty());
    // The join's and the aggregate's stores hold the same bytes at every commit, and hold something.
    REQUIRE(compiled.snapshots.size() == evaluated.snapshots.size());
    size_t entries = 0;
    for (size_t i = 0; i < compiled.snapshots.size(); ++i) {
      CHECK_MESSAGE(compiled.snapshots[i] == evaluated.snapshots[i], "seed " << seed << ", snapshot " << i);
      entries += compiled.snapshots[i].size();
    }
    CHECK(entries > 0);
  }
}

TEST_CASE("join chains: generated operators after a join, and an aggregate after it, equal the evaluator's") {
  check_chains(kApplication);
}

TEST_CASE("join chains: the same after a windowed stream join, left and full") { check_chains(kWindowApplication); }
