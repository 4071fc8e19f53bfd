// The changelog topics (changelog_topics.hpp).
#include "runtime/launcher/changelog_topics.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "runtime/kafka/topic_config.hpp"

namespace flow::runtime {

namespace {

constexpr int kTimeoutMs = 10'000;
constexpr size_t kMaxTopicLength = 249;  // Kafka's limit

//! The topic's partition count; none when it does not exist; an error otherwise. Asked in the
//! metadata of every topic: a request for one topic may create it with the cluster's defaults
//! (a broker's auto.create.topics.enable, and librdkafka's mock always), which for a changelog
//! would be the wrong partition count and cleanup policy.
//! With `wait_for_leaders`, a topic some partition of which has no leader yet counts as not there.
std::optional<int> partitions_of(rd_kafka_t* rk, const std::string& topic, std::string& error,
                                 bool wait_for_leaders = false) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, kTimeoutMs);
  if (err) {
    error = fmt::format("cannot read the cluster's metadata (for topic `{}`): {}", topic, rd_kafka_err2str(err));
    return std::nullopt;
  }
  std::optional<int> count;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (topic != metadata->topics[i].topic) continue;
    bool led = true;  // every partition has a leader: it can be read and written
    for (int p = 0; p < metadata->topics[i].partition_cnt; ++p) led &= metadata->topics[i].partitions[p].leader >= 0;
    if (!metadata->topics[i].err && (led || !wait_for_leaders))
      count = metadata->topics[i].partition_cnt;
    else if (metadata->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      error = fmt::format("topic `{}`: {}", topic, rd_kafka_err2str(metadata->topics[i].err));
  }
  rd_kafka_metadata_destroy(metadata);
  return count;
}

std::string create_compacted(rd_kafka_t* rk, const std::string& topic, int partitions) {
  char message[512];
  rd_kafka_NewTopic_t* new_topic = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, message, sizeof message);
  if (!new_topic) return fmt::format("cannot create topic `{}`: {}", topic, message);
  rd_kafka_NewTopic_set_config(new_topic, "cleanup.policy", "compact");
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(rd_kafka_queue_new(rk),
                                                                             &rd_kafka_queue_destroy);
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS), &rd_kafka_AdminOptions_destroy);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), kTimeoutMs, message, sizeof message);
  rd_kafka_CreateTopics(rk, &new_topic, 1, options.get(), queue.get());
  rd_kafka_NewTopic_destroy(new_topic);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), kTimeoutMs + 2000);
  if (!event) return fmt::format("cannot create topic `{}`: no answer from the cluster", topic);
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> owned(event, &rd_kafka_event_destroy);
  if (rd_kafka_event_error(event))
    return fmt::format("cannot create topic `{}`: {}", topic, rd_kafka_event_error_string(event));
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* why = rd_kafka_topic_result_error_string(results[i]);
      return fmt::format("cannot create topic `{}`: {}", topic, why ? why : rd_kafka_err2str(err));
    }
  }
  return "";
}

}  // namespace

std::string task_changelog_topic(const std::string& app_id, const std::string& first_source) {
  return app_id + "-" + first_source + "-changelog";
}

std::string shared_changelog_topic(const std::string& app_id, const std::string& store) {
  return app_id + "-query-" + store + "-changelog";
}

std::string ensure_changelog_topic(rd_kafka_t* rk, const std::string& topic, int partitions, bool describes_configs,
                                   const CreateTopic& create) {
  if (topic.size() > kMaxTopicLength)
    return fmt::format("the changelog topic `{}` would be {} characters long, more than Kafka's {}: use a shorter "
                       "--app-id, or --changelog off",
                       topic, topic.size(), kMaxTopicLength);
  std::string error;
  std::optional<int> count = partitions_of(rk, topic, error);
  if (!error.empty()) return error;
  if (!count) {
    error = create ? create(topic, partitions) : create_compacted(rk, topic, partitions);
    if (!error.empty()) return fmt::format("{} (the changelog of keyed state; --changelog off runs without one)", error);
    // A topic just created reaches every broker's metadata a moment later.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    while (!(count = partitions_of(rk, topic, error, true)) && error.empty() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!error.empty()) return error;
    if (!count) return fmt::format("changelog topic `{}` was created but the cluster does not show it", topic);
  }
  if (*count != partitions)
    return fmt::format("changelog topic `{}` has {} partitions, but its store has {} tasks: it belongs to another "
                       "version of the application (other partition counts); give this one another --app-id, or "
                       "delete the topic together with the state directory",
                       topic, *count, partitions);
  if (describes_configs) {
    std::optional<std::string> policy = topic_config_value(rk, topic, "cleanup.policy", 5'000);
    if (policy && *policy != "compact")
      return fmt::format("changelog topic `{}` has cleanup.policy={}: retention would delete state that is still "
                         "current; set it to compact alone (kafka-configs.sh --alter --entity-type topics "
                         "--entity-name {} --add-config cleanup.policy=compact)",
                         topic, *policy, topic);
  }
  return "";
}

}  // namespace flow::runtime
