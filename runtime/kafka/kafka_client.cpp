// librdkafka plumbing. Errors are returned as text naming the topic or property involved.
#include "runtime/kafka/kafka_client.hpp"

#include <fmt/format.h>

#include <chrono>
#include <optional>

#include <map>

#include <memory>

namespace flow::runtime {

rd_kafka_conf_t* make_kafka_conf(const std::string& brokers, const KafkaProperties& properties, std::string& error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char message[512];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), message, sizeof message) != RD_KAFKA_CONF_OK) {
    error = message;
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), message, sizeof message) != RD_KAFKA_CONF_OK) {
      // librdkafka's message may quote the value ("Invalid value …"): never a secret one.
      error = fmt::format("-X {}: {}", key, without_secrets(message, properties));
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  return conf;
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  if (message->err) {
    auto* producer = static_cast<Producer*>(opaque);
    {
      std::lock_guard lock(producer->error_mutex_);
      if (producer->delivery_failure_.empty())
        producer->delivery_failure_ = fmt::format("topic `{}` partition {}: {}", rd_kafka_topic_name(message->rkt),
                                                  message->partition, rd_kafka_err2str(message->err));
    }
    producer->failed_++;
  }
  // After the failure count: whoever sees its count drop to 0 also sees the failure.
  if (message->_private) static_cast<std::atomic<int64_t>*>(message->_private)->fetch_sub(1);
}

void Producer::on_error(rd_kafka_t*, int, const char* reason, void* opaque) {
  auto* producer = static_cast<Producer*>(opaque);
  std::lock_guard lock(producer->error_mutex_);
  producer->last_error_ = reason;
}

std::unique_ptr<Producer> Producer::create(const std::string& brokers, const KafkaProperties& properties,
                                           std::string& error) {
  std::unique_ptr<Producer> producer(new Producer());
  rd_kafka_conf_t* conf = make_kafka_conf(brokers, properties, error);
  if (!conf) return nullptr;
  char message[512];
  // Idempotence keeps retried records ordered and unduplicated; a short linger batches outputs.
  rd_kafka_conf_set(conf, "enable.idempotence", "true", message, sizeof message);
  rd_kafka_conf_set(conf, "linger.ms", "5", message, sizeof message);
  rd_kafka_conf_set(conf, "partitioner", "murmur2_random", message, sizeof message);
  rd_kafka_conf_set_opaque(conf, producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::on_delivery);
  rd_kafka_conf_set_error_cb(conf, &Producer::on_error);
  producer->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, message, sizeof message);
  if (!producer->rk_) {
    error = fmt::format("cannot create a Kafka producer: {}", message);
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  // A broker must answer a metadata request: otherwise every later call would wait out its own
  // timeout (30 s for a flush) and end with a vaguer message.
  // Short attempts, serving callbacks in between: the error callback (which names the cause, e.g.
  // a failed TLS handshake) only runs from rd_kafka_poll.
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int waited = 0; waited < kStartupTimeoutMs; waited += 500) {
    const rd_kafka_metadata_t* metadata = nullptr;
    err = rd_kafka_metadata(producer->rk_, 0, nullptr, &metadata, 500);
    if (metadata) rd_kafka_metadata_destroy(metadata);
    rd_kafka_poll(producer->rk_, 0);
    if (!err) break;
  }
  if (err) {
    std::string last;
    {
      std::lock_guard lock(producer->error_mutex_);
      last = producer->last_error_;
    }
    error = fmt::format("no Kafka broker at `{}` answered within {} s ({}{}{}); check the address and the -X "
                        "security settings (security.protocol, sasl.*, ssl.*)",
                        brokers, kStartupTimeoutMs / 1000, rd_kafka_err2str(err), last.empty() ? "" : ": ", last);
    rd_kafka_destroy(producer->rk_);
    producer->rk_ = nullptr;
    return nullptr;
  }
  return producer;
}

Producer::~Producer() {
  if (rk_) {
    rd_kafka_flush(rk_, 10'000);
    rd_kafka_destroy(rk_);
  }
}

bool Producer::produce(const std::string& topic, int32_t partition, const char* key, size_t key_len,
                       const char* value, size_t value_len, const std::vector<KafkaHeader>& headers,
                       std::atomic<int64_t>* in_flight, int64_t timestamp_ms) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& h : headers)
      rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                          static_cast<ssize_t>(h.value.size()));
  }
  if (in_flight) in_flight->fetch_add(1);
  std::optional<std::chrono::steady_clock::time_point> full_since;
  while (true) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(const_cast<char*>(key), key ? key_len : 0),
        RD_KAFKA_V_VALUE(const_cast<char*>(value), value_len), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(in_flight),
        RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      auto now = std::chrono::steady_clock::now();
      if (!full_since) full_since = now;
      bool waited_out = now - *full_since > std::chrono::milliseconds(kQueueFullTimeoutMs);
      if (!waited_out && failed_.load() == 0 && !gave_up_.load()) {
        rd_kafka_poll(rk_, 10);  // back-pressure: serve delivery reports, then retry
        continue;
      }
      gave_up_ = true;  // the run is failing: later records do not wait again
      std::lock_guard lock(error_mutex_);
      failure_ = failed_.load() > 0 ? "Kafka did not acknowledge earlier outputs, and the producer's queue is full"
                                    : fmt::format("Kafka did not acknowledge outputs for {} s, and the producer's "
                                                  "queue stayed full",
                                                  kQueueFullTimeoutMs / 1000);
      if (!last_error_.empty()) failure_ += " (last client error: " + last_error_ + ")";
    } else if (err) {
      std::lock_guard lock(error_mutex_);
      failure_ = rd_kafka_err2str(err);
    }
    if (err && hdrs) rd_kafka_headers_destroy(hdrs);
    if (err && in_flight) in_flight->fetch_sub(1);
    rd_kafka_poll(rk_, 0);
    return err == RD_KAFKA_RESP_ERR_NO_ERROR;
  }
}

void Producer::serve() { rd_kafka_poll(rk_, 0); }

std::string Producer::failure() {
  std::lock_guard lock(error_mutex_);
  return failure_;
}

std::string Producer::delivery_failure() {
  std::lock_guard lock(error_mutex_);
  return delivery_failure_;
}

bool Producer::flush(int timeout_ms) {
  return rd_kafka_flush(rk_, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR && failed_.load() == 0;
}

std::optional<int> topic_partition_count(rd_kafka_t* rk, const std::string& topic, std::string& error) {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, handle, &metadata, 10'000);
  rd_kafka_topic_destroy(handle);
  if (err) {
    error = fmt::format("cannot read the metadata of topic `{}`: {}", topic, rd_kafka_err2str(err));
    return std::nullopt;
  }
  std::optional<int> count;
  if (metadata->topic_cnt == 1 && !metadata->topics[0].err) count = metadata->topics[0].partition_cnt;
  else error = fmt::format("topic `{}` does not exist", topic);
  rd_kafka_metadata_destroy(metadata);
  return count;
}

std::vector<TopicRecord> read_topic(const std::string& brokers, const KafkaProperties& properties,
                                    const std::string& topic, std::string& error) {
  std::vector<TopicRecord> records;
  rd_kafka_conf_t* conf = make_kafka_conf(brokers, properties, error);
  if (!conf) return records;
  char message[512];
  rd_kafka_conf_set(conf, "group.id", "flowrun-reader", message, sizeof message);
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "100", message, sizeof message);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", message, sizeof message);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
  if (!rk) {
    error = message;
    return records;
  }
  // Every partition at once: the reads overlap instead of paying a fetch round trip each.
  auto count = topic_partition_count(rk, topic, error);
  std::map<int32_t, int64_t> end;  // per partition with records: its end offset
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(count ? *count : 1);
  for (int p = 0; count && p < *count; ++p) {
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10'000) || high <= low) continue;
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset = low;
    end[p] = high;
  }
  rd_kafka_assign(rk, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  std::map<int32_t, std::vector<TopicRecord>> by_partition;
  for (int idle = 0; !end.empty() && idle < 100;) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) {
      ++idle;
      continue;
    }
    if (!m->err) {
      TopicRecord record{m->partition, m->offset,
                         m->key ? std::string(static_cast<const char*>(m->key), m->key_len) : "",
                         std::string(static_cast<const char*>(m->payload), m->len), {},
                         rd_kafka_message_timestamp(m, nullptr)};
      rd_kafka_headers_t* hdrs = nullptr;
      if (!rd_kafka_message_headers(m, &hdrs)) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &value, &size); ++i)
          record.headers.push_back({name, std::string(static_cast<const char*>(value), size)});
      }
      by_partition[m->partition].push_back(std::move(record));
      auto it = end.find(m->partition);
      if (it != end.end() && m->offset + 1 >= it->second) end.erase(it);
    }
    rd_kafka_message_destroy(m);
  }
  for (auto& [partition, list] : by_partition)
    for (auto& record : list) records.push_back(std::move(record));
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return records;
}

}  // namespace flow::runtime
