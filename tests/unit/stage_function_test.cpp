// The operators after keyed state run as generated code: the program hands out a stage function
// (flow_stage_fn) for a stage with operators after it, the function runs them on one row, and
// StageChain::deliver calls the program's function (a stand-in that drops every row proves it)
// rather than the evaluator. tests/unit/state_chain_differential_test.cpp holds the generated
// functions to the evaluator on random chains.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>

#include "compiler/codegen/shared_object_program.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"
#include "runtime/tasks/stage_chain.hpp"
#include "tests/unit/support/compiled_plan.hpp"

using namespace flow::compiler;
using flow::runtime::StageChain;
using flow::runtime::StateStore;

namespace {

const char* kApplication = R"(source src from kafka "src" as json {
    user: string, ts: timestamp,
} with (partitions = 1, event_time = ts, watermark = 1m);
sink out to stdout;
metric big;
metric all_rows;
query q {
    from src
    | group by user window tumbling(1m)
    | aggregate count() as n
    | emit final
    | tally all_rows
    | where n > 1
    | select upper(user) as who, n * 10 as tens
    | tally big when tens > 20
    | key by who
    | into out
}
)";

//! What left the chain.
struct Exit final : StageChain::Exit {
  std::vector<std::string> records;
  std::map<size_t, int64_t> tallies;
  void emit(int32_t, const char* key, int64_t key_len, const char* value, int64_t value_len, int64_t) override {
    records.push_back((key ? std::string(key, static_cast<size_t>(key_len)) : "-") + " " +
                      std::string(value, static_cast<size_t>(value_len)));
  }
  void tally(size_t metric, int64_t count) override { tallies[metric] += count; }
  void fail(const std::string& why) override { failures.push_back(why); }
  std::vector<std::string> failures;
};

//! The JIT's program, but every stage function is one that counts its calls and drops the row.
class DroppingProgram final : public flow::abi::Program {
 public:
  explicit DroppingProgram(const Program& inner) : inner_(inner) {}
  flow_batch_fn batch_function(const std::string& source) const override { return inner_.batch_function(source); }
  flow_handler_fn handler_function(size_t query, size_t handler) const override {
    return inner_.handler_function(query, handler);
  }
  flow_stage_fn stage_function(size_t, size_t) const override { return &drop; }
  static inline int calls = 0;

 private:
  static int32_t drop(int64_t* tallies, const flow_value*, const flow_value*, flow_value*, flow_value*, flow_arena*) {
    ++calls;
    tallies[1] += 100;  // `all_rows`, as no generated code would count it
    return FLOW_STAGE_DROPPED;
  }
  const Program& inner_;
};

//! What generated code hands an aggregate `group by user` of `count()`: the group's value, then
//! count()'s (null) argument. Three records of `ann`, two of `bob`, one of `cid`, in one window.
std::vector<std::vector<flow_value>> users_input() {
  static const char* users[] = {"ann", "bob", "ann", "cid", "bob", "ann"};
  std::vector<std::vector<flow_value>> input;
  for (const char* user : users)
    input.push_back({{reinterpret_cast<int64_t>(user), static_cast<int64_t>(std::strlen(user)), 0}, {0, 0, 1}});
  return input;
}

//! Runs the application's chain over `input` (what generated code hands its aggregate, one record
//! a millisecond), through `program`; what left it.
Exit run_chain(const plan::Plan& plan, const flow::abi::Program& program,
               const std::vector<std::vector<flow_value>>& input = users_input(), size_t arena_bytes = 1 << 16) {
  physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  std::string directory = (std::filesystem::temp_directory_path() / "flow-stage-fn-XXXXXX").string();
  REQUIRE(mkdtemp(directory.data()) != nullptr);
  Exit exit;
  {
    std::string error;
    auto store = StateStore::open(directory + "/task", error);
    REQUIRE(store);
    flow::runtime::SharedStates shared;
    auto clock = [] { return int64_t{0}; };
    REQUIRE(flow::runtime::open_shared_states(physical, directory, clock, &program, {}, shared, error));
    std::vector<char> buffer(arena_bytes);
    flow_arena arena;
    flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
    auto encoder = flow::runtime::make_encoder(plan.queries[0].operators.back()->output);
    StageChain chain(physical, exit, &arena);
    chain.open({0}, *store, shared, clock, &program, {encoder.get()});
    for (size_t i = 0; i < input.size(); ++i) chain.to_aggregate(0, input[i].data(), 1'000 + static_cast<int64_t>(i));
    chain.advance_event_time(0, INT64_MAX);
    chain.deliver();
  }
  std::filesystem::remove_all(directory);
  return exit;
}

}  // namespace

TEST_CASE("stage functions: the program hands out generated code for the operators after keyed state") {
  auto [plan, program] = testing::compiled_plan(kApplication);
  physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  REQUIRE(physical.queries[0].stages.size() == 1);
  CHECK(program->evaluated_handlers().empty());
  flow_stage_fn after = program->stage_function(0, 0);
  REQUIRE(static_cast<bool>(after));

  // One row of the aggregate's output (user, window_start, window_end, n), run by hand.
  const plan::Schema& row = plan.queries[0].operators[physical.queries[0].stages[0].operator_index]->output;
  REQUIRE(row.size() == 4);
  std::string ann = "ann";
  flow_value fields[4] = {{reinterpret_cast<int64_t>(ann.data()), 3, 0}, {0, 0, 0}, {60'000, 0, 0}, {3, 0, 0}};
  flow_value key{reinterpret_cast<int64_t>(ann.data()), 3, 0};
  flow_value out[2] = {}, out_key{};
  int64_t tallies[2] = {0, 0};
  std::vector<char> buffer(1 << 12);
  flow_arena arena;
  flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
  REQUIRE(after(tallies, fields, &key, out, &out_key, &arena) == (FLOW_STAGE_PASSED | FLOW_STAGE_KEYED));
  CHECK(std::string(reinterpret_cast<const char*>(out[0].bits), static_cast<size_t>(out[0].len)) == "ANN");
  CHECK(out[1].bits == 30);
  CHECK(std::string(reinterpret_cast<const char*>(out_key.bits), static_cast<size_t>(out_key.len)) == "ANN");
  CHECK(tallies[0] == 1);  // big: 30 > 20
  CHECK(tallies[1] == 1);  // all_rows

  fields[3].bits = 1;  // `where n > 1` drops it, after `tally all_rows` counted it
  CHECK(after(tallies, fields, &key, out, &out_key, &arena) == FLOW_STAGE_DROPPED);
  CHECK(tallies[0] == 1);
  CHECK(tallies[1] == 2);
}

TEST_CASE("stage functions: StageChain runs the program's stage function, not the evaluator") {
  auto [plan, program] = testing::compiled_plan(kApplication);
  Exit compiled = run_chain(plan, *program);
  CHECK(compiled.failures.empty());
  CHECK(compiled.records ==
        std::vector<std::string>{"ANN {\"who\":\"ANN\",\"tens\":30}", "BOB {\"who\":\"BOB\",\"tens\":20}"});
  CHECK(compiled.tallies == std::map<size_t, int64_t>{{0, 1}, {1, 3}});

  // A stand-in that drops every row: nothing is written and only its own counts arrive, so the
  // rows went through the program's function.
  DroppingProgram dropping(*program);
  DroppingProgram::calls = 0;
  Exit dropped = run_chain(plan, dropping);
  CHECK(DroppingProgram::calls == 3);
  CHECK(dropped.records.empty());
  CHECK(dropped.tallies == std::map<size_t, int64_t>{{1, 300}});
}

TEST_CASE("stage functions: a `flowc build` shared object holds them, and the chain runs them from it") {
  auto [plan, program] = testing::compiled_plan(kApplication);
  std::string directory = (std::filesystem::temp_directory_path() / "flow-stage-so-XXXXXX").string();
  REQUIRE(mkdtemp(directory.data()) != nullptr);
  std::string path = directory + "/app.so", error, evaluated;
  REQUIRE_MESSAGE(codegen::build_shared_object(plan, path, error, &evaluated), error);
  CHECK(evaluated.empty());
  auto built = codegen::SharedObjectProgram::load(path, error);
  REQUIRE_MESSAGE(built, error);
  REQUIRE_MESSAGE(built->bind(plan, flow::runtime::RecordingHost::symbols(), error), error);
  CHECK(static_cast<bool>(built->stage_function(0, 0)));
  CHECK_FALSE(static_cast<bool>(built->stage_function(0, 1)));  // no such stage
  Exit from_object = run_chain(plan, *built);
  CHECK(from_object.records == run_chain(plan, *program).records);
  CHECK(from_object.tallies == std::map<size_t, int64_t>{{0, 1}, {1, 3}});
  built.reset();
  std::filesystem::remove_all(directory);
}

TEST_CASE("stage functions: operators the code generator leaves out run in the evaluator, with a note") {
  // `key` after a `group by` of two fields is a record, which generated code is never handed.
  auto [plan, program] = testing::compiled_plan(R"(source src from kafka "src" as json {
    user: string, item: int, ts: timestamp,
} with (partitions = 1, event_time = ts, watermark = 1m);
sink out to stdout;
metric big;
query q {
    from src
    | group by user, item window tumbling(1m)
    | aggregate count() as n
    | emit final
    | where key.user != "bob"
    | tally big
    | select user, item, n
    | into out
}
)");
  CHECK_FALSE(static_cast<bool>(program->stage_function(0, 0)));
  CHECK(program->evaluated_handlers() ==
        "query `q`, the operators after its `aggregate` (stage 1): they read `key`, the record of several `group by` "
        "fields ({ user: string, item: int }) (these operators run in the reference evaluator, slower)\n");
  std::vector<std::vector<flow_value>> input;
  for (const auto& user : users_input()) input.push_back({user[0], {7, 0, 0}, {0, 0, 1}});
  Exit evaluated = run_chain(plan, *program, input);
  CHECK(evaluated.records ==
        std::vector<std::string>{"{\"user\":\"ann\",\"item\":7} {\"user\":\"ann\",\"item\":7,\"n\":3}",
                                 "{\"user\":\"cid\",\"item\":7} {\"user\":\"cid\",\"item\":7,\"n\":1}"});
  CHECK(evaluated.tallies == std::map<size_t, int64_t>{{0, 2}});
}

TEST_CASE("stage functions: a row whose strings outgrow the task's scratch memory stops the run, naming the query") {
  auto [plan, program] = testing::compiled_plan(kApplication);
  Exit small = run_chain(plan, *program, users_input(), 2);  // `upper(user)` needs 3 bytes
  CHECK(small.records.empty());
  REQUIRE_FALSE(small.failures.empty());
  CHECK(small.failures.front() ==
        "query `q`: a row after its stateful stage 1 needs more than the 2 bytes of scratch memory its task has for "
        "strings; shorten the strings it builds");
}

TEST_CASE("stage chains: a shared stage's changes of one key leave in the order its state made them") {
  // `group by user` without the topic's key: every task feeds one shared store. Task A counts
  // ann's first record, task B her second; B then hands its outputs on before A does (its
  // trigger ends first). The changes must reach the sink as 1 then 2 — sent after the lock, B's
  // `2` went first and a reader keeping the last row per key ended on `1`.
  auto [plan, program] = testing::compiled_plan(R"(source src from kafka "src" as json {
    user: string, ts: timestamp,
} with (partitions = 2, event_time = ts, watermark = 1m);
sink out to stdout;
query q {
    from src
    | group by user
    | aggregate count() as n timeout 1h
    | emit changes
    | into out
}
)");
  physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  REQUIRE(physical.queries[0].stages.size() == 1);
  REQUIRE(physical.queries[0].stages[0].scope == physical::StateScope::Shared);
  std::string directory = (std::filesystem::temp_directory_path() / "flow-shared-order-XXXXXX").string();
  REQUIRE(mkdtemp(directory.data()) != nullptr);
  Exit exit;  // both tasks' sink: the order records reach it
  {
    std::string error;
    auto store_a = StateStore::open(directory + "/task-a", error);
    auto store_b = StateStore::open(directory + "/task-b", error);
    REQUIRE(store_a);
    REQUIRE(store_b);
    flow::runtime::SharedStates shared;
    auto clock = [] { return int64_t{0}; };
    REQUIRE(flow::runtime::open_shared_states(physical, directory, clock, program.get(), {}, shared, error));
    std::vector<char> buffer_a(1 << 16), buffer_b(1 << 16);
    flow_arena arena_a, arena_b;
    flow_arena_init(&arena_a, buffer_a.data(), static_cast<int64_t>(buffer_a.size()));
    flow_arena_init(&arena_b, buffer_b.data(), static_cast<int64_t>(buffer_b.size()));
    auto encoder = flow::runtime::make_encoder(plan.queries[0].operators.back()->output);
    StageChain task_a(physical, exit, &arena_a), task_b(physical, exit, &arena_b);
    task_a.open({0}, *store_a, shared, clock, program.get(), {encoder.get()});
    task_b.open({0}, *store_b, shared, clock, program.get(), {encoder.get()});
    std::vector<flow_value> ann = {{reinterpret_cast<int64_t>("ann"), 3, 0}, {0, 0, 1}};
    task_a.to_aggregate(0, ann.data(), 1'000);
    task_b.to_aggregate(0, ann.data(), 2'000);
    task_b.deliver();
    task_a.deliver();
  }
  std::filesystem::remove_all(directory);
  CHECK(exit.failures.empty());
  REQUIRE(exit.records.size() == 2);
  CHECK(exit.records[0] == R"(ann {"user":"ann","n":1})");
  CHECK(exit.records[1] == R"(ann {"user":"ann","n":2})");
}
