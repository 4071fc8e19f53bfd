// The compiled pipeline of the main example on a small batch: records pass or are filtered,
// tallies count, keyed state receives what passed, bad records are dead-lettered with a reason.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/codegen/codegen.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "tests/unit/support/checked_plan.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"

using namespace flow;
using namespace flow::compiler;

namespace {

plan::Plan plan_of(const std::string& text) { return testing::checked_plan(text); }

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Batch {
  std::vector<std::string> values;
  std::vector<flow_record> records;
  explicit Batch(std::vector<std::string> v) : values(std::move(v)) {
    for (size_t i = 0; i < values.size(); ++i)
      records.push_back({values[i].data(), static_cast<int64_t>(values[i].size()), nullptr, 0,
                         static_cast<int64_t>(100 + i), 5000});
  }
};

//! Runs the one-source, one-query plan of `text` over `values` (JSON records) into `host`.
void run_query(const std::string& text, const std::vector<std::string>& values, runtime::RecordingHost& host) {
  plan::Plan plan = plan_of(text);
  std::string error;
  auto program = codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error);
  INFO(error);
  REQUIRE(program);
  const plan::SourcePlan& source = plan.sources.front();
  auto decoder = runtime::make_decoder(source.schema, physical::needed_fields(plan, source.name), 1 << 20);
  auto encoder = runtime::make_encoder(plan.queries.front().operators.back()->output);
  const flow_encoder* encoders[] = {encoder.get()};
  Batch batch(values);
  program->batch_function(source.name)(host.task(), decoder.get(), encoders, batch.records.data(),
                                        static_cast<int64_t>(batch.records.size()));
}

}  // namespace

TEST_CASE("codegen: the main example's pipelines filter, tally, hand over to state and dead-letter") {
  plan::Plan plan = plan_of(read(FLOW_SOURCE_DIR "/examples/clicks/clicks.flow"));
  std::string error;
  auto program = codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error);
  INFO(error);
  REQUIRE(program);
  flow_batch_fn clicks = program->batch_function("clicks");
  REQUIRE(static_cast<bool>(clicks));

  const plan::SourcePlan& source = plan.sources.front();
  auto decoder = runtime::make_decoder(source.schema, physical::needed_fields(plan, "clicks"), 1 << 20);
  std::vector<const flow_encoder*> encoder_pointers;
  for (const auto& query : plan.queries) {
    // Both queries end in keyed state: generated code never encodes for them.
    REQUIRE(query.stateful_operator() != nullptr);
    encoder_pointers.push_back(nullptr);
  }

  Batch batch({
      R"({"user":"ann","url":"/a","bytes":10,"ts":60000})",
      R"({"user":"bob","url":"/health","bytes":1,"ts":61000})",
      R"({"user":"ann","url":"/b","bytes":"many","ts":62000})",
      R"(not json)",
      R"({"user":"cid","url":"/c","bytes":30,"ts":"1970-01-01T00:01:03Z"})",
  });
  runtime::RecordingHost host;
  clicks(host.task(), decoder.get(), encoder_pointers.data(), batch.records.data(),
         static_cast<int64_t>(batch.records.size()));

  // Two records are bad: one field of the wrong type, one not JSON. Each names why.
  REQUIRE(host.dead_letters.size() == 2);
  CHECK(host.dead_letters[0].offset == 102);
  CHECK(host.dead_letters[0].reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(host.dead_letters[0].detail.find("bytes") != std::string::npos);
  CHECK(host.dead_letters[1].offset == 103);
  CHECK(host.dead_letters[1].reason == FLOW_DECODE_MALFORMED_JSON);

  // health_checks counts the one /health record, in the query that tallies before filtering.
  CHECK(host.tallies[0] == 1);

  // Both queries hand the non-health records to their keyed state, with the record's event time
  // from `ts`: sessionize (query 1, keyed by user) the record, views_per_minute (query 0) its
  // group (url) and the aggregates' arguments (none for count(), bytes for sum(bytes)).
  REQUIRE(host.handed_to_state.size() == 2);
  CHECK(host.handed_to_state[0].query == 1);
  CHECK(host.handed_to_state[0].key->text == "ann");
  CHECK(host.handed_to_state[0].event_time_ms == 60000);
  CHECK(host.handed_to_state[1].key->text == "cid");
  CHECK(host.handed_to_state[1].event_time_ms == 63000);
  CHECK(host.handed_to_state[1].fields.at(1).text == "/c");
  REQUIRE(host.handed_to_aggregate.size() == 2);
  CHECK(host.handed_to_aggregate[0].query == 0);
  CHECK(host.handed_to_aggregate[0].event_time_ms == 60000);
  REQUIRE(host.handed_to_aggregate[1].fields.size() == 3);
  CHECK(host.handed_to_aggregate[1].fields[0].text == "/c");
  CHECK(host.handed_to_aggregate[1].fields[1].raw.is_null == 1);
  CHECK(host.handed_to_aggregate[1].fields[2].raw.bits == 30);
  CHECK(host.emitted.empty());  // both queries end in keyed state, not directly in a sink

  // Records in = records handed on + filtered + dead-lettered, per query.
  CHECK(batch.records.size() == 2 /* to each query's state */ + 1 /* /health filtered */ + 2 /* dead */);
}

TEST_CASE("codegen: a stateless query encodes its projection and keys the message") {
  plan::Plan plan = plan_of(R"(
source clicks from kafka "clicks" as json { user: string, url: string, bytes: int } with (partitions = 2);
sink out to kafka "out" as json;
query clean {
    from clicks
    | where bytes > 0 and not starts_with(url, "/internal")
    | key by user
    | select lower(user) as user, concat("https://x.io", url) as link, bytes / 1024 as kib
    | into out
}
)");
  std::string error;
  auto program = codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error);
  INFO(error);
  REQUIRE(program);
  const plan::SourcePlan& source = plan.sources.front();
  std::vector<bool> needed = physical::needed_fields(plan, "clicks");
  CHECK(needed == std::vector<bool>{true, true, true});
  auto decoder = runtime::make_decoder(source.schema, needed, 1 << 20);
  auto encoder = runtime::make_encoder(plan.queries.front().operators.back()->output);
  const flow_encoder* encoders[] = {encoder.get()};
  Batch batch({R"({"user":"Ann","url":"/p?q=1","bytes":4096})", R"({"user":"Bob","url":"/internal/x","bytes":5})",
               R"({"user":"Cid","url":"/z","bytes":0})", R"({"user":"Dee","url":"/é","bytes":1023,"extra":[1,2]})"});
  runtime::RecordingHost host;
  program->batch_function("clicks")(host.task(), decoder.get(), encoders, batch.records.data(),
                                    static_cast<int64_t>(batch.records.size()));
  REQUIRE(host.emitted.size() == 2);
  CHECK(host.emitted[0].key == "Ann");
  CHECK(host.emitted[0].value == R"({"user":"ann","link":"https://x.io/p?q=1","kib":4})");
  CHECK(host.emitted[1].key == "Dee");
  CHECK(host.emitted[1].value == R"({"user":"dee","link":"https://x.io/é","kib":0})");
  CHECK(host.emitted[0].event_time_ms == 5000);  // no event_time declared: the Kafka timestamp
  CHECK(host.dead_letters.empty());
}

TEST_CASE("codegen: only the fields a query uses are decoded") {
  plan::Plan plan = plan_of(R"(
source clicks from kafka "clicks" as json { user: string, url: string, bytes: int, agent: string } with (partitions = 1);
sink out to stdout;
query small { from clicks | where bytes > 10 | select user | into out }
)");
  CHECK(physical::needed_fields(plan, "clicks") == std::vector<bool>{true, false, true, false});
}

TEST_CASE("codegen: a second compilation of the same plan loads the machine code from the cache") {
  plan::Plan plan = plan_of(R"(
source clicks from kafka "clicks" as json { user: string, bytes: int } with (partitions = 1);
sink out to stdout;
query big { from clicks | where bytes > 10 | select user, bytes * 2 as twice | into out }
)");
  std::string directory = (std::filesystem::temp_directory_path() / ("flow-cache-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(directory);
  std::string error;
  auto first = codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error, directory);
  INFO(error);
  REQUIRE(first);
  CHECK_FALSE(first->timings().cache_hit);
  auto second = codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error, directory);
  REQUIRE(second);
  CHECK(second->timings().cache_hit);
  MESSAGE("compile: " << first->timings().optimise_ms + first->timings().machine_ms
                      << " ms; from the cache: " << second->timings().optimise_ms + second->timings().machine_ms << " ms");

  // The cached code runs like the compiled one.
  const plan::SourcePlan& source = plan.sources.front();
  auto decoder = runtime::make_decoder(source.schema, physical::needed_fields(plan, "clicks"), 1 << 20);
  auto encoder = runtime::make_encoder(plan.queries.front().operators.back()->output);
  const flow_encoder* encoders[] = {encoder.get()};
  Batch batch({R"({"user":"ann","bytes":21})", R"({"user":"bob","bytes":3})"});
  runtime::RecordingHost host;
  second->batch_function("clicks")(host.task(), decoder.get(), encoders, batch.records.data(),
                                   static_cast<int64_t>(batch.records.size()));
  REQUIRE(host.emitted.size() == 1);
  CHECK(host.emitted[0].value == R"({"user":"ann","twice":42})");

  // A different plan does not hit the first plan's object.
  plan::Plan other = plan_of(R"(
source clicks from kafka "clicks" as json { user: string, bytes: int } with (partitions = 1);
sink out to stdout;
query big { from clicks | where bytes > 11 | select user, bytes * 2 as twice | into out }
)");
  auto third = codegen::JitProgram::compile(other, runtime::RecordingHost::symbols(), error, directory);
  REQUIRE(third);
  CHECK_FALSE(third->timings().cache_hit);
  std::filesystem::remove_all(directory);
}

TEST_CASE("codegen: explode runs the operators after it once per element, a null or empty list gives no record") {
  runtime::RecordingHost host;
  run_query(R"(
source lines from kafka "lines" as json { id: int, line: string? } with (partitions = 1);
sink out to stdout;
metric words;
query q {
    from lines
    | select split(line, ",") as parts, id
    | explode parts as word
    | tally words
    | where word != "skip"
    | key by id
    | into out
}
)",
            {R"({"id":1,"line":"a,skip,b"})", R"({"id":2,"line":null})", R"({"id":3,"line":""})",
             R"({"id":4,"line":"c"})"},
            host);
  REQUIRE(host.emitted.size() == 4);
  // The list itself reaches the sink as a JSON array, next to each element.
  CHECK(host.emitted[0].value == R"({"parts":["a","skip","b"],"id":1,"word":"a"})");
  CHECK(host.emitted[1].value == R"({"parts":["a","skip","b"],"id":1,"word":"b"})");
  CHECK(host.emitted[2].value == R"({"parts":[""],"id":3,"word":""})");  // "" is one empty piece
  CHECK(host.emitted[3].value == R"({"parts":["c"],"id":4,"word":"c"})");
  CHECK(host.emitted[0].key == "1");
  CHECK(host.emitted[3].key == "4");
  CHECK(host.tallies.at(0) == 5);  // a, skip, b, "", c: the null list none
  CHECK(host.dead_letters.empty());
}

TEST_CASE("codegen: a split list that does not fit the arena dead-letters the record, never passes as empty") {
  runtime::RecordingHost host;
  std::string many(3000, ',');  // 3001 pieces of 24 bytes: more than the 64 KiB arena
  run_query(R"(
source lines from kafka "lines" as json { line: string } with (partitions = 1);
sink out to stdout;
query q {
    from lines
    | explode regexp_split(line, ",") as word
    | into out
}
)",
            {R"({"line":")" + many + R"("})", R"({"line":"x,y"})"}, host);
  REQUIRE(host.dead_letters.size() == 1);
  CHECK(host.dead_letters[0].offset == 100);
  CHECK(host.dead_letters[0].reason == FLOW_DECODE_TOO_LARGE);
  CHECK(host.dead_letters[0].detail.find("explode regexp_split(line, \",\")") != std::string::npos);
  REQUIRE(host.emitted.size() == 2);  // the next record is exploded as usual
  CHECK(host.emitted[0].value == R"({"line":"x,y","word":"x"})");
  CHECK(host.emitted[1].value == R"({"line":"x,y","word":"y"})");
}
