// A record a query drops as late goes to its source's `late` topic as it was read: its key, value
// and Kafka timestamp, on the partition it came from, with headers saying why, from where and
// which query (record_collector.hpp).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "runtime/kafka/embedded_kafka.hpp"
#include "runtime/kafka/kafka_client.hpp"
#include "runtime/tasks/record_collector.hpp"
#include "tests/unit/support/checked_plan.hpp"

using namespace flow::runtime;

TEST_CASE("late records: the late topic gets the record's key, value and timestamp, with the reason in headers") {
  flow::compiler::physical::PhysicalPlan plan = flow::compiler::testing::checked_physical_plan(R"(
source views from kafka "views" as json { user: string, ts: timestamp }
    with (partitions = 2, event_time = ts, watermark = 1s, late = "views.late");
sink out to stdout;
query per_minute {
    from views
    | group by user window tumbling(1m)
    | aggregate count() as views
    | emit final
    | into out
}
)");
  REQUIRE(plan.sources.at(0).late == "views.late");
  EmbeddedKafka kafka;
  REQUIRE(kafka.create_topic("views.late", 2).empty());
  std::string error;
  auto producer = Producer::create(kafka.bootstrap_servers(), {}, error);
  REQUIRE_MESSAGE(producer, error);

  SharedRun shared;
  shared.physical = &plan;
  shared.producer = producer.get();
  shared.late_max_bytes = {1'000'000};
  shared.query_late_kept.push_back(std::make_unique<std::atomic<int64_t>>(0));
  TaskInput input;
  input.source = &plan.sources[0];
  input.partition = 1;
  RecordCollector collector(shared);
  std::string value = R"({"user":"ann","ts":"2026-01-01T00:00:20Z"})";
  flow_record record{value.data(), static_cast<int64_t>(value.size()), "ann", 3, 7, 1'767'225'620'000};
  collector.late(input, record, 0, "late: the window [a, b) of query `per_minute` closed at watermark c");
  REQUIRE(producer->flush(10'000));
  CHECK(shared.failure.empty());
  CHECK(shared.query_late_kept[0]->load() == 1);

  auto records = read_topic(kafka.bootstrap_servers(), {}, "views.late", error);
  REQUIRE(records.size() == 1);
  CHECK(records[0].partition == 1);
  CHECK(records[0].key == "ann");
  CHECK(records[0].value == value);
  CHECK(records[0].timestamp_ms == 1'767'225'620'000);
  std::map<std::string, std::string> headers;
  for (const auto& header : records[0].headers) headers[header.name] = header.value;
  CHECK(headers == std::map<std::string, std::string>{
                       {"flow.error", "late: the window [a, b) of query `per_minute` closed at watermark c"},
                       {"flow.source", "views"},
                       {"flow.partition", "1"},
                       {"flow.offset", "7"},
                       {"flow.query", "per_minute"}});
}
