// Differential tests of generated code: random well-typed expressions over random records run
// through the JIT-compiled pipeline and through the reference evaluator must give byte-identical
// outputs (the same encoder writes both), the same filter decisions and the same dead letters.
// Fixed seeds: a failure reproduces, and its message prints the expression and the record.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"
#include "runtime/eval/evaluator.hpp"
#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/plan/operators/logical_filter.hpp"
#include "compiler/plan/operators/logical_project.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"
#include "tests/unit/support/compiled_plan.hpp"
#include "tests/unit/support/expression_generator.hpp"

using namespace flow;
using namespace flow::compiler;
namespace eval = flow::runtime::eval;

using flow::testing::ExpressionGenerator;
using flow::testing::kSource;
using flow::testing::random_record;

namespace {

//! `record` decoded by `decoder` (it must decode) as evaluator values of `schema`.
std::vector<eval::Value> decoded(const flow_decoder* decoder, const plan::Schema& schema, const std::string& record,
                                 flow_arena* arena) {
  std::vector<flow_value> slots(schema.size());
  flow_str detail{};
  REQUIRE(flow_json_decode(decoder, record.data(), static_cast<int64_t>(record.size()), slots.data(), arena,
                           &detail) == FLOW_DECODE_OK);
  std::vector<eval::Value> input;
  for (size_t f = 0; f < slots.size(); ++f) input.push_back(eval::Value::from_abi(slots[f], schema[f].type));
  return input;
}

//! Runs the compiled batch function of source `src` over `records` into `host`; none may be dead-lettered.
void run_batch(const compiler::testing::CompiledPlan& c, const flow_decoder* decoder, const flow_encoder* const* encoders,
               const std::vector<std::string>& records, runtime::RecordingHost& host) {
  std::vector<flow_record> batch;
  for (size_t r = 0; r < records.size(); ++r)
    batch.push_back({records[r].data(), static_cast<int64_t>(records[r].size()), nullptr, 0,
                     static_cast<int64_t>(r), 0});
  c.program->batch_function("src")(host.task(), decoder, encoders, batch.data(), static_cast<int64_t>(batch.size()));
  REQUIRE(host.dead_letters.empty());
}

}  // namespace

TEST_CASE("codegen: random expressions give the same results compiled and evaluated") {
  constexpr int kRounds = 12;
  constexpr int kExpressionsPerRound = 40;
  constexpr int kRecordsPerRound = 100;
  const std::vector<std::string> types = {"int", "float", "bool", "string", "timestamp", "duration"};
  int64_t compared = 0;
  std::map<std::string, int> regex_calls;  // the generator must keep covering the regexp_* functions
  for (int round = 0; round < kRounds; ++round) {
    ExpressionGenerator generator(1000 + round);
    std::mt19937_64 records_random(2000 + round);
    std::string condition = generator.of("bool", 3);
    std::string query = std::string(kSource) + "query q {\n    from src\n    | where " + condition + "\n    | select ";
    std::vector<std::string> expressions;
    for (int i = 0; i < kExpressionsPerRound; ++i) {
      expressions.push_back(generator.of(types[i % types.size()], 4));
      query += (i ? ",\n        " : "") + expressions.back() + " as e" + std::to_string(i);
      for (const char* name : {"regexp_matches(", "regexp_extract(", "regexp_replace(", "regexp_count("})
        if (expressions.back().find(name) != std::string::npos) ++regex_calls[name];
    }
    query += "\n    | into out\n}\n";
    compiler::testing::CompiledPlan c = compiler::testing::compiled_plan(query);
    const plan::QueryPlan& q = c.plan.queries.front();
    const auto& filter = static_cast<const plan::LogicalFilter&>(*q.operators[1]);
    const auto& project = static_cast<const plan::LogicalProject&>(*q.operators[2]);
    const plan::SourcePlan& source = c.plan.sources.front();

    runtime::DecoderPtr decoder = runtime::make_decoder(source.schema, std::vector<bool>(source.schema.size(), true), 1 << 20);
    runtime::DecoderPtr reference_decoder =
        runtime::make_decoder(source.schema, std::vector<bool>(source.schema.size(), true), 1 << 20);
    runtime::EncoderPtr encoder = runtime::make_encoder(project.output);
    const flow_encoder* encoders[] = {encoder.get()};

    std::vector<std::string> records;
    for (int r = 0; r < kRecordsPerRound; ++r) records.push_back(random_record(records_random));
    runtime::RecordingHost host;
    run_batch(c, decoder.get(), encoders, records, host);

    // The reference: decode with the same codec, evaluate, encode with the same encoder.
    size_t next_emitted = 0;
    std::vector<char> buffer(1 << 16);
    for (size_t r = 0; r < records.size(); ++r) {
      flow_arena arena;
      flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
      std::vector<eval::Value> input = decoded(reference_decoder.get(), source.schema, records[r], &arena);
      eval::Environment env;
      env.input = &input;
      bool passes = eval::is_true(eval::evaluate(filter.condition, env));
      INFO("record: " << records[r]);
      INFO("where " << condition);
      if (!passes) continue;
      REQUIRE(next_emitted < host.emitted.size());
      std::vector<eval::Value> outputs;
      std::vector<flow_value> output_slots;
      for (size_t e = 0; e < project.values.size(); ++e)
        outputs.push_back(eval::conform(eval::evaluate(project.values[e], env), project.output[e].type));
      for (const auto& value : outputs) output_slots.push_back(value.to_abi());
      flow_str expected = flow_json_encode(encoder.get(), output_slots.data(), &arena);
      std::string expected_json(expected.data, static_cast<size_t>(expected.len));
      const std::string& actual = host.emitted[next_emitted++].value;
      if (actual != expected_json) {
        // Narrow the message down to the first differing expression.
        for (size_t e = 0; e < expressions.size(); ++e) {
          std::string field = "\"e" + std::to_string(e) + "\":";
          auto value_at = [&](const std::string& json) {
            size_t at = json.find(field);
            size_t end = json.find(",\"e", at + 1);
            return json.substr(at, end == std::string::npos ? std::string::npos : end - at);
          };
          if (value_at(actual) != value_at(expected_json)) {
            INFO("expression: " << expressions[e]);
            CHECK(value_at(actual) == value_at(expected_json));
            break;
          }
        }
      }
      REQUIRE(actual == expected_json);
      compared += static_cast<int64_t>(expressions.size());
    }
    CHECK(next_emitted == host.emitted.size());
  }
  MESSAGE("compared " << compared << " expression results");
  CHECK(compared >= 10'000);
  for (const char* name : {"regexp_matches(", "regexp_extract(", "regexp_replace(", "regexp_count("}) {
    INFO(name);
    CHECK(regex_calls[name] >= 10);
  }
}

namespace {

//! A `list<string>` expression over the source's fields: split or regexp_split of a random string.
std::string random_list(ExpressionGenerator& generator, std::mt19937_64& random) {
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
  const char* separators[] = {R"(",")", R"(" ")", R"("b")", R"("é")", R"(",,")"};
  const char* patterns[] = {R"("\\W+")", R"(",")", R"("[a-z]+")", R"("x*")", R"("")", R"("(?i)[aeiouéö]")"};
  std::string text = generator.of("string", 2);
  return pick(2) ? "split(" + text + ", " + separators[pick(5)] + ")"
                 : "regexp_split(" + text + ", " + patterns[pick(6)] + ")";
}

}  // namespace

// Random chains around `explode`: straight from the source, of a list field a `select` made (which
// also reaches the sink, as a JSON array), and one explode inside another. Generated code runs the
// operators after an explode in a loop of its own; the evaluator recurses per element. Both must
// emit the same records, in the same order.
TEST_CASE("codegen: random explode chains of split and regexp_split give the same records compiled and evaluated") {
  constexpr int kRounds = 30;
  constexpr int kRecordsPerRound = 120;
  const char* all_fields = "a, b, x, y, s, t, p, ts, d";
  int64_t compared = 0;
  std::map<std::string, int> shapes;
  for (int round = 0; round < kRounds; ++round) {
    std::mt19937_64 random(5000 + round);
    ExpressionGenerator list_generator(7000 + round);  // over the source's fields only
    ExpressionGenerator generator(6000 + round, {{"string", {"s", "t", "w", "w", "\"a,b\"", "\"\""}}});
    std::string list = random_list(list_generator, random);
    std::string ops;
    switch (round % 3) {
      case 0:
        shapes["from the source"]++;
        ops = "    | explode " + list + " as w\n";
        break;
      case 1:
        shapes["of a selected list field"]++;
        ops = "    | select " + list + " as parts, " + all_fields + "\n    | explode parts as w\n";
        break;
      default:
        shapes["nested"]++;
        ops = "    | explode " + list + " as v\n    | explode split(v, \"a\") as w\n";
        break;
    }
    std::string condition = generator.of("bool", 2);
    std::string value = generator.of("string", 3);
    std::string query = std::string(kSource) + "query q {\n    from src\n" + ops + "    | where " + condition +
                        "\n    | select w, len(w) as n, " + value + " as e" +
                        (round % 3 == 1 ? ", parts" : "") + "\n    | into out\n}\n";
    INFO(query);
    compiler::testing::CompiledPlan c = compiler::testing::compiled_plan(query);
    const plan::QueryPlan& q = c.plan.queries.front();
    const plan::SourcePlan& source = c.plan.sources.front();
    const physical::PhysicalPlan physical = physical::build_physical_plan(c.plan);
    runtime::DecoderPtr decoder =
        runtime::make_decoder(source.schema, std::vector<bool>(source.schema.size(), true), 1 << 20);
    runtime::EncoderPtr encoder = runtime::make_encoder(q.operators.back()->output);
    const flow_encoder* encoders[] = {encoder.get()};

    std::vector<std::string> records;
    for (int r = 0; r < kRecordsPerRound; ++r) records.push_back(random_record(random));
    runtime::RecordingHost host;
    run_batch(c, decoder.get(), encoders, records, host);

    std::vector<std::string> expected;
    std::vector<char> buffer(1 << 16);
    for (const std::string& record : records) {
      flow_arena arena;
      flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
      std::vector<eval::Value> input = decoded(decoder.get(), source.schema, record, &arena);
      for (const eval::StatelessRow& row : eval::run_stateless_rows(physical.queries.front(), input).rows) {
        flow_str json = runtime::encode_values(encoder.get(), row.output, &arena);
        expected.emplace_back(json.data, static_cast<size_t>(json.len));
      }
    }
    std::vector<std::string> actual;
    for (const auto& emitted : host.emitted) actual.push_back(emitted.value);
    CHECK(actual.size() == expected.size());
    for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
      INFO("record " << i);
      REQUIRE(actual[i] == expected[i]);
    }
    compared += static_cast<int64_t>(expected.size());
  }
  MESSAGE("compared " << compared << " exploded records");
  CHECK(compared >= 800);
  CHECK(shapes.size() == 3);
}
