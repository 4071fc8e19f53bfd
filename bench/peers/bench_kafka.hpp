// What the benchmark's C++ tools (clickgen, latency, passthrough) share: failing with a message,
// a librdkafka client from properties, and the vocabulary of the generated click records.
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

// The generated clicks' urls, user agents and countries (the same in the data and latency runs).
inline const char* kUrls[] = {"/", "/home", "/search", "/products/1042", "/products/2077/reviews",
                              "/cart", "/checkout", "/account/settings", "/help/shipping", "/logout",
                              "/blog/2024/streaming-at-scale", "/products/8812", "/health"};
inline const char* kAgents[] = {"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1",
                                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"};
inline const char* kCountries[] = {"DE", "FR", "US", "BR", "JP", "IN", "GB", "NL"};

}  // namespace bench
