// Loading input: a line over the producer's limit stops the load before anything is produced,
// naming the file, line, size and limit; a record the broker refuses keeps the broker's reason.
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <string>
#include <vector>

#include "runtime/kafka/embedded_kafka.hpp"
#include "runtime/kafka/kafka_client.hpp"
#include "runtime/launcher/input_loader.hpp"
#include "support/checked_plan.hpp"

using namespace flow::runtime;

namespace {

const char* kApp = R"(
source clicks from kafka "clicks" as json { user: string } with (partitions = 1);
sink out to stdout;
query q { from clicks | into out }
)";

}  // namespace

TEST_CASE("input loading: a line over message.max.bytes stops the load before any record is produced") {
  auto plan = flow::compiler::testing::checked_physical_plan(kApp);
  EmbeddedKafka kafka;
  REQUIRE(kafka.create_topic("clicks", 1).empty());
  std::string error;
  auto producer = Producer::create(kafka.bootstrap_servers(), {{"message.max.bytes", "1000"}}, error);
  REQUIRE(producer);
  REQUIRE(max_message_bytes(producer->handle()) == 1000);
  std::string fits(1000 - kRecordFraming - 11, 'a'), over(1000 - kRecordFraming - 10, 'a');
  std::vector<std::string> lines = {R"({"user":"ann"})", "", R"({"user":")" + fits + R"("})",
                                    R"({"user":")" + over + R"("})"};
  CHECK(lines[2].size() + kRecordFraming == 1000);
  int64_t count = 0;
  CHECK(!produce_lines(*producer, plan, plan.sources[0], lines, "in.jsonl", error, count));
  CHECK(error.find("in.jsonl, line 4: the record is 1001 bytes") != std::string::npos);
  CHECK(error.find("message.max.bytes of 1000") != std::string::npos);
  CHECK(count == 0);
  REQUIRE(producer->flush(10'000));
  int64_t low = -1, high = -1;
  REQUIRE(rd_kafka_query_watermark_offsets(producer->handle(), "clicks", 0, &low, &high, 10'000) == 0);
  CHECK(high == 0);  // nothing of the file reached the topic
  // The largest record that fits is produced: the check is librdkafka's own, not a guess.
  lines.pop_back();
  CHECK(produce_lines(*producer, plan, plan.sources[0], lines, "in.jsonl", error, count));
  CHECK(count == 2);
  CHECK(producer->flush(10'000));
}

TEST_CASE("input loading: a record the broker refuses keeps the broker's reason") {
  // A cluster of its own, to make it refuse a produce request (EmbeddedKafka hides its handle).
  char text[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", text, sizeof text);  // it has no bootstrap.servers: no warning
  rd_kafka_t* owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, text, sizeof text);
  REQUIRE(owner);
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(owner, 1);
  REQUIRE(cluster);
  REQUIRE(rd_kafka_mock_topic_create(cluster, "clicks", 1, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  std::string error;
  {
    auto producer = Producer::create(rd_kafka_mock_cluster_bootstraps(cluster), {}, error);
    REQUIRE(producer);
    CHECK(producer->delivery_failure().empty());
    const int16_t produce_api = 0;
    rd_kafka_mock_push_request_errors(cluster, produce_api, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    std::string value = R"({"user":"ann"})";
    REQUIRE(producer->produce("clicks", 0, nullptr, 0, value.data(), value.size()));
    CHECK(!producer->flush(10'000));
    CHECK(producer->delivery_failure() == "topic `clicks` partition 0: Broker: Message size too large");
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(owner);
}
