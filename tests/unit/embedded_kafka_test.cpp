// The embedded Kafka is a real cluster to a client: a producer's record comes back to a consumer.
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <string>

#include "runtime/kafka/embedded_kafka.hpp"

using flow::runtime::EmbeddedKafka;

TEST_CASE("embedded Kafka: a produced record can be consumed from the declared partition") {
  EmbeddedKafka kafka;
  CHECK(kafka.bootstrap_servers().find("127.0.0.1:") == 0);
  REQUIRE(kafka.create_topic("clicks", 4).empty());

  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", kafka.bootstrap_servers().c_str(), error, sizeof error) ==
          RD_KAFKA_CONF_OK);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  REQUIRE(producer);
  std::string payload = R"({"user":"u1","url":"/a","bytes":10,"ts":0})";
  REQUIRE(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("clicks"), RD_KAFKA_V_PARTITION(3),
                            RD_KAFKA_V_VALUE(payload.data(), payload.size()), RD_KAFKA_V_END) ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_flush(producer, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);

  conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", kafka.bootstrap_servers().c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "group.id", "embedded-kafka-test", error, sizeof error);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  REQUIRE(consumer);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(assignment, "clicks", 3)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(consumer, assignment) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(assignment);

  std::string received;
  for (int attempt = 0; attempt < 100 && received.empty(); ++attempt) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
    if (!message) continue;
    if (!message->err) received.assign(static_cast<const char*>(message->payload), message->len);
    rd_kafka_message_destroy(message);
  }
  CHECK(received == payload);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
}

TEST_CASE("embedded Kafka: creating a topic twice reports an error") {
  EmbeddedKafka kafka;
  REQUIRE(kafka.create_topic("t", 2).empty());
  CHECK_FALSE(kafka.create_topic("t", 2).empty());
}
