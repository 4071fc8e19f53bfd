// Benchmark of generated code: (1) compile latency per example and query (text -> plan -> IR ->
// O2 -> machine code), (2) ns per record of a compiled pipeline against the reference evaluator
// on the same batch, in the same run. Prints figures; asserts nothing (performance goals live
// here, not in tests).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/codegen/codegen.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"

using namespace flow;
using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::optional<plan::Plan> plan_of(const std::string& path, const std::string& text) {
  SourceFile file(path, text);
  DiagnosticSink sink;
  ast::Program program = syntax::parse_program(file, sink);
  if (sink.has_errors()) return std::nullopt;
  plan::Plan plan = plan::build_plan(program, sink);
  if (sink.has_errors()) return std::nullopt;
  return plan;
}

const char* kStateless = R"(
source clicks from kafka "clicks" as json {
    user: string, url: string, bytes: int, ts: timestamp, agent: string,
} with (partitions = 8);
sink out to kafka "out" as json;
query clean {
    from clicks
    | where bytes > 100 and not starts_with(url, "/health")
    | key by user
    | select user, lower(url) as url, bytes / 1024 as kib, ts
    | into out
}
)";

void compile_latency(const std::string& root) {
  fmt::print("compile latency (text -> native code), median of 7 runs\n");
  fmt::print("  {:<40} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "program", "parse+chk", "lower", "O2", "machine", "total");
  std::vector<std::pair<std::string, std::string>> programs;
  for (const auto& entry : std::filesystem::directory_iterator(root + "/examples")) {
    for (const auto& file : std::filesystem::directory_iterator(entry.path())) {
      if (file.path().extension() != ".flow") continue;
      std::ifstream in(file.path());
      std::stringstream text;
      text << in.rdbuf();
      programs.emplace_back(std::filesystem::relative(file.path(), root).string(), text.str());
    }
  }
  programs.emplace_back("(stateless clean query)", kStateless);
  for (const auto& [name, text] : programs) {
    std::vector<double> front, lower, optimise, machine, total;
    for (int run = 0; run < 7; ++run) {
      auto start = Clock::now();
      auto plan = plan_of(name, text);
      if (!plan) {
        fmt::print("  {:<40} does not check\n", name);
        break;
      }
      double front_ms = ms(Clock::now() - start);
      std::string error;
      auto program = codegen::JitProgram::compile(*plan, runtime::RecordingHost::symbols(), error);
      if (!program) {
        fmt::print("  {:<40} cannot compile: {}\n", name, error);
        break;
      }
      front.push_back(front_ms);
      lower.push_back(program->timings().lower_ms);
      optimise.push_back(program->timings().optimise_ms);
      machine.push_back(program->timings().machine_ms);
      total.push_back(ms(Clock::now() - start));
    }
    if (total.empty()) continue;
    fmt::print("  {:<40} {:>7.2f}ms {:>7.2f}ms {:>7.2f}ms {:>7.2f}ms {:>7.2f}ms\n", name, median(front), median(lower),
               median(optimise), median(machine), median(total));
  }
}

std::vector<std::string> click_records(size_t count) {
  std::mt19937_64 random(42);
  std::vector<std::string> records;
  records.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    uint64_t r = random();
    std::string url = (r % 10 == 0) ? "/health" : fmt::format("/Products/{}?ref=home", r % 5000);
    records.push_back(fmt::format(
        R"({{"user":"u{}","url":"{}","bytes":{},"ts":{},"agent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}})",
        r % 100000, url, r % 20000, 1763892000000 + static_cast<int64_t>(i) * 10));
  }
  return records;
}

void per_record(size_t count) {
  auto plan = plan_of("clean.flow", kStateless);
  std::string error;
  auto program = codegen::JitProgram::compile(*plan, runtime::RecordingHost::symbols(), error);
  const plan::SourcePlan& source = plan->sources.front();
  const plan::QueryPlan& query = plan->queries.front();
  const physical::PhysicalPlan physical = physical::build_physical_plan(*plan);
  auto decoder = runtime::make_decoder(source.schema, physical::needed_fields(*plan, "clicks"), 1 << 20);
  auto encoder = runtime::make_encoder(query.operators.back()->output);
  const flow_encoder* encoders[] = {encoder.get()};
  std::vector<std::string> values = click_records(count);
  std::vector<flow_record> records;
  size_t bytes = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    records.push_back({values[i].data(), static_cast<int64_t>(values[i].size()), nullptr, 0, static_cast<int64_t>(i), 0});
    bytes += values[i].size();
  }
  constexpr size_t kBatch = 1000;
  flow_batch_fn batch = program->batch_function("clicks");

  std::vector<double> compiled_runs, reference_runs;
  size_t compiled_out = 0, reference_out = 0;
  for (int run = 0; run < 5; ++run) {
    runtime::RecordingHost host(1 << 20);
    host.emitted.reserve(count);
    auto start = Clock::now();
    for (size_t at = 0; at < records.size(); at += kBatch)
      batch(host.task(), decoder.get(), encoders, records.data() + at,
            static_cast<int64_t>(std::min(kBatch, records.size() - at)));
    compiled_runs.push_back(ms(Clock::now() - start));
    compiled_out = host.emitted.size();

    // The reference evaluator on the same records: same decoder, tree-walking evaluation, same encoder.
    // (all fields: the evaluator checks that every record fits its schema)
    auto reference_decoder =
        runtime::make_decoder(source.schema, std::vector<bool>(source.schema.size(), true), 1 << 20);
    std::vector<char> buffer(1 << 16);
    std::vector<flow_value> slots(source.schema.size());
    std::vector<std::string> outputs;
    outputs.reserve(count);
    start = Clock::now();
    for (const auto& record : records) {
      flow_arena arena;
      flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
      flow_str detail{};
      if (flow_json_decode(reference_decoder.get(), record.value, record.value_len, slots.data(), &arena, &detail))
        continue;
      std::vector<eval::Value> input;
      for (size_t f = 0; f < slots.size(); ++f) input.push_back(eval::Value::from_abi(slots[f], source.schema[f].type));
      eval::StatelessResult result = eval::run_stateless(physical.queries.front(), input);
      if (!result.passed) continue;
      std::vector<flow_value> out;
      for (const auto& value : result.output) out.push_back(value.to_abi());
      flow_str json = flow_json_encode(encoder.get(), out.data(), &arena);
      outputs.emplace_back(json.data, static_cast<size_t>(json.len));
    }
    reference_runs.push_back(ms(Clock::now() - start));
    reference_out = outputs.size();
  }
  double compiled_ms = median(compiled_runs);
  double reference_ms = median(reference_runs);
  fmt::print("\nper record: {} click records of {:.0f} bytes on average, `clean` query (filter, key, select, "
             "encode), median of 5 runs\n",
             count, static_cast<double>(bytes) / static_cast<double>(count));
  fmt::print("  compiled (JIT, O2)      {:>8.1f} ns/record {:>8.1f} MB/s  {} records out\n",
             compiled_ms * 1e6 / static_cast<double>(count), static_cast<double>(bytes) / compiled_ms / 1e3,
             compiled_out);
  fmt::print("  reference evaluator     {:>8.1f} ns/record {:>8.1f} MB/s  {} records out\n",
             reference_ms * 1e6 / static_cast<double>(count), static_cast<double>(bytes) / reference_ms / 1e3,
             reference_out);
  fmt::print("  compiled / reference    {:>8.2f}x faster{}\n", reference_ms / compiled_ms,
             compiled_out == reference_out ? "" : "  (OUTPUT COUNTS DIFFER)");
}

}  // namespace

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : FLOW_SOURCE_DIR;
  size_t count = argc > 2 ? std::stoul(argv[2]) : 200'000;
  compile_latency(root);
  per_record(count);
  return 0;
}
