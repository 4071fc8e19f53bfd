// Thin RAII wrappers over librdkafka for what flowrun needs: a producer for sinks, dead letters
// and input files; topic metadata; reading a topic back (for --show-output and tests).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/kafka/kafka_properties.hpp"

namespace flow::runtime {

//! How long flowrun waits at startup for a broker to answer before it stops with a message.
constexpr int kStartupTimeoutMs = 10'000;

//! A librdkafka configuration with bootstrap.servers and the user's -X properties applied.
rd_kafka_conf_t* make_kafka_conf(const std::string& brokers, const KafkaProperties& properties, std::string& error);

struct KafkaHeader {
  std::string name;
  std::string value;
};

class Producer {
 public:
  //! Idempotent producer (ordered, no duplicates on retry); null and `error` on failure, also when
  //! no broker answers within `kStartupTimeoutMs` (wrong address, or -X security settings the
  //! brokers do not speak): a clear message instead of waiting for the first flush to time out.
  static std::unique_ptr<Producer> create(const std::string& brokers, const KafkaProperties& properties,
                                          std::string& error);
  ~Producer();

  //! Queues one record; partition -1 lets the partitioner choose from the key. With `in_flight`,
  //! the counter is 1 higher until the record's delivery report (acknowledged or failed) is served.
  //! A full queue is back-pressure: it waits for Kafka to take records, but at most
  //! kQueueFullTimeoutMs, and not at all once a delivery has failed or a produce() gave up: with
  //! Kafka gone the queue would drain only when records expire (message.timeout.ms, 5 minutes).
  //! `timestamp_ms`: the record's timestamp (0: the time it is produced). False on failure;
  //! failure() says why.
  bool produce(const std::string& topic, int32_t partition, const char* key, size_t key_len, const char* value,
               size_t value_len, const std::vector<KafkaHeader>& headers = {},
               std::atomic<int64_t>* in_flight = nullptr, int64_t timestamp_ms = 0);
  //! Serves the delivery reports that have arrived, without waiting.
  void serve();
  //! Waits until every queued record is acknowledged; false on timeout or a failed delivery.
  bool flush(int timeout_ms);
  rd_kafka_t* handle() { return rk_; }
  int64_t failed_deliveries() const { return failed_.load(); }
  //! Why the last produce() failed, in words.
  std::string failure();
  //! The first failed delivery (Kafka refused or never acknowledged a record): its topic,
  //! partition and librdkafka's reason; empty when none failed.
  std::string delivery_failure();

  static constexpr int kQueueFullTimeoutMs = 30'000;  //!< as long as a trigger's flush may wait

 private:
  Producer() = default;
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque);
  rd_kafka_t* rk_ = nullptr;
  std::atomic<int64_t> failed_{0};
  std::atomic<bool> gave_up_{false};  //!< a produce() gave up on a full queue
  std::mutex error_mutex_;
  std::string last_error_;  // the latest client-level error (connection, TLS, SASL), for messages
  std::string failure_;     // why the last produce() failed
  std::string delivery_failure_;  // the first failed delivery report
};

//! The partition count of `topic` from the cluster's metadata, or nothing (and `error`).
std::optional<int> topic_partition_count(rd_kafka_t* rk, const std::string& topic, std::string& error);

struct TopicRecord {
  int32_t partition;
  int64_t offset;
  std::string key;
  std::string value;
  std::vector<KafkaHeader> headers;
  int64_t timestamp_ms = 0;  //!< the record's Kafka timestamp
};

//! Every record of `topic` from the beginning to its current end, partition by partition.
std::vector<TopicRecord> read_topic(const std::string& brokers, const KafkaProperties& properties,
                                    const std::string& topic, std::string& error);

}  // namespace flow::runtime
