// Differential test of `process` keyed state: random streams (random keys, gaps around the
// timeout, out-of-order event times, watermark steps, `clear state`) through the runtime's
// KeyedStateOperator — LevelDB store, write-back cache, expiry index that may trail a key's
// deadline, commits and restarts from the last commit at random points — and through a plain
// in-memory model of the same semantics that runs the reference evaluator's handlers. Every
// key's outputs, in order, and its final state must be identical. Fixed seeds: reproducible.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>

#include "runtime/eval/process_handler.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "runtime/state/keyed_state.hpp"
#include "tests/unit/support/checked_plan.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;
using flow::runtime::KeyedStateOperator;
using flow::runtime::StateOutput;
using flow::runtime::StateStore;
using flow::runtime::StateTallies;

namespace {

constexpr int64_t kMinute = 60'000;

std::string application(bool processing_time) {
  return std::string(R"(
source clicks from kafka "clicks" as json { user: string, url: string, bytes: int, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 1m);
sink out to stdout;
query visits {
    from clicks
    | key by user
    | process state { clicks: int = 0, bytes: int = 0, first: timestamp, last_url: string? } timeout 30m)") +
         (processing_time ? " in processing time" : "") + R"( {
        on event {
            if state.clicks == 0 {
                state.first = ts
            }
            state.clicks += 1
            state.bytes += bytes
            state.last_url = url
            if url == "/logout" {
                emit { user: key, clicks: state.clicks, bytes: state.bytes, why: "logout" }
                clear state
            }
            if state.clicks % 5 == 0 {
                emit { user: key, clicks: state.clicks, bytes: state.bytes, why: "every fifth" }
            }
        }
        on timeout {
            emit { user: key, clicks: state.clicks, bytes: state.bytes, why: "timeout" }
        }
    }
    | into out
}
)";
}

//! The semantics KeyedStateOperator implements, kept in memory: a key's deadline is its latest
//! event time (or the wall clock at its latest record) plus the timeout; it times out when the
//! watermark (the clock) reaches the deadline, or — in event time — when its next record is at
//! or past the deadline, before that record is handled.
struct Model {
  struct Key {
    eval::ProcessState state;
    int64_t last_event = 0;
    int64_t deadline = 0;
  };
  const physical::Process& process;
  bool processing_time;
  std::map<std::string, Key> keys;
  std::map<std::string, std::vector<std::string>> outputs;  // per key, in order

  void emit(const std::string& user, const eval::HandlerResult& result) {
    for (const auto& record : result.emitted) outputs[user].push_back(Value::list(record).to_json());
  }
  void time_out(const std::string& user) {
    Key& key = keys.at(user);
    emit(user, eval::run_handler(process, *eval::find_handler(process, "timeout"), key.state, Value::string(user), nullptr));
    keys.erase(user);
  }
  void record(const std::string& user, const std::vector<Value>& fields, int64_t ts, int64_t now) {
    auto found = keys.find(user);
    if (found != keys.end() && !processing_time && ts >= found->second.deadline) {
      time_out(user);
      found = keys.end();
    }
    Key key = found != keys.end() ? found->second : Key{eval::ProcessState::initial(process), ts, 0};
    auto result = eval::run_handler(process, *eval::find_handler(process, "event"), key.state, Value::string(user), &fields);
    emit(user, result);
    if (result.cleared) {
      keys.erase(user);
      return;
    }
    key.last_event = std::max(key.last_event, ts);
    key.deadline = (processing_time ? now : key.last_event) + 30 * kMinute;
    keys[user] = key;
  }
  void advance(int64_t up_to) {
    std::vector<std::string> due;
    for (const auto& [user, key] : keys)
      if (key.deadline <= up_to) due.push_back(user);
    for (const auto& user : due) time_out(user);
  }
};

void run_stream(bool processing_time, uint64_t seed, int records) {
  physical::PhysicalPlan plan = testing::checked_physical_plan(application(processing_time));
  const physical::Query& query = plan.queries.at(0);
  const physical::Process* process = nullptr;
  for (const auto& op : query.operators)
    if (auto* p = std::get_if<physical::Process>(&op.body)) process = p;
  REQUIRE(process != nullptr);

  std::string directory = (std::filesystem::temp_directory_path() / "flow-state-diff-XXXXXX").string();
  REQUIRE(mkdtemp(directory.data()) != nullptr);
  int64_t now = 0;
  std::string error;
  auto store = StateStore::open(directory, error);
  REQUIRE(store != nullptr);
  auto state = std::make_unique<KeyedStateOperator>(plan, 0, *store, [&now] { return now; });
  StateTallies tallies;
  std::map<std::string, std::vector<std::string>> outputs;
  auto collect = [&](std::vector<StateOutput>& out) {
    for (auto& output : out) outputs[output.key->text].push_back(Value::list(output.record).to_json());
    out.clear();
  };
  Model model{*process, processing_time, {}, {}};

  std::mt19937_64 random(seed);
  auto pick = [&](int64_t n) { return static_cast<int64_t>(random() % static_cast<uint64_t>(n)); };
  const char* urls[] = {"/home", "/cart", "/help", "/logout"};
  int64_t event_time = 1'700'000'000'000, watermark = INT64_MIN;
  std::vector<StateOutput> out;
  for (int i = 0; i < records; ++i) {
    // Gaps around the timeout: keys go quiet, come back just before or after their deadline.
    event_time += pick(4 * kMinute);
    now += pick(4 * kMinute);
    int64_t ts = event_time - pick(kMinute);  // out of order, within the declared lateness
    std::string user = "u" + std::to_string(pick(12));
    std::vector<Value> fields = {Value::string(user), Value::string(urls[pick(20) == 0 ? 3 : pick(3)]),
                                 Value::integer(pick(1000)), Value::timestamp(ts)};
    state->on_record("clicks", Value::string(user), fields, ts, out, tallies);
    collect(out);
    model.record(user, fields, ts, now);
    if (pick(7) == 0) {  // a trigger ends: time moves, then a checkpoint
      if (processing_time) {
        state->advance_processing_time(now, out, tallies);
        model.advance(now);
      } else {
        watermark = std::max(watermark, event_time - kMinute);
        state->advance_watermark(watermark, out, tallies);
        model.advance(watermark);
      }
      collect(out);
      REQUIRE(store->commit({{"clicks/0", i}}).empty());
      if (pick(4) == 0) {  // a restart from that commit
        state.reset();
        store.reset();
        store = StateStore::open(directory, error);
        REQUIRE(store != nullptr);
        state = std::make_unique<KeyedStateOperator>(plan, 0, *store, [&now] { return now; });
      }
    }
  }
  CHECK(state->live_keys() == model.keys.size());
  // The end of input: every key times out.
  if (processing_time)
    state->advance_processing_time(INT64_MAX, out, tallies);
  else
    state->advance_watermark(INT64_MAX, out, tallies);
  collect(out);
  model.advance(INT64_MAX);
  CHECK(state->live_keys() == 0);
  CHECK(outputs.size() == model.outputs.size());
  for (const auto& [user, expected] : model.outputs) {
    INFO("key " << user << ", seed " << seed);
    CHECK(outputs[user] == expected);
  }
  state.reset();
  store.reset();
  std::filesystem::remove_all(directory);
}

}  // namespace

TEST_CASE("process state with an event-time timeout equals the in-memory model on random streams") {
  for (uint64_t seed = 1; seed <= 6; ++seed) run_stream(false, seed, 1500);
}

TEST_CASE("process state with a processing-time timeout equals the in-memory model on random streams") {
  for (uint64_t seed = 11; seed <= 16; ++seed) run_stream(true, seed, 1500);
}
