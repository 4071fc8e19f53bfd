// flow_kafka_admin: the topic chores of the real-broker tests, through librdkafka's admin API
// (a JVM start per topic with Kafka's TopicCommand would cost seconds each).
//   flow_kafka_admin BROKERS create TOPIC PARTITIONS [TOPIC PARTITIONS]...
//     (PARTITIONS may carry topic configs: `1:max.message.bytes=20000000,retention.ms=1000`)
//   flow_kafka_admin BROKERS partitions TOPIC       prints the topic's partition count
//   flow_kafka_admin BROKERS count TOPIC            prints the sum of its partitions' end offsets
//   flow_kafka_admin BROKERS delete-records TOPIC PARTITION OFFSET
//                                                   deletes the partition's records before OFFSET
//                                                   (what retention does): its low watermark moves
// Exit 0 on success; 1 with a message on stderr otherwise. Every call is bounded (30 s).
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr int kTimeoutMs = 30'000;

//! The answer to the admin request sent to `queue`; null, with the reason printed, when there is
//! none in time or it is an error.
rd_kafka_event_t* admin_answer(rd_kafka_queue_t* queue, const char* request) {
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, kTimeoutMs + 5'000);
  if (!event) {
    std::fprintf(stderr, "flow_kafka_admin: no answer to %s within %d s\n", request, kTimeoutMs / 1000 + 5);
  } else if (rd_kafka_event_error(event)) {
    std::fprintf(stderr, "flow_kafka_admin: %s: %s\n", request, rd_kafka_event_error_string(event));
    rd_kafka_event_destroy(event);
    event = nullptr;
  }
  return event;
}

rd_kafka_t* connect(const std::string& brokers, rd_kafka_type_t type) {
  char message[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), message, sizeof message);
  if (type == RD_KAFKA_CONSUMER) rd_kafka_conf_set(conf, "group.id", "flow-kafka-admin", message, sizeof message);
  rd_kafka_t* rk = rd_kafka_new(type, conf, message, sizeof message);
  if (!rk) std::fprintf(stderr, "flow_kafka_admin: %s\n", message);
  return rk;
}

int create(const std::string& brokers, const std::vector<std::string>& args) {
  if (args.empty() || args.size() % 2) {
    std::fprintf(stderr, "flow_kafka_admin: create takes TOPIC PARTITIONS pairs\n");
    return 1;
  }
  rd_kafka_t* rk = connect(brokers, RD_KAFKA_PRODUCER);
  if (!rk) return 1;
  char message[512];
  std::vector<rd_kafka_NewTopic_t*> topics;
  for (size_t i = 0; i < args.size(); i += 2) {
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(args[i].c_str(), std::atoi(args[i + 1].c_str()), 1, message,
                                                       sizeof message);
    if (!topic) {
      std::fprintf(stderr, "flow_kafka_admin: topic `%s`: %s\n", args[i].c_str(), message);
      return 1;
    }
    size_t colon = args[i + 1].find(':');
    for (size_t at = colon; at != std::string::npos;) {
      size_t end = args[i + 1].find(',', at + 1);
      std::string setting = args[i + 1].substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
      size_t equals = setting.find('=');
      if (equals == std::string::npos ||
          rd_kafka_NewTopic_set_config(topic, setting.substr(0, equals).c_str(), setting.substr(equals + 1).c_str())) {
        std::fprintf(stderr, "flow_kafka_admin: topic `%s`: bad config `%s`\n", args[i].c_str(), setting.c_str());
        return 1;
      }
      at = end;
    }
    topics.push_back(topic);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, kTimeoutMs, message, sizeof message);
  // Wait until the controller has the topics, so the next metadata request sees them.
  rd_kafka_AdminOptions_set_operation_timeout(options, kTimeoutMs, message, sizeof message);
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), options, queue);
  rd_kafka_event_t* event = admin_answer(queue, "CreateTopics");
  int status = event ? 0 : 1;
  if (event) {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i)
      if (rd_kafka_topic_result_error(results[i])) {
        std::fprintf(stderr, "flow_kafka_admin: topic `%s`: %s\n", rd_kafka_topic_result_name(results[i]),
                     rd_kafka_topic_result_error_string(results[i]));
        status = 1;
      }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(rk);
  return status;
}

int partitions_or_count(const std::string& brokers, const std::string& command, const std::string& topic) {
  rd_kafka_t* rk = connect(brokers, RD_KAFKA_CONSUMER);
  if (!rk) return 1;
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, handle, &metadata, kTimeoutMs);
  rd_kafka_topic_destroy(handle);
  int status = 0;
  if (err || metadata->topic_cnt != 1 || metadata->topics[0].err) {
    std::fprintf(stderr, "flow_kafka_admin: topic `%s`: %s\n", topic.c_str(),
                 rd_kafka_err2str(err ? err : metadata->topics[0].err));
    status = 1;
  } else if (command == "partitions") {
    std::printf("%d\n", metadata->topics[0].partition_cnt);
  } else {
    long long total = 0;
    for (int p = 0; p < metadata->topics[0].partition_cnt && !status; ++p) {
      int64_t low = 0, high = 0;
      if (rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, kTimeoutMs)) {
        std::fprintf(stderr, "flow_kafka_admin: topic `%s` partition %d: %s\n", topic.c_str(), p, rd_kafka_err2str(e));
        status = 1;
      }
      total += high;
    }
    if (!status) std::printf("%lld\n", total);
  }
  if (metadata) rd_kafka_metadata_destroy(metadata);
  rd_kafka_destroy(rk);
  return status;
}

int delete_records(const std::string& brokers, const std::string& topic, int partition, int64_t before) {
  rd_kafka_t* rk = connect(brokers, RD_KAFKA_PRODUCER);
  if (!rk) return 1;
  char message[512];
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, topic.c_str(), partition)->offset = before;
  rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(offsets);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETERECORDS);
  rd_kafka_AdminOptions_set_request_timeout(options, kTimeoutMs, message, sizeof message);
  rd_kafka_AdminOptions_set_operation_timeout(options, kTimeoutMs, message, sizeof message);
  rd_kafka_DeleteRecords(rk, &request, 1, options, queue);
  rd_kafka_event_t* event = admin_answer(queue, "DeleteRecords");
  int status = event ? 0 : 1;
  if (event) {
    const rd_kafka_topic_partition_list_t* result =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event));
    for (int i = 0; i < result->cnt; ++i)
      if (result->elems[i].err) {
        std::fprintf(stderr, "flow_kafka_admin: topic `%s` partition %d: %s\n", result->elems[i].topic,
                     result->elems[i].partition, rd_kafka_err2str(result->elems[i].err));
        status = 1;
      }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_DeleteRecords_destroy(request);
  rd_kafka_topic_partition_list_destroy(offsets);
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(rk);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 3 && args[1] == "create")
    return create(args[0], std::vector<std::string>(args.begin() + 2, args.end()));
  if (args.size() == 3 && (args[1] == "partitions" || args[1] == "count"))
    return partitions_or_count(args[0], args[1], args[2]);
  if (args.size() == 5 && args[1] == "delete-records")
    return delete_records(args[0], args[2], std::atoi(args[3].c_str()), std::atoll(args[4].c_str()));
  std::fprintf(stderr,
               "usage: flow_kafka_admin BROKERS create TOPIC PARTITIONS [TOPIC PARTITIONS]...\n"
               "       flow_kafka_admin BROKERS partitions|count TOPIC\n"
               "       flow_kafka_admin BROKERS delete-records TOPIC PARTITION OFFSET\n");
  return 2;
}
