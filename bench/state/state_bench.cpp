// Keyed state per record, without Kafka: the W2 (running count per user, an emit per record) and
// W3 (sessions with a 30-minute event-time timeout) queries of bench/peers, fed as a partition
// task feeds them — each record's key and fields as flow_values to
// KeyedStateOperator::on_abi_record, then per trigger of 10,000 records the watermark and a
// checkpoint (StateStore::commit). Each query runs twice in the same run on the same records:
// its handlers compiled (JIT, as flowrun runs them) and in the reference evaluator (the baseline).
// Prints ns per record for the records, the watermark and the commits separately, so a change to
// the state layer is measured where it matters. Usage: flow_bench_state [RECORDS] [USERS]
// [w2|w3] [compiled|evaluated] (on a shared machine, compare builds by instructions: valgrind
// --tool=callgrind).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"
#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "runtime/eval/value.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "runtime/host/recording_host.hpp"
#include "runtime/state/keyed_state.hpp"
#include "runtime/state/state_store.hpp"

using namespace flow;
using runtime::eval::Value;
using Clock = std::chrono::steady_clock;

namespace {

const char* kSource = R"(
source clicks from kafka "clicks" as json { user: string, url: string, bytes: int, ts: timestamp }
    with (partitions = 1, event_time = ts, watermark = 10s);
sink out to stdout;
)";

const char* kW2 = R"(
query w2 {
    from clicks key by user
    | process state { n: int = 0 } timeout 8760h {
        on event {
            state.n += 1
            emit { user: key, n: state.n }
        }
    }
    | into out
}
)";

const char* kW3 = R"(
query w3 {
    from clicks key by user
    | process state { clicks: int = 0, bytes: int = 0, start: timestamp, end: timestamp } timeout 30m {
        on event {
            if state.clicks == 0 {
                state.start = ts
            }
            state.end = ts
            state.clicks += 1
            state.bytes += bytes
        }
        on timeout {
            emit { user: key, start: state.start, end: state.end, clicks: state.clicks, bytes: state.bytes }
        }
    }
    | into out
}
)";

compiler::plan::Plan plan_of(const std::string& text) {
  compiler::SourceFile file("bench.flow", text);
  compiler::DiagnosticSink sink;
  auto program = compiler::syntax::parse_program(file, sink);
  auto plan = compiler::plan::build_plan(program, sink);
  if (sink.has_errors()) {
    for (const auto& d : sink.all()) fmt::print(stderr, "{}", compiler::render(d, file));
    std::exit(1);
  }
  return plan;
}

struct Input {
  Value key;
  std::vector<Value> fields;
  int64_t ts;
  // As generated code hands them over; they point into `key` and `fields`.
  flow_value key_slot{};
  std::vector<flow_value> field_slots;
};

//! ns per record in all.
double run(const char* name, const char* query, const std::vector<Input>& inputs, bool compiled) {
  auto plan = plan_of(std::string(kSource) + query);
  std::string error;
  std::unique_ptr<compiler::codegen::JitProgram> program;
  if (compiled) {
    program = compiler::codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error);
    if (!program) {
      fmt::print(stderr, "cannot compile: {}\n", error);
      std::exit(1);
    }
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "flow-bench-state-XXXXXX").string();
  if (!mkdtemp(pattern.data())) std::exit(1);
  auto store = runtime::StateStore::open(pattern, error);
  if (!store) {
    fmt::print(stderr, "{}\n", error);
    std::exit(1);
  }
  const compiler::physical::PhysicalPlan physical = compiler::physical::build_physical_plan(plan);
  runtime::KeyedStateOperator state(physical, 0, *store, {}, compiler::codegen::handler_functions(program.get(), plan, 0));
  std::vector<runtime::StateOutput> out;
  runtime::StateTallies tallies;
  double records_s = 0, watermark_s = 0, commit_s = 0;
  size_t emitted = 0;
  constexpr size_t kTrigger = 10'000;
  for (size_t begin = 0; begin < inputs.size(); begin += kTrigger) {
    size_t end = std::min(inputs.size(), begin + kTrigger);
    auto t0 = Clock::now();
    for (size_t i = begin; i < end; ++i)
      state.on_abi_record("clicks", &inputs[i].key_slot, inputs[i].field_slots.data(),
                          static_cast<int64_t>(inputs[i].field_slots.size()), inputs[i].ts, out, tallies);
    auto t1 = Clock::now();
    state.advance_watermark(inputs[end - 1].ts - 10'000, out, tallies);
    auto t2 = Clock::now();
    std::string problem = store->commit({{"clicks/0", static_cast<int64_t>(end)}});
    auto t3 = Clock::now();
    if (!problem.empty()) {
      fmt::print(stderr, "commit: {}\n", problem);
      std::exit(1);
    }
    records_s += std::chrono::duration<double>(t1 - t0).count();
    watermark_s += std::chrono::duration<double>(t2 - t1).count();
    commit_s += std::chrono::duration<double>(t3 - t2).count();
    emitted += out.size();
    out.clear();
  }
  double n = static_cast<double>(inputs.size());
  fmt::print("{} ({}): {} records, {} outputs, {} live keys: {:.0f} ns/record in handlers and state, {:.0f} in "
             "the watermark, {:.0f} in commits; {:.0f} in all ({:.0f} records/s)\n",
             name, compiled ? "compiled" : "evaluated", inputs.size(), emitted, state.live_keys(), records_s / n * 1e9,
             watermark_s / n * 1e9, commit_s / n * 1e9, (records_s + watermark_s + commit_s) / n * 1e9,
             n / (records_s + watermark_s + commit_s));
  std::filesystem::remove_all(pattern);
  return (records_s + watermark_s + commit_s) / n * 1e9;
}

void compare(const char* name, const char* query, const std::vector<Input>& inputs, const std::string& mode) {
  double compiled = mode != "evaluated" ? run(name, query, inputs, true) : 0;
  double evaluated = mode != "compiled" ? run(name, query, inputs, false) : 0;
  if (compiled > 0 && evaluated > 0) fmt::print("  compiled handlers: {:.2f}x the evaluator's speed\n", evaluated / compiled);
}

}  // namespace

int main(int argc, char** argv) {
  size_t records = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 500'000;
  size_t users = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100'000;
  // As bench/peers' data: a user clicks on average every ~33 minutes of event time, so about 40 %
  // of a user's gaps exceed the 30-minute session timeout.
  std::vector<Input> inputs;
  inputs.reserve(records);
  uint64_t seed = 42;
  auto next = [&] { return seed = seed * 6364136223846793005ull + 1442695040888963407ull; };
  int64_t ts = 1'700'000'000'000;
  int64_t step = std::max<int64_t>(1, static_cast<int64_t>(33 * 60'000 / users));
  for (size_t i = 0; i < records; ++i) {
    ts += step;
    std::string user = fmt::format("u{:07d}", (next() >> 33) % users);
    inputs.push_back({Value::string(user),
                      {Value::string(user), Value::string(fmt::format("/p/{}", (next() >> 40) % 500)),
                       Value::integer(static_cast<int64_t>((next() >> 40) % 4000)), Value::timestamp(ts)},
                      ts,
                      {},
                      {}});
  }
  for (Input& input : inputs) {
    input.key_slot = input.key.to_abi();
    for (const Value& field : input.fields) input.field_slots.push_back(field.to_abi());
  }
  std::string only = argc > 3 ? argv[3] : "";
  std::string mode = argc > 4 ? argv[4] : "";
  if (only.empty() || only == "w2") compare("W2 count per user, emit per record", kW2, inputs, mode);
  if (only.empty() || only == "w3") compare("W3 sessions, 30 min timeout", kW3, inputs, mode);
}
