// What the benchmarks' C++ tools (clickgen, latency, passthrough, bench/nexmark/nexmarkgen) share:
// failing with a message, a librdkafka client from properties, a consumer of a whole topic, and
// the vocabulary of the generated click records.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace bench {

//! The tool's name, for its messages; each tool sets it first thing in main.
inline const char* tool = "bench";

[[noreturn]] inline void die(const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", tool, msg.c_str());
  std::exit(2);
}

//! A client of `type` for `brokers` with `props` set; dies on a bad property.
inline rd_kafka_t* make(rd_kafka_type_t type, const std::string& brokers,
                        const std::vector<std::pair<std::string, std::string>>& props) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
  };
  set("bootstrap.servers", brokers);
  for (auto& [k, v] : props) set(k, v);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) die(err);
  return rk;
}

//! Assigns every partition of `topic` to the consumer `rk`, from the beginning; returns how many
//! partitions it has. Dies if the broker gives no metadata for the topic.
inline int assign_from_beginning(rd_kafka_t* rk, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 ||
      md->topics[0].err)
    die("no metadata for " + topic);
  int parts = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_topic_partition_list_t* tp = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; ++p)
    rd_kafka_topic_partition_list_add(tp, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, tp);
  rd_kafka_topic_partition_list_destroy(tp);
  return parts;
}

//! Reads `topic` from its beginning to its end (as it is when each partition is reached), calling
//! `fn(const rd_kafka_message_t&)` for every record; dies on a consumer error.
template <class Fn>
void for_each_record(const std::string& brokers, const std::string& group, const std::string& topic, Fn&& fn) {
  rd_kafka_t* rk = make(RD_KAFKA_CONSUMER, brokers,
                        {{"group.id", group},
                         {"enable.auto.commit", "false"},
                         {"enable.partition.eof", "true"},
                         {"isolation.level", "read_uncommitted"}});
  rd_kafka_poll_set_consumer(rk);
  int parts = assign_from_beginning(rk, topic);
  int eof = 0;
  while (eof < parts) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) ++eof;
    else if (m->err) die(rd_kafka_message_errstr(m));
    else fn(*m);
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

// The generated clicks' urls, user agents and countries (the same in the data and latency runs).
inline const char* kUrls[] = {"/", "/home", "/search", "/products/1042", "/products/2077/reviews",
                              "/cart", "/checkout", "/account/settings", "/help/shipping", "/logout",
                              "/blog/2024/streaming-at-scale", "/products/8812", "/health"};
inline const char* kAgents[] = {"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1",
                                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"};
inline const char* kCountries[] = {"DE", "FR", "US", "BR", "JP", "IN", "GB", "NL"};

}  // namespace bench
