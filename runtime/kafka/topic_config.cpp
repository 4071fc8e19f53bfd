// DescribeConfigs for one topic (topic_config.hpp).
#include "runtime/kafka/topic_config.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>

namespace flow::runtime {

std::optional<std::string> topic_config_value(rd_kafka_t* rk, const std::string& topic, const char* name,
                                              int timeout_ms) {
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(rd_kafka_queue_new(rk),
                                                                             &rd_kafka_queue_destroy);
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS), &rd_kafka_AdminOptions_destroy);
  char message[256];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, message, sizeof message);
  rd_kafka_DescribeConfigs(rk, &resource, 1, options.get(), queue.get());
  rd_kafka_ConfigResource_destroy(resource);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), timeout_ms + 1000);
  if (!event) return std::nullopt;
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> owned(event, &rd_kafka_event_destroy);
  if (rd_kafka_event_error(event)) return std::nullopt;
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(event);
  if (!result) return std::nullopt;
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(result, &count);
  for (size_t r = 0; r < count; ++r) {
    if (rd_kafka_ConfigResource_error(resources[r])) continue;
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[r], &entries);
    for (size_t e = 0; e < entries; ++e) {
      const char* value = rd_kafka_ConfigEntry_value(configs[e]);
      if (value && std::strcmp(rd_kafka_ConfigEntry_name(configs[e]), name) == 0) return std::string(value);
    }
  }
  return std::nullopt;
}

std::optional<int64_t> topic_max_message_bytes(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  std::optional<std::string> value = topic_config_value(rk, topic, "max.message.bytes", timeout_ms);
  if (!value) return std::nullopt;
  return std::strtoll(value->c_str(), nullptr, 10);
}

int64_t client_max_message_bytes(rd_kafka_t* rk) {
  char value[32];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(rd_kafka_conf(rk), "message.max.bytes", value, &size) != RD_KAFKA_CONF_OK) return 1'000'000;
  return std::strtoll(value, nullptr, 10);
}

}  // namespace flow::runtime
