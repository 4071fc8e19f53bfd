// A mock cluster needs a librdkafka handle to live in; a producer handle is the lightest.
#include "runtime/kafka/embedded_kafka.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must follow rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>

namespace flow::runtime {

struct EmbeddedKafka::Handles {
  rd_kafka_t* owner = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;

  ~Handles() {
    if (cluster) rd_kafka_mock_cluster_destroy(cluster);
    if (owner) rd_kafka_destroy(owner);
  }
};

EmbeddedKafka::EmbeddedKafka(int brokers) : handles_(std::make_unique<Handles>()) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The owner handle never talks to a broker; keep it quiet.
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  handles_->owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!handles_->owner) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(fmt::format("embedded Kafka: cannot create a client: {}", error));
  }
  handles_->cluster = rd_kafka_mock_cluster_new(handles_->owner, brokers);
  if (!handles_->cluster) throw std::runtime_error("embedded Kafka: cannot start the mock cluster");
  bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(handles_->cluster);
}

EmbeddedKafka::~EmbeddedKafka() = default;

std::string EmbeddedKafka::create_topic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(handles_->cluster, topic.c_str(), partitions, 1);
  if (err) return fmt::format("cannot create topic `{}`: {}", topic, rd_kafka_err2str(err));
  return {};
}

}  // namespace flow::runtime
