// Differential test of every example's generated code against the reference evaluator: random
// records of each source (every declared type, nulls, edge numbers, the application's own string
// literals so its `where`s pass and fail, and broken records — wrong types, missing fields,
// malformed JSON, invalid UTF-8) go through the compiled batch function and, one by one, through
// the same decoder and the evaluator's stateless pipeline (eval::run_stateless). Both must make
// the same dead-letter decisions (and reasons), count the same tallies, emit the same encoded
// records with the same message keys and event times, hand the same records and keys to
// `process`, and hand the same group values and arguments to `aggregate` as the evaluator
// computes from the record. Fixed seeds.
#include <doctest/doctest.h>

#include <charconv>
#include <random>

#include "compiler/codegen/codegen.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "runtime/eval/evaluator.hpp"
#include "runtime/eval/stateless_pipeline.hpp"
#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "compiler/plan/operators/logical_union.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"
#include "tests/unit/support/application_text.hpp"
#include "tests/unit/support/checked_plan.hpp"
#include "tests/unit/support/compiled_plan.hpp"

using namespace flow::compiler;
namespace eval = flow::runtime::eval;
using eval::Value;

namespace {

//! JSON text of a random value of `type` (sometimes of the wrong type, or absent: "").
class RecordGenerator {
 public:
  RecordGenerator(uint64_t seed, std::vector<std::string> literals) : random_(seed), literals_(std::move(literals)) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  std::string value(const plan::Type& type) {
    if (pick(40) == 0) return "\"wrong type\"";
    if (type.nullable && pick(8) == 0) return "null";
    switch (type.kind) {
      case plan::TypeKind::Bool: return pick(2) ? "true" : "false";
      case plan::TypeKind::Int:
        return pick(3) ? std::to_string(pick(400) - 50)
                       : std::vector<std::string>{"0", "-1", "9223372036854775807", "-9223372036854775808",
                                                  "1e3", "2.5", "18446744073709551616"}[pick(7)];
      case plan::TypeKind::Float:
        return pick(3) ? std::to_string(pick(100000) / 100.0)
                       : std::vector<std::string>{"0.0", "-0.0", "1e300", "7", "-2.5", "3.14159", "1e400"}[pick(7)];
      case plan::TypeKind::String: {
        if (pick(50) == 0) return "\"bad \xff utf-8\"";
        if (!literals_.empty() && pick(2)) return "\"" + literals_[pick(static_cast<int>(literals_.size()))] + "\"";
        return std::vector<std::string>{"\"\"", "\"a\"", "\"Héllo\"", "\"x\\\"y\"", "\"日本\"", "\"/home\""}[pick(6)];
      }
      case plan::TypeKind::Timestamp:
        return pick(4) ? std::to_string(1'714'000'000'000LL + pick(100'000'000))
                       : std::vector<std::string>{"\"2024-05-06T09:40:00Z\"", "0", "\"not a time\"",
                                                  "\"2024-02-29T23:59:59.999+02:00\""}[pick(4)];
      case plan::TypeKind::Duration: return std::to_string(pick(100000));
      default: return "null";
    }
  }

  std::string record(const plan::Schema& schema) {
    if (pick(60) == 0) return std::vector<std::string>{"not json", "{\"a\":", "[1,2]", "", "{}"}[pick(5)];
    std::string json = "{";
    for (const auto& field : schema) {
      if (pick(60) == 0) continue;  // missing
      if (json.size() > 1) json += ",";
      json += "\"" + field.name + "\":" + value(field.type);
    }
    if (pick(10) == 0) json += std::string(json.size() > 1 ? "," : "") + "\"extra\":{\"nested\":[1,{\"x\":null}]}";
    return json + "}";
  }

 private:
  std::mt19937_64 random_;
  std::vector<std::string> literals_;
};

//! The message key generated code writes for a key value (flow_abi.h: string bytes, else text).
std::string key_text(const Value& key) {
  char buffer[32];
  switch (key.kind) {
    case eval::ValueKind::String: return key.text;
    case eval::ValueKind::Float: {
      auto end = std::to_chars(buffer, buffer + sizeof buffer, key.float_value).ptr;
      return std::string(buffer, end);
    }
    default: return std::to_string(key.int_value);
  }
}

//! A value the recording host copied, read as `type`.
Value owned_value(const flow::runtime::OwnedValue& owned, const plan::Type& type) {
  if (owned.raw.is_null) return Value::null();
  if (type.kind == plan::TypeKind::String) return Value::string(owned.text);
  return Value::from_abi(owned.raw, type);
}

struct Counts {
  int64_t records = 0, dead_lettered = 0, emitted = 0, to_state = 0, to_aggregate = 0;
};

void compare_source(const plan::Plan& plan, const codegen::Program& program, const plan::SourcePlan& source,
                    RecordGenerator& generator, int records, Counts& counts) {
  std::vector<bool> needed = physical::needed_fields(plan, source.name);
  const physical::PhysicalPlan physical = physical::build_physical_plan(plan);
  flow::runtime::DecoderPtr decoder = flow::runtime::make_decoder(source.schema, needed, 1 << 20);
  flow::runtime::DecoderPtr reference = flow::runtime::make_decoder(source.schema, needed, 1 << 20);
  std::vector<flow::runtime::EncoderPtr> encoders;
  std::vector<const flow_encoder*> encoder_table;
  for (const auto& query : plan.queries) {
    encoders.push_back(query.operators.back()->kind == plan::OperatorKind::Sink
                           ? flow::runtime::make_encoder(query.operators.back()->output)
                           : nullptr);
    encoder_table.push_back(encoders.back().get());
  }
  std::vector<std::string> texts;
  std::vector<flow_record> batch;
  for (int r = 0; r < records; ++r) texts.push_back(generator.record(source.schema));
  for (int r = 0; r < records; ++r)
    batch.push_back({texts[r].data(), static_cast<int64_t>(texts[r].size()), nullptr, 0, r, 1'700'000'000'000 + r});
  flow::runtime::RecordingHost host;
  flow_batch_fn batch_function = program.batch_function(source.name);
  REQUIRE(static_cast<bool>(batch_function));
  batch_function(host.task(), decoder.get(), encoder_table.data(), batch.data(), static_cast<int64_t>(batch.size()));

  // The reference, record by record, in the order generated code handles them.
  size_t dead = 0, emitted = 0, to_state = 0, to_aggregate = 0;
  std::map<int32_t, int64_t> tallies;
  std::vector<char> arena_buffer(1 << 20);
  for (int r = 0; r < records; ++r) {
    INFO("source `" << source.name << "`, record " << r << ": " << texts[r]);
    flow_arena arena;
    flow_arena_init(&arena, arena_buffer.data(), static_cast<int64_t>(arena_buffer.size()));
    std::vector<flow_value> slots(source.schema.size());
    flow_str detail{};
    int32_t status = flow_json_decode(reference.get(), texts[r].data(), static_cast<int64_t>(texts[r].size()),
                                      slots.data(), &arena, &detail);
    if (status != FLOW_DECODE_OK) {
      REQUIRE(dead < host.dead_letters.size());
      CHECK(host.dead_letters[dead].offset == r);
      CHECK(host.dead_letters[dead].reason == status);
      ++dead;
      continue;
    }
    // A field no query reads is not decoded (left null); the evaluator wants a record that fits
    // the schema, so it gets its type's zero, which nothing reads.
    std::vector<Value> record;
    for (size_t f = 0; f < slots.size(); ++f) {
      const plan::Type& type = source.schema[f].type;
      record.push_back(needed[f] || type.nullable ? Value::from_abi(slots[f], type)
                       : type.kind == plan::TypeKind::String ? Value::string("")
                       : type.kind == plan::TypeKind::Float  ? Value::floating(0)
                       : type.kind == plan::TypeKind::Bool   ? Value::boolean(false)
                       : type.kind == plan::TypeKind::Timestamp ? Value::timestamp(0)
                       : type.kind == plan::TypeKind::Duration  ? Value::duration(0)
                                                                : Value::integer(0));
    }
    int64_t event_time = batch[r].timestamp_ms;
    if (source.event_time) {
      const Value& ts = record[plan::find_field(source.schema, *source.event_time)];
      if (!ts.is_null()) event_time = ts.int_value;
    }
    for (size_t q = 0; q < plan.queries.size(); ++q) {
      const plan::QueryPlan& query = plan.queries[q];
      if (std::find(query.sources.begin(), query.sources.end(), source.name) == query.sources.end()) continue;
      size_t union_input = 0;
      if (query.operators.front()->kind == plan::OperatorKind::Union) {
        const auto& inputs = static_cast<const plan::LogicalUnion&>(*query.operators.front()).inputs;
        while (inputs[union_input].source != source.name) ++union_input;
      }
      INFO("query `" << query.name << "`");
      // An `explode` makes several rows of one record: generated code handles them in order.
      eval::StatelessRows rows = eval::run_stateless_rows(physical.queries[q], record, union_input);
      for (const auto& [metric, count] : rows.tallies)
        for (size_t m = 0; m < plan.metrics.size(); ++m)
          if (plan.metrics[m].name == metric) tallies[static_cast<int32_t>(m)] += count;
      for (const eval::StatelessRow& result : rows.rows) {
        // What follows the stateless part: the sink, a `process` or an `aggregate`.
        const plan::LogicalOperator* next = nullptr;
        for (const auto& op : query.operators)
          if (op->kind == plan::OperatorKind::Sink || op->kind == plan::OperatorKind::Process ||
              op->kind == plan::OperatorKind::Aggregate) {
            next = op.get();
            break;
          }
        REQUIRE(next);
        if (next->kind == plan::OperatorKind::Sink) {
          REQUIRE(emitted < host.emitted.size());
          const auto& out = host.emitted[emitted++];
          CHECK(out.query == static_cast<int32_t>(q));
          std::vector<flow_value> values;
          for (const Value& value : result.output) values.push_back(value.to_abi());
          flow_str json = flow_json_encode(encoder_table[q], values.data(), &arena);
          CHECK(out.value == std::string(json.data, static_cast<size_t>(json.len)));
          if (result.key && !result.key->is_null()) CHECK(out.key == key_text(*result.key));
          CHECK(out.event_time_ms == event_time);
        } else if (next->kind == plan::OperatorKind::Process) {
          REQUIRE(to_state < host.handed_to_state.size());
          const auto& handed = host.handed_to_state[to_state++];
          CHECK(handed.query == static_cast<int32_t>(q));
          CHECK(handed.event_time_ms == event_time);
          const plan::Schema& schema = *query.state_input_schema(source.name);
          REQUIRE(handed.fields.size() == schema.size());
          for (size_t f = 0; f < schema.size(); ++f) {
            INFO("field " << schema[f].name);
            CHECK(owned_value(handed.fields[f], schema[f].type) == result.output.at(f));
          }
          REQUIRE(handed.key.has_value());
          REQUIRE(result.key.has_value());
          const plan::Type& key_type = static_cast<const plan::LogicalProcess&>(*next).key_type;
          CHECK(owned_value(*handed.key, key_type) == eval::conform(*result.key, key_type));
        } else {
          const auto& aggregate = static_cast<const plan::LogicalAggregate&>(*next);
          REQUIRE(to_aggregate < host.handed_to_aggregate.size());
          const auto& handed = host.handed_to_aggregate[to_aggregate++];
          CHECK(handed.query == static_cast<int32_t>(q));
          CHECK(handed.event_time_ms == event_time);
          eval::Environment env{&result.output, nullptr, result.key ? &*result.key : nullptr, nullptr};
          size_t i = 0;
          for (size_t k = 0; k < aggregate.keys.size(); ++k, ++i) {
            const plan::Type type = aggregate.group_field(k).type;
            CHECK(owned_value(handed.fields.at(i), type) == eval::conform(eval::evaluate(aggregate.keys[k], env), type));
          }
          if (aggregate.top) {  // its ordering values, then the whole record
            for (const auto& key : aggregate.top->order)
              CHECK(owned_value(handed.fields.at(i++), key.value.type) == eval::evaluate(key.value, env));
            for (size_t f = 0; f < aggregate.row_width(); ++f)
              CHECK(owned_value(handed.fields.at(i++), aggregate.output[f].type) == result.output.at(f));
            CHECK(i == handed.fields.size());
          }
          for (const auto& call : aggregate.aggregates) {
            if (call.argument)
              CHECK(owned_value(handed.fields.at(i), call.argument->type) == eval::evaluate(*call.argument, env));
            else
              CHECK(handed.fields.at(i).raw.is_null == 1);
            ++i;
            if (call.by) {
              CHECK(owned_value(handed.fields.at(i), call.by->type) == eval::evaluate(*call.by, env));
              ++i;
            }
          }
        }
      }
    }
  }
  CHECK(dead == host.dead_letters.size());
  CHECK(emitted == host.emitted.size());
  CHECK(to_state == host.handed_to_state.size());
  CHECK(to_aggregate == host.handed_to_aggregate.size());
  CHECK(tallies == host.tallies);
  counts.records += records;
  counts.dead_lettered += static_cast<int64_t>(dead);
  counts.emitted += static_cast<int64_t>(emitted);
  counts.to_state += static_cast<int64_t>(to_state);
  counts.to_aggregate += static_cast<int64_t>(to_aggregate);
}

}  // namespace

TEST_CASE("codegen: every example's generated code equals the evaluator on random and broken records") {
  Counts counts;
  uint64_t seed = 1;
  for (const char* name : {"clicks", "clean_and_route", "page_views", "sessions", "cart_abandonment", "fraud_alert",
                           "rate_limited_ingest", "access_logs"}) {
    INFO("example " << std::string(name));
    std::string text = flow::testing::example_text(name);
    auto [plan, program] = testing::compiled_plan(text);
    RecordGenerator generator(seed++, flow::testing::string_literals(text));
    for (const auto& source : plan.sources)
      if (program->batch_function(source.name)) compare_source(plan, *program, source, generator, 2000, counts);
  }
  MESSAGE(counts.records << " records: " << counts.dead_lettered << " dead-lettered, " << counts.emitted
                         << " emitted, " << counts.to_state << " to `process`, " << counts.to_aggregate
                         << " to `aggregate`");
  CHECK(counts.records >= 10'000);
  CHECK(counts.dead_lettered > 0);
  CHECK(counts.emitted > 0);
  CHECK(counts.to_state > 0);
  CHECK(counts.to_aggregate > 0);
}

TEST_CASE("codegen: a top's generated code hands it the evaluator's group, ordering values and records") {
  Counts counts;
  uint64_t seed = 100;
  for (const char* name : {"window_top_n", "hot_items"}) {
    INFO("example " << std::string(name));
    std::string text = flow::testing::example_text(name);
    auto [plan, program] = testing::compiled_plan(text);
    RecordGenerator generator(seed++, flow::testing::string_literals(text));
    for (const auto& source : plan.sources)
      if (program->batch_function(source.name)) compare_source(plan, *program, source, generator, 2000, counts);
  }
  CHECK(counts.records >= 4'000);
  CHECK(counts.dead_lettered > 0);
  CHECK(counts.to_aggregate > 0);
}
