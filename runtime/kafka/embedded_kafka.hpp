// The embedded Kafka: librdkafka's in-process mock cluster, for the demo and fast tests. Other
// clients and processes (kcat included) reach it through bootstrap_servers().
#pragma once

#include <memory>
#include <string>

namespace flow::runtime {

class EmbeddedKafka {
 public:
  //! Starts a cluster of `brokers` mock brokers; throws std::runtime_error if librdkafka cannot.
  explicit EmbeddedKafka(int brokers = 1);
  ~EmbeddedKafka();
  EmbeddedKafka(const EmbeddedKafka&) = delete;
  EmbeddedKafka& operator=(const EmbeddedKafka&) = delete;

  //! "127.0.0.1:port,..." for `bootstrap.servers`.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  //! Creates `topic` with `partitions` partitions; returns an error text on failure.
  std::string create_topic(const std::string& topic, int partitions);

 private:
  struct Handles;
  std::unique_ptr<Handles> handles_;
  std::string bootstrap_servers_;
};

}  // namespace flow::runtime
