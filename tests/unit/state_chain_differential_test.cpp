// Differential tests of chains of stateful operators (an `emit final` aggregate, then another
// aggregate or a `process`, up to three stages; or two `top`s): the runtime's StageChain — the first stage handed
// the group and arguments generated code computed, a `process` stage running its handlers as
// native code — against a reference written here, in which every stage runs in the evaluator and
// the rows of one stage are handed to the next (through the stateless operators between them)
// before the next one's watermark moves. Random applications and records (nulls, -0.0, NaN,
// Unicode, late records), random watermark and clock steps, commits and restarts. After every
// step both must have written the same records (JSON and message key, in the same order) and the
// same tallies; at every commit every store of one side must hold the same bytes as the other's.
// Fixed seeds: a failure reproduces.
#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/codec/message_key.hpp"
#include "runtime/host/recording_host.hpp"
#include "runtime/tasks/stage_chain.hpp"
#include "tests/unit/support/compiled_plan.hpp"
#include "tests/unit/support/expression_generator.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;
using flow::runtime::KeyedStateOperator;
using flow::runtime::StageChain;
using flow::runtime::StageSpec;
using flow::runtime::StateOutput;
using flow::runtime::StateStore;
using flow::runtime::StateTallies;

namespace {

constexpr int64_t kBaseTime = 1'700'000'000'000;

const char* kChainSource = R"(source src from kafka "src" as json {
    user: string, item: int, price: int?, score: float?, tag: string?, ts: timestamp,
} with (partitions = 1, event_time = ts, watermark = 1m);
sink out to stdout;
metric big;
)";

//! A record of kChainSource: event times move on by about 7 s a record, some up to 90 s late.
std::string chain_record(std::mt19937_64& random, int index) {
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  auto maybe = [&](const std::string& value) { return pick(6) == 0 ? std::string("null") : value; };
  const char* users[] = {"\"ann\"", "\"bob\"", "\"cid\"", "\"dan\"", "\"Zoë\"", "\"日本\""};
  const char* prices[] = {"0", "1", "-1", "42", "-7", "9223372036854775807", "1000", "3", "15"};
  const char* scores[] = {"0.0", "-0.0", "1.5", "-2.5", "1e300", "3.14159", "2.675", "7"};
  const char* tags[] = {"\"\"", "\"a\"", "\"a,b,c\"", "\"Héllo Wörld\"", "\"x\\\"y\"", "\"ABC\""};
  int64_t ts = kBaseTime + index * 7'000 - (pick(8) == 0 ? pick(90'000) : 0);
  return std::string("{\"user\":") + users[pick(6)] + ",\"item\":" + std::to_string(pick(10)) +
         ",\"price\":" + maybe(prices[pick(9)]) + ",\"score\":" + maybe(scores[pick(8)]) + ",\"tag\":" +
         maybe(tags[pick(6)]) + ",\"ts\":" + std::to_string(ts) + "}";
}

//! Leaves of random expressions over the fields of a row, by type name.
using Leaves = flow::testing::ExpressionGenerator::Leaves;

//! Random stateless operators on the rows a stage emits: `where`, `tally` (with and without a
//! condition), a `select` that keeps the fields the stages after read (`keep`: its line, empty for
//! none) and, with `key_by`, a `key by`. They run as generated code (a flow_stage_fn) in the runtime
//! and in the evaluator on the reference side.
std::string stateless_operators(uint64_t seed, const Leaves& leaves, const std::string& keep, bool key_by) {
  std::mt19937_64 random(seed);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  flow::testing::ExpressionGenerator e(seed, leaves);
  std::string text;
  int count = pick(4);
  for (int i = 0; i < count; ++i) {
    switch (pick(key_by ? 5 : 4)) {
      case 0: text += "    | where " + e.of("bool", 2) + "\n"; break;
      case 1: text += "    | tally big when " + e.of("bool", 2) + "\n"; break;
      case 2: text += "    | tally big\n"; break;
      case 3:
        if (!keep.empty()) text += keep;
        break;
      default: text += "    | key by " + e.of("string", 2) + "\n"; break;
    }
  }
  return text;
}

//! A random chain application: seed % 3 picks aggregate → aggregate, aggregate → process, or
//! aggregate → aggregate → aggregate, with random stateless operators between the stages and after
//! the last.
std::string chain_application(uint64_t seed) {
  std::mt19937_64 random(seed);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  flow::testing::ExpressionGenerator e(seed, {{"int", {"item", "coalesce(price, 0)", "1", "7"}},
                                             {"float", {"coalesce(score, 0.5)", "2.5", "score"}},
                                             {"string", {"user", "coalesce(tag, \"\")", "\"a\""}},
                                             {"bool", {"true", "(item > 3)", "(tag == \"a\")"}},
                                             {"timestamp", {"ts"}},
                                             {"duration", {"30s"}}});
  const char* windows[] = {"tumbling(1m)", "hopping(2m, 1m)", "session(30s)"};
  std::string text = kChainSource;
  text += "query q {\n    from src\n";
  if (pick(2)) text += "    | where " + e.of("bool", 2) + "\n";
  text += "    | group by " + std::string(pick(2) ? "user" : "item") + " window " + windows[pick(3)] + "\n";
  text += "    | aggregate count() as n, sum(" + e.of("int", 2) + ") as total, max(" + e.of("float", 2) +
          ") as top, min(" + e.of("string", 2) + ") as least\n    | emit final\n";
  if (pick(2)) text += "    | tally big when n > 2\n";
  if (pick(2)) text += "    | where n > " + std::to_string(pick(3)) + "\n";
  // The first aggregate's rows: what the stages after it read, kept by a random `select`.
  Leaves first_row = {{"int", {"n", "coalesce(total, 0)", "3"}},
                      {"float", {"coalesce(top, 0.5)", "1.5"}},
                      {"string", {"coalesce(least, \"\")", "\"a\""}},
                      {"bool", {"(n > 1)", "(least == \"a\")", "true"}},
                      {"timestamp", {"window_end"}},
                      {"duration", {"30s"}}};
  flow::testing::ExpressionGenerator kept(seed + 1, first_row);
  std::string keep = "    | select key as gk, window_end, n, " + kept.of("int", 2) + " as total, " +
                     kept.of("float", 2) + " as top, " + kept.of("string", 2) + " as least\n";
  text += stateless_operators(seed + 2, first_row, keep, false);
  int shape = static_cast<int>(seed % 3);
  Leaves second_row = {{"int", {"groups", "coalesce(records, 0)", "coalesce(biggest, 1)", "2"}},
                       {"float", {"coalesce(mean_top, 0.5)", "1.5"}},
                       {"string", {"coalesce(most, \"\")", "\"a\""}},
                       {"bool", {"(groups > 1)", "true"}},
                       {"timestamp", {"window_end"}},
                       {"duration", {"30s"}}};
  Leaves last_row;
  auto second_aggregate = [&](const std::string& group, const std::string& emit) {
    text += "    | select window_end as we, n, total, top, least\n";
    text += "    | group by " + group + " window " + windows[pick(2)] + "\n";
    text += "    | aggregate count() as groups, sum(n) as records, max(total) as biggest, avg(top) as mean_top, "
            "max(least) as most\n    | emit " + emit + "\n";
  };
  if (shape == 0) {
    second_aggregate(pick(2) ? "we" : "least", pick(2) ? "final" : "changes");
    last_row = second_row;
  } else if (shape == 1) {
    text += "    | key by " + std::string(pick(2) ? "window_end" : "least") + "\n";
    text += R"(    | process state {
        rows: int = 0,
        best: int = 0,
        last: timestamp,
        seen: list<string>(max 3),
    } timeout 2m {
        on event {
            state.rows += 1
            if n > state.best {
                state.best = n
            }
            state.last = window_end
            state.seen.append(coalesce(least, "-"))
            if total > 100 {
                emit { k: key, rows: state.rows, best: state.best, last: state.last, seen: state.seen }
            }
        }
        on timeout {
            emit { k: key, rows: state.rows, best: state.best, last: state.last, seen: state.seen }
        }
    }
)";
    last_row = {{"int", {"rows", "best", "2"}},     {"float", {"0.5", "1.5"}},
                {"string", {"\"a\"", "\"b,c\""}}, {"bool", {"(rows > 1)", "(best > 2)", "true"}},
                {"timestamp", {"last"}},           {"duration", {"30s"}}};
  } else {
    second_aggregate("we", "final");
    text += stateless_operators(seed + 3, second_row, "", false);
    text += "    | select window_end as we2, groups, records\n";
    text += "    | group by we2 window tumbling(5m)\n";
    text += "    | aggregate count() as windows, sum(records) as all_records, max(groups) as most_groups\n";
    text += "    | emit " + std::string(pick(2) ? "final" : "changes") + "\n";
    last_row = {{"int", {"windows", "coalesce(all_records, 0)", "coalesce(most_groups, 0)", "2"}},
                {"float", {"0.5", "1.5"}},
                {"string", {"\"a\"", "\"b,c\""}},
                {"bool", {"(windows > 1)", "true"}},
                {"timestamp", {"we2", "window_end"}},
                {"duration", {"30s"}}};
  }
  flow::testing::ExpressionGenerator last(seed + 4, last_row);
  text += stateless_operators(seed + 5, last_row, "", true);
  if (pick(2))
    text += "    | select key as kk, " + last.of("int", 2) + " as i, " + last.of("float", 2) + " as f, " +
            last.of("string", 2) + " as s, " + last.of("bool", 2) + " as b\n";
  text += "    | into out\n}\n";
  return text;
}

//! A random chain of two tops: per group (a field or none) and window the first 1 to 3 records in
//! a random order of random expressions (ascending or descending, nulls among them), then per five
//! minutes the three best of those rows. The first top is handed its ordering values and whole
//! records by generated code; ties among equal ordering values are broken by the records' fields.
std::string top_chain_application(uint64_t seed) {
  std::mt19937_64 random(seed);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  Leaves leaves = {{"int", {"item", "price", "coalesce(price, 0)", "7"}},
                   {"float", {"score", "coalesce(score, 0.5)", "2.5"}},
                   {"string", {"user", "tag", "\"a\""}},
                   {"bool", {"true", "(item > 3)", "(tag == \"a\")"}},
                   {"timestamp", {"ts"}},
                   {"duration", {"30s"}}};
  flow::testing::ExpressionGenerator e(seed, leaves);
  const char* windows[] = {"tumbling(1m)", "hopping(2m, 1m)", "session(30s)"};
  const char* groups[] = {"", "user ", "item "};
  auto direction = [&] { return pick(2) ? " desc" : ""; };
  std::string text = kChainSource;
  text += "query q {\n    from src\n";
  if (pick(2)) text += "    | where " + e.of("bool", 2) + "\n";
  // A session window needs a group field.
  int group = pick(3);
  text += "    | group by " + std::string(groups[group]) + "window " + windows[pick(group ? 3 : 2)] + "\n";
  text += "    | top " + std::to_string(1 + pick(3)) + " by " + e.of("int", 2) + direction() + ", " + e.of("float", 2) +
          direction() + (pick(2) ? ", " + e.of("string", 2) + direction() : std::string()) + "\n    | emit final\n";
  Leaves row = leaves;
  row["int"].push_back("rank");
  row["timestamp"].push_back("window_end");
  text += stateless_operators(seed + 2, row, "", false);
  text += "    | select window_end as we, rank as first_rank, user, item, price, score\n";
  text += "    | group by window tumbling(5m)\n";
  text += "    | top 3 by " + std::string(pick(2) ? "price" : "score") + direction() + ", first_rank\n";
  Leaves last = {{"int", {"item", "rank", "first_rank", "coalesce(price, 1)"}},
                 {"float", {"coalesce(score, 0.5)", "1.5"}},
                 {"string", {"user", "\"a\""}},
                 {"bool", {"(rank > 1)", "true"}},
                 {"timestamp", {"we", "window_end"}},
                 {"duration", {"30s"}}};
  text += stateless_operators(seed + 5, last, "", true);
  text += "    | into out\n}\n";
  return text;
}

//! What left a chain: a sink's record as written (key, JSON) and metric counts.
struct Written {
  std::vector<std::string> records;
  std::map<size_t, int64_t> tallies;
};

class RecordingExit final : public StageChain::Exit {
 public:
  explicit RecordingExit(Written& written) : written_(written) {}
  void emit(int32_t query, const char* key, int64_t key_len, const char* value, int64_t value_len,
            int64_t) override {
    written_.records.push_back(std::to_string(query) + " " + (key ? std::string(key, static_cast<size_t>(key_len)) : "-") +
                               " " + std::string(value, static_cast<size_t>(value_len)));
  }
  void tally(size_t metric, int64_t count) override { written_.tallies[metric] += count; }
  void fail(const std::string& why) override { FAIL("the chain failed: " << why); }

 private:
  Written& written_;
};

//! What both sides have: the plans, a scratch directory, the sink's encoder and its scratch
//! memory, what they wrote, and the clock they read.
class Side {
 public:
  Written written;
  int64_t now = kBaseTime;

 protected:
  Side(const plan::Plan& plan, const physical::PhysicalPlan& physical, const std::string& directory)
      : plan_(plan),
        physical_(physical),
        directory_(directory),
        arena_buffer_(1 << 20),
        encoder_(flow::runtime::make_encoder(plan.queries[0].operators.back()->output)) {}
  void reset_arena() { flow_arena_init(&arena_, arena_buffer_.data(), static_cast<int64_t>(arena_buffer_.size())); }

  const plan::Plan& plan_;
  const physical::PhysicalPlan& physical_;
  std::string directory_;
  std::vector<char> arena_buffer_;
  flow_arena arena_{};
  flow::runtime::EncoderPtr encoder_;
};

//! The runtime's side: a StageChain over a task store and the shared stages' stores.
class RuntimeSide : public Side {
 public:
  RuntimeSide(const plan::Plan& plan, const physical::PhysicalPlan& physical, const codegen::Program& program,
              const std::string& directory)
      : Side(plan, physical, directory), program_(program) {
    open();
  }
  void open() {
    std::string error;
    reset_arena();
    store_ = StateStore::open(directory_ + "/task", error);
    REQUIRE(store_);
    REQUIRE(flow::runtime::open_shared_states(physical_, directory_, [this] { return now; }, &program_, {}, shared_,
                                              error));
    chain_ = std::make_unique<StageChain>(physical_, exit_, &arena_);
    chain_->open({0}, *store_, shared_, [this] { return now; }, &program_, {encoder_.get()});
  }
  void close() {
    chain_.reset();
    shared_.clear();
    store_.reset();
  }
  //! Every store's entries, the task's first, then each shared stage's.
  std::vector<std::vector<std::pair<std::string, std::string>>> commit() {
    std::vector<std::vector<std::pair<std::string, std::string>>> stores;
    REQUIRE(store_->commit({}).empty());
    REQUIRE(chain_->commit_shared().empty());
    stores.push_back(store_->scan("", std::nullopt));
    for (auto& stages : shared_)
      for (auto& state : stages)
        if (state) stores.push_back(state->store->scan("", std::nullopt));
    return stores;
  }
  size_t compiled_process_handlers() const {
    size_t compiled = 0;
    for (auto& stages : shared_)
      for (auto& state : stages)
        if (state) compiled += state->op->compiled_handlers();
    return compiled;
  }

  StageChain& chain() { return *chain_; }

 private:
  const codegen::Program& program_;
  RecordingExit exit_{written};
  std::unique_ptr<StateStore> store_;
  flow::runtime::SharedStates shared_;
  std::unique_ptr<StageChain> chain_;
};

//! The reference: every stage in the evaluator, each over a store laid out as the runtime's
//! (Task stages in one store, each Shared stage in its own), the rows of a stage run through the
//! operators after it by eval::run_after_state and handed to the next stage at once.
class ReferenceSide : public Side {
 public:
  ReferenceSide(const plan::Plan& plan, const physical::PhysicalPlan& physical, const std::string& directory)
      : Side(plan, physical, directory) {
    open();
  }
  void open() {
    std::string error;
    reset_arena();
    task_store_ = StateStore::open(directory_ + "/task", error);
    REQUIRE(task_store_);
    for (const auto& stage : physical_.queries[0].stages) {
      StateStore* store = task_store_.get();
      if (stage.scope == physical::StateScope::Shared) {
        shared_stores_.push_back(StateStore::open(directory_ + "/query-" + stage.store, error));
        REQUIRE(shared_stores_.back());
        store = shared_stores_.back().get();
      }
      ops_.push_back(std::make_unique<KeyedStateOperator>(physical_, 0, *store, [this] { return now; },
                                                          std::vector<flow_handler_fn>{}, nullptr,
                                                          StageSpec{stage.operator_index, stage.store}));
    }
  }
  void close() {
    ops_.clear();
    shared_stores_.clear();
    task_store_.reset();
  }
  void record(const std::vector<flow_value>& fields, int64_t event_time) {
    std::vector<StateOutput> out;
    ops_[0]->on_abi_record("src", nullptr, fields.data(), static_cast<int64_t>(fields.size()), event_time, out, tallies_);
    hand_on(out, 0);
  }
  void advance(int64_t watermark, int64_t clock) {
    for (size_t i = 0; i < ops_.size(); ++i) {
      std::vector<StateOutput> out;
      ops_[i]->advance_watermark(watermark, out, tallies_);
      if (watermark == INT64_MAX) ops_[i]->advance_processing_time(INT64_MAX, out, tallies_);
      hand_on(out, i);
    }
    for (size_t i = 0; i < ops_.size(); ++i) {
      std::vector<StateOutput> out;
      ops_[i]->advance_processing_time(clock, out, tallies_);
      hand_on(out, i);
    }
  }
  std::vector<std::vector<std::pair<std::string, std::string>>> commit() {
    std::vector<std::vector<std::pair<std::string, std::string>>> stores;
    REQUIRE(task_store_->commit({}).empty());
    for (auto& store : shared_stores_) REQUIRE(store->commit({}).empty());
    stores.push_back(task_store_->scan("", std::nullopt));
    for (auto& store : shared_stores_) stores.push_back(store->scan("", std::nullopt));
    return stores;
  }

 private:
  //! Rows stage `stage` emitted: through the operators after it, into the next stage or out.
  void hand_on(std::vector<StateOutput>& out, size_t stage) {
    const auto& stages = physical_.queries[0].stages;
    for (auto& row : out) {
      auto result = eval::run_after_state(physical_.queries[0], stages[stage].operator_index + 1, std::move(row.record),
                                          std::move(row.key));
      for (const auto& [name, count] : result.tallies)
        for (size_t m = 0; m < plan_.metrics.size(); ++m)
          if (plan_.metrics[m].name == name) tallies_.add(m, count);
      if (!result.passed) continue;
      if (stage + 1 < stages.size()) {
        std::vector<StateOutput> next;
        ops_[stage + 1]->on_record("src", result.key ? *result.key : Value(), result.output, row.event_time_ms, next,
                                   tallies_);
        hand_on(next, stage + 1);
        continue;
      }
      flow_arena_reset(&arena_);
      flow_str json = flow::runtime::encode_values(encoder_.get(), result.output, &arena_);
      written.records.push_back("0 " + (result.key ? flow::runtime::message_key(*result.key) : std::string("-")) + " " +
                                std::string(json.data, static_cast<size_t>(json.len)));
    }
    for (size_t m = 0; m < tallies_.counts().size(); ++m)
      if (tallies_.count(m)) written.tallies[m] += tallies_.count(m);
    tallies_.clear();
  }

  std::unique_ptr<StateStore> task_store_;
  std::vector<std::unique_ptr<StateStore>> shared_stores_;
  std::vector<std::unique_ptr<KeyedStateOperator>> ops_;
  StateTallies tallies_;
};

struct ScratchDirectory {
  std::string path;
  ScratchDirectory() {
    path = (std::filesystem::temp_directory_path() / "flow-chain-diff-XXXXXX").string();
    REQUIRE(mkdtemp(path.data()) != nullptr);
  }
  ~ScratchDirectory() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("chains of stateful operators in the runtime equal the evaluator's, outputs and state bytes") {
  constexpr int kRounds = 18;
  constexpr int kTopRounds = 8;  //!< then chains of two tops
  constexpr int kRecords = 600;
  int64_t compared = 0, written = 0, shapes[3] = {0, 0, 0}, stage_functions = 0, top_rows = 0;
  for (uint64_t round = 0; round < kRounds + kTopRounds; ++round) {
    bool tops = round >= kRounds;
    std::string text = tops ? top_chain_application(7000 + round) : chain_application(7000 + round);
    INFO("round " << round << ", application:\n" << text);
    auto [plan, program] = testing::compiled_plan(text);
    physical::PhysicalPlan physical = physical::build_physical_plan(plan);
    REQUIRE(physical.queries[0].stages.size() >= 2);
    if (!tops) shapes[physical.queries[0].stages.size() == 3 ? 2 : plan.queries[0].process_index() ? 1 : 0]++;
    // The operators after each stage are generated code (a stage function), not the evaluator.
    for (size_t s = 0; s < physical.queries[0].stages.size(); ++s) {
      const physical::StatefulStage& stage = physical.queries[0].stages[s];
      bool after = stage.next_operator > stage.operator_index + 1;
      INFO("stage " << s << ": " << program->evaluated_handlers());
      REQUIRE((program->stage_function(0, s) != nullptr) == after);
      stage_functions += after ? 1 : 0;
    }

    // What generated code hands the first stage: the group's values and the arguments.
    const plan::SourcePlan& source = plan.sources.front();
    std::vector<bool> all(source.schema.size(), true);
    flow::runtime::DecoderPtr decoder = flow::runtime::make_decoder(source.schema, all, 1 << 20);
    std::mt19937_64 random(9000 + round);
    std::vector<std::string> records;
    std::vector<flow_record> batch;
    for (int r = 0; r < kRecords; ++r) records.push_back(chain_record(random, r));
    for (int r = 0; r < kRecords; ++r)
      batch.push_back({records[r].data(), static_cast<int64_t>(records[r].size()), nullptr, 0, r, kBaseTime});
    flow::runtime::RecordingHost host;
    program->batch_function("src")(host.task(), decoder.get(), nullptr, batch.data(), static_cast<int64_t>(batch.size()));
    REQUIRE(host.dead_letters.empty());

    ScratchDirectory runtime_dir, reference_dir;
    RuntimeSide runtime(plan, physical, *program, runtime_dir.path);
    ReferenceSide reference(plan, physical, reference_dir.path);
    if (plan.queries[0].process_index()) {  // the `process` after the aggregate runs as native code
      const auto& process = static_cast<const plan::LogicalProcess&>(*plan.queries[0].operators[plan.queries[0].process_index()]);
      REQUIRE(runtime.compiled_process_handlers() == process.handlers.size());
    }
    auto compare = [&](const std::string& step) {
      INFO(step);
      const auto& a = runtime.written.records;
      const auto& b = reference.written.records;
      size_t first = 0;
      while (first < a.size() && first < b.size() && a[first] == b[first]) ++first;
      INFO("first difference, record " << first << ": runtime " << (first < a.size() ? a[first] : "(none)")
                                       << ", reference " << (first < b.size() ? b[first] : "(none)"));
      REQUIRE(runtime.written.records == reference.written.records);
      REQUIRE(runtime.written.tallies == reference.written.tallies);
      ++compared;
    };
    auto commit = [&] {
      auto a = runtime.commit();
      auto b = reference.commit();
      REQUIRE(a.size() == b.size());
      for (size_t s = 0; s < a.size(); ++s) {
        INFO("store " << s);
        REQUIRE(a[s] == b[s]);
      }
    };

    // The records the filter passed, in order: generated code's values, the reference's fields.
    flow::runtime::DecoderPtr reference_decoder = flow::runtime::make_decoder(source.schema, all, 1 << 20);
    std::vector<char> arena_buffer(1 << 16);
    size_t handed = 0;
    int64_t watermark = INT64_MIN;
    for (int r = 0; r < kRecords; ++r) {
      flow_arena arena;
      flow_arena_init(&arena, arena_buffer.data(), static_cast<int64_t>(arena_buffer.size()));
      std::vector<flow_value> fields(source.schema.size());
      flow_str detail{};
      REQUIRE(flow_json_decode(reference_decoder.get(), records[r].data(), static_cast<int64_t>(records[r].size()),
                               fields.data(), &arena, &detail) == FLOW_DECODE_OK);
      // A record the `where` dropped reaches neither side (the evaluator decides; the
      // expression differential tests hold generated code to it).
      std::vector<Value> values;
      for (size_t f = 0; f < fields.size(); ++f) values.push_back(Value::from_abi(fields[f], source.schema[f].type));
      if (!eval::run_stateless(physical.queries[0], values).passed) continue;
      REQUIRE(handed < host.handed_to_aggregate.size());
      REQUIRE(host.handed_to_aggregate[handed].event_time_ms == fields[source.schema.size() - 1].bits);
      const auto& input = host.handed_to_aggregate[handed++];
      std::vector<flow_value> computed;
      for (const auto& value : input.fields) {
        flow_value v = value.raw;
        if (v.len > 0) v.bits = reinterpret_cast<int64_t>(value.text.data());  // a string, copied by the host
        computed.push_back(v);
      }
      runtime.chain().to_aggregate(0, computed.data(), input.event_time_ms);
      runtime.chain().deliver();
      reference.record(fields, input.event_time_ms);
      compare("record " + records[r]);
      if (random() % 8 == 0) {
        watermark = std::max(watermark, input.event_time_ms - 60'000 + static_cast<int64_t>(random() % 30'000));
        runtime.now = reference.now = runtime.now + static_cast<int64_t>(random() % 40'000);
        runtime.chain().advance_event_time(0, watermark);
        runtime.chain().advance_processing_time(runtime.now);
        reference.advance(watermark, reference.now);
        compare("watermark " + std::to_string(watermark));
      }
      if (random() % 40 == 0) commit();
      if (random() % 150 == 0) {
        commit();
        runtime.close();
        reference.close();
        runtime.open();
        reference.open();
      }
    }
    REQUIRE(handed == host.handed_to_aggregate.size());
    runtime.chain().advance_event_time(0, INT64_MAX);
    runtime.chain().advance_processing_time(INT64_MAX);
    reference.advance(INT64_MAX, INT64_MAX);
    compare("the end of input");
    commit();
    written += static_cast<int64_t>(runtime.written.records.size());
    if (tops) top_rows += static_cast<int64_t>(runtime.written.records.size());
  }
  CHECK(top_rows >= 50);
  CHECK(shapes[0] > 0);
  CHECK(shapes[1] > 0);
  CHECK(shapes[2] > 0);
  CHECK(compared >= 5'000);
  CHECK(written >= 200);  // the chains write something: a test of nothing would pass too
  CHECK(stage_functions >= kRounds);  // every chain runs operators after a stage as generated code
}
