// The regexp_* built-ins through generated code: exact results (null when regexp_extract finds
// nothing), and each call site compiling and looking its pattern up once, never per record.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "compiler/plan/operators/logical_project.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"
#include "stdlib/regex.hpp"
#include "tests/unit/support/compiled_plan.hpp"

using namespace flow;
using namespace flow::compiler;

namespace {

const char* kQuery = R"~(source src from kafka "src" as json { line: string? } with (partitions = 1);
sink out to stdout;
query q {
    from src
    | where regexp_matches(line, "id=[0-9]")
    | select regexp_extract(line, "user=([a-z]+)", 1) as user,
        regexp_replace(line, "id=([0-9]+)", "#\\1") as masked,
        regexp_count(line, "[0-9]") as digits
    | into out
}
)~";

//! The JSON values the program emits for `records`.
std::vector<std::string> run(const compiler::testing::CompiledPlan& c, const std::vector<std::string>& records) {
  const plan::SourcePlan& source = c.plan.sources.front();
  const auto& project = static_cast<const plan::LogicalProject&>(*c.plan.queries.front().operators[2]);
  runtime::DecoderPtr decoder =
      runtime::make_decoder(source.schema, std::vector<bool>(source.schema.size(), true), 1 << 20);
  runtime::EncoderPtr encoder = runtime::make_encoder(project.output);
  const flow_encoder* encoders[] = {encoder.get()};
  std::vector<flow_record> batch;
  for (size_t r = 0; r < records.size(); ++r)
    batch.push_back({records[r].data(), static_cast<int64_t>(records[r].size()), nullptr, 0, static_cast<int64_t>(r), 0});
  runtime::RecordingHost host;
  c.program->batch_function("src")(host.task(), decoder.get(), encoders, batch.data(), static_cast<int64_t>(batch.size()));
  REQUIRE(host.dead_letters.empty());
  std::vector<std::string> out;
  for (const auto& emitted : host.emitted) out.push_back(emitted.value);
  return out;
}

}  // namespace

TEST_CASE("codegen regex: generated code matches, extracts (null when absent), replaces and counts") {
  compiler::testing::CompiledPlan c = compiler::testing::compiled_plan(kQuery);
  std::vector<std::string> out = run(c, {R"({"line":"user=ann id=42 at 7"})", R"({"line":"no id here"})",
                                         R"({"line":"id=9"})", R"({"line":null})"});
  REQUIRE(out.size() == 2);
  CHECK(out[0] == R"({"user":"ann","masked":"user=ann #42 at 7","digits":3})");
  CHECK(out[1] == R"({"user":null,"masked":"#9","digits":1})");
}

TEST_CASE("codegen regex: each call site looks its pattern up once, however many records") {
  compiler::testing::CompiledPlan c = compiler::testing::compiled_plan(kQuery);
  std::vector<std::string> records;
  for (int i = 0; i < 500; ++i) records.push_back(R"({"line":"user=bo id=)" + std::to_string(i) + R"("})");
  int64_t before = stdlib::regex_cache_lookups();
  CHECK(run(c, records).size() == 500);
  CHECK(stdlib::regex_cache_lookups() - before == 4);  // four call sites, one lookup each
  before = stdlib::regex_cache_lookups();
  CHECK(run(c, records).size() == 500);
  CHECK(stdlib::regex_cache_lookups() == before);  // the slots stay filled for the program's life
}
