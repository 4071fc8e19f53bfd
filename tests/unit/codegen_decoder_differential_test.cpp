// Differential test of the generated decoder fast path (compiler/codegen/decoder_lowering.hpp):
// random records — simple ones the fast path takes, ones with escapes, blanks, fractions, nesting
// and text timestamps it must leave to flow_json_decode, and a fixed-seed mutation fuzz of both —
// run through the compiled batch function must give exactly what decoding each record with
// flow_json_decode and encoding it gives: the same outputs, the same dead letters with the same
// reasons and details. flow_json_decode is wrapped to count the records the fast path took.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"
#include "tests/unit/support/compiled_plan.hpp"

using namespace flow;
using namespace flow::compiler;

namespace {

int64_t g_slow_decodes = 0;

extern "C" int32_t counting_json_decode(const flow_decoder* decoder, const char* json, int64_t len,
                                        flow_value* fields, flow_arena* arena, flow_str* detail) {
  ++g_slow_decodes;
  return flow_json_decode(decoder, json, len, fields, arena, detail);
}

std::vector<codegen::HostSymbol> counting_symbols() {
  std::vector<codegen::HostSymbol> symbols = runtime::RecordingHost::symbols();
  for (auto& symbol : symbols)
    if (symbol.name == "flow_json_decode") symbol.address = reinterpret_cast<const void*>(&counting_json_decode);
  return symbols;
}

struct FieldSpec {
  std::string name;
  std::string type;  // int, bool, timestamp, duration, float, string
  bool nullable;
};


class RecordMaker {
 public:
  RecordMaker(const std::vector<FieldSpec>& fields, uint64_t seed) : fields_(fields), random_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  //! A value for `spec`: `simple` ones only, or anything (fractions, escapes, wrong types...).
  std::string value(const FieldSpec& spec, bool simple) {
    if (pick(8) == 0) return "null";
    static const std::vector<std::string> ints = {"0", "1", "-1", "42", "-7", "1000", "123456789012345678",
                                                  "-99999999999999999", "1763892000123"};
    static const std::vector<std::string> odd_ints = {"9223372036854775807", "-9223372036854775808", "-0",
                                                      "9223372036854775808", "1.5", "1e3", "5.0", "\"5\"", "true",
                                                      "007", "-", "[1]", "{}"};
    static const std::vector<std::string> floats = {"0", "7", "-3", "123456789012345", "42"};
    static const std::vector<std::string> odd_floats = {"1.5", "-0.0", "1e300", "1e400", "-0", "2.675",
                                                        "1234567890123456789", "\"1.5\"", "0.1", "1E-5", "false"};
    static const std::vector<std::string> strings = {"\"\"", "\"a\"", "\"u1\"", "\"H\xc3\xa9llo W\xc3\xb6rld\"",
                                                     "\"\xe6\x97\xa5\xe6\x9c\xac\"", "\"/Products/12?ref=home\"",
                                                     "\"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\"",
                                                     "\"\xf0\x9f\x98\x80 emoji\""};
    static const std::vector<std::string> odd_strings = {"\"x\\\"y\"", "\"\\u00e9\"", "\"\\ud800\"", "\"a\\nb\"",
                                                         "\"bad \xff byte\"", "\"\xc3\"", "42", "true", "[\"a\"]",
                                                         "\"\xed\xa0\x80\""};
    static const std::vector<std::string> stamps_odd = {"\"2024-02-29T23:59:59.999Z\"", "\"2026-11-23T10:15:30+01:00\"",
                                                        "\"not a time\"", "1.5", "9223372036854775808"};
    static const std::vector<std::string> bools_odd = {"1", "\"true\"", "tru", "nul", "True"};
    const std::string& t = spec.type;
    if (t == "int" || t == "duration")
      return simple || pick(3) ? ints[pick(ints.size())] : odd_ints[pick(odd_ints.size())];
    if (t == "timestamp") {
      if (simple || pick(3)) return ints[pick(ints.size())];
      return pick(2) ? stamps_odd[pick(stamps_odd.size())] : odd_ints[pick(odd_ints.size())];
    }
    if (t == "float") return simple || pick(3) ? floats[pick(floats.size())] : odd_floats[pick(odd_floats.size())];
    if (t == "bool") return simple || pick(3) ? (pick(2) ? "true" : "false") : bools_odd[pick(bools_odd.size())];
    return simple || pick(3) ? strings[pick(strings.size())] : odd_strings[pick(odd_strings.size())];
  }

  //! A record: simple (what the fast path should take) or with anything in it.
  std::string record(bool simple) {
    std::vector<size_t> order(fields_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (pick(3) == 0) std::shuffle(order.begin(), order.end(), random_);
    const bool blanks = !simple || pick(4) == 0;
    auto blank = [&] {
      if (!blanks || pick(3)) return std::string();
      static const std::vector<std::string> options = {" ", "\n", "\t", "  ", "\r\n"};
      return options[pick(options.size())];
    };
    std::vector<std::string> members;
    for (size_t i : order) {
      if (pick(12) == 0) continue;  // absent
      members.push_back("\"" + fields_[i].name + "\"" + blank() + ":" + blank() + value(fields_[i], simple));
      if (pick(40) == 0) members.push_back("\"" + fields_[i].name + "\":" + value(fields_[i], simple));  // repeated
    }
    if (pick(4) == 0) {  // unknown keys
      static const std::vector<std::string> simple_extra = {"\"extra\":1", "\"z\":\"s\"", "\"n\":null",
                                                            "\"f\":-1.5e3", "\"t\":true", "\"q\":\"\""};
      static const std::vector<std::string> odd_extra = {"\"o\":{\"a\":[1,2]}", "\"l\":[]", "\"\\u0075ser\":\"x\"",
                                                         "\"k\\\"\":1", "\"n\":tru"};
      members.insert(members.begin() + pick(static_cast<int>(members.size()) + 1),
                     simple || pick(2) ? simple_extra[pick(simple_extra.size())] : odd_extra[pick(odd_extra.size())]);
    }
    std::string out = blank() + "{" + blank();
    for (size_t m = 0; m < members.size(); ++m) out += (m ? "," + blank() : std::string()) + members[m] + blank();
    return out + "}" + blank();
  }

  std::string mutate(std::string text) {
    static const std::string alphabet = "{}[]\",:\\ 0123456789-.etfnu\xff\xc3";
    const int edits = 1 + pick(3);
    for (int e = 0; e < edits; ++e) {
      const int at = pick(static_cast<int>(text.size()) + 1);
      switch (pick(4)) {
        case 0: text.insert(text.begin() + at, alphabet[pick(alphabet.size())]); break;
        case 1:
          if (at < static_cast<int>(text.size())) text.erase(text.begin() + at);
          break;
        case 2:
          if (at < static_cast<int>(text.size())) text[at] = alphabet[pick(alphabet.size())];
          break;
        default: text.resize(at); break;
      }
    }
    return text;
  }

 private:
  std::vector<FieldSpec> fields_;
  std::mt19937_64 random_;
};

std::string schema_text(const std::vector<FieldSpec>& fields) {
  std::string text = "source src from kafka \"src\" as json {\n   ";
  for (const auto& f : fields) text += " " + f.name + ": " + f.type + (f.nullable ? "?" : "") + ",";
  return text + "\n} with (partitions = 1);\nsink out to stdout;\n";
}

struct Counts {
  int64_t records = 0;
  int64_t fast = 0;
  int64_t accepted = 0;
};

//! Runs `count` records through the query `select <columns>` over `fields` and compares.
void run_differential(const std::vector<FieldSpec>& fields, const std::vector<std::string>& columns, uint64_t seed,
                      int count, int64_t max_record_bytes, Counts& counts) {
  std::string select;
  for (const auto& column : columns) select += (select.empty() ? "" : ", ") + column;
  const std::string text =
      schema_text(fields) + "query q {\n    from src\n    | select " + select + "\n    | into out\n}\n";
  testing::CompiledPlan c = testing::compiled_plan(text, counting_symbols());
  const plan::SourcePlan& source = c.plan.sources.front();
  const plan::QueryPlan& query = c.plan.queries.front();
  const std::vector<bool> needed = physical::needed_fields(c.plan, "src");
  runtime::DecoderPtr decoder = runtime::make_decoder(source.schema, needed, max_record_bytes);
  runtime::DecoderPtr reference = runtime::make_decoder(source.schema, needed, max_record_bytes);
  runtime::EncoderPtr encoder = runtime::make_encoder(query.operators.back()->output);
  const flow_encoder* encoders[] = {encoder.get()};
  std::vector<int> column_index;
  for (const auto& column : columns) column_index.push_back(plan::find_field(source.schema, column));

  RecordMaker maker(fields, seed);
  std::vector<std::string> bases;
  runtime::RecordingHost host;
  std::vector<char> buffer(1 << 16);
  constexpr int kBatch = 500;
  for (int done = 0; done < count; done += kBatch) {
    std::vector<std::string> records;
    for (int r = 0; r < kBatch; ++r) {
      const int kind = maker.pick(10);
      std::string record;
      if (kind < 5) {
        record = maker.record(true);
      } else if (kind < 7) {
        record = maker.record(false);
      } else {
        record = maker.mutate(maker.record(maker.pick(2) == 0));
      }
      records.push_back(std::move(record));
    }
    std::vector<flow_record> batch;
    for (size_t r = 0; r < records.size(); ++r)
      batch.push_back({records[r].data(), static_cast<int64_t>(records[r].size()), nullptr, 0,
                       static_cast<int64_t>(r), 0});
    host.clear();
    const int64_t slow_before = g_slow_decodes;
    c.program->batch_function("src")(host.task(), decoder.get(), encoders, batch.data(),
                                     static_cast<int64_t>(batch.size()));
    counts.records += static_cast<int64_t>(records.size());
    counts.fast += static_cast<int64_t>(records.size()) - (g_slow_decodes - slow_before);

    size_t next_emitted = 0, next_dead = 0;
    for (size_t r = 0; r < records.size(); ++r) {
      flow_arena arena;
      flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
      std::vector<flow_value> slots(source.schema.size());
      flow_str detail{};
      const int32_t status = flow_json_decode(reference.get(), records[r].data(),
                                              static_cast<int64_t>(records[r].size()), slots.data(), &arena, &detail);
      INFO("query: select " << select);
      INFO("record: " << records[r]);
      if (status != FLOW_DECODE_OK) {
        REQUIRE(next_dead < host.dead_letters.size());
        const auto& dead = host.dead_letters[next_dead++];
        CHECK(dead.offset == static_cast<int64_t>(r));
        CHECK(dead.reason == status);
        CHECK(dead.detail == std::string(detail.data, static_cast<size_t>(detail.len)));
        continue;
      }
      ++counts.accepted;
      std::vector<flow_value> output;
      for (int index : column_index) output.push_back(slots[index]);
      const flow_str expected = flow_json_encode(encoder.get(), output.data(), &arena);
      REQUIRE(next_emitted < host.emitted.size());
      CHECK(host.emitted[next_emitted++].value == std::string(expected.data, static_cast<size_t>(expected.len)));
    }
    CHECK(next_emitted == host.emitted.size());
    CHECK(next_dead == host.dead_letters.size());
  }
}

}  // namespace

TEST_CASE("codegen: the generated decoder fast path decodes exactly as flow_json_decode") {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<FieldSpec> clicks = {{"user", "string", false},
                                         {"url", "string", false},
                                         {"bytes", "int", false},
                                         {"ts", "timestamp", false},
                                         {"agent", "string", false}};
  const std::vector<FieldSpec> nullable = {{"a", "int", true},       {"b", "bool", true},     {"ts", "timestamp", true},
                                           {"d", "duration", true},  {"x", "float", true},    {"s", "string", true},
                                           {"s2", "string", true},   {"ab", "int", true}};
  const std::vector<FieldSpec> strict = {{"i", "int", false},      {"flag", "bool", false}, {"ts", "timestamp", false},
                                         {"d", "duration", false}, {"f", "float", false},   {"s", "string", false}};
  auto names = [](const std::vector<FieldSpec>& fields) {
    std::vector<std::string> out;
    for (const auto& f : fields) out.push_back(f.name);
    return out;
  };
  Counts counts;
  constexpr int kPerRun = 17000;
  run_differential(clicks, names(clicks), 11, kPerRun, 1 << 20, counts);
  run_differential(clicks, {"url", "bytes"}, 12, kPerRun, 1 << 20, counts);
  run_differential(nullable, names(nullable), 13, kPerRun, 1 << 20, counts);
  run_differential(nullable, {"s", "x"}, 14, kPerRun, 70, counts);  // a small limit: too-large records too
  run_differential(strict, names(strict), 15, kPerRun, 1 << 20, counts);
  run_differential(strict, {"flag", "ts"}, 16, kPerRun, 1 << 20, counts);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("decoder fast path: " << counts.records << " records, " << counts.accepted << " decoded, " << counts.fast
                                << " by the fast path (" << (100.0 * counts.fast / counts.records) << "%), in "
                                << seconds << " s");
  CHECK(counts.records >= 100000);
  CHECK(counts.fast > 0);
}
