// A topic's configuration as the cluster reports it (DescribeConfigs): what flowrun must respect
// when it writes to a topic it does not own, such as the largest record a dead-letter topic takes.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>

namespace flow::runtime {

//! The value of the topic's configuration `name`, or nothing when the cluster does not answer
//! DescribeConfigs within `timeout_ms`.
std::optional<std::string> topic_config_value(rd_kafka_t* rk, const std::string& topic, const char* name,
                                              int timeout_ms);

//! The topic's `max.message.bytes`, or nothing when the cluster does not answer DescribeConfigs
//! within `timeout_ms` (librdkafka's in-process mock cluster never does).
std::optional<int64_t> topic_max_message_bytes(rd_kafka_t* rk, const std::string& topic, int timeout_ms);

//! The client's own `message.max.bytes` (librdkafka refuses larger records before sending them).
int64_t client_max_message_bytes(rd_kafka_t* rk);

}  // namespace flow::runtime
