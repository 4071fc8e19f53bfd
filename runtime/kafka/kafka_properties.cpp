// The user's librdkafka properties (kafka_properties.hpp): reading them, and never showing a secret.
#include "runtime/kafka/kafka_properties.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

namespace flow::runtime {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string_view trimmed(std::string_view text) {
  size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  size_t last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

//! Values shorter than this are not searched for in messages: a `1` would mask every digit.
constexpr size_t kShortestMaskedValue = 3;

}  // namespace

bool read_properties_file(const std::string& path, KafkaProperties& properties, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = fmt::format("cannot read Kafka properties file `{}`: {}", path, std::strerror(errno));
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view text = trimmed(line);
    if (text.empty() || text.front() == '#') continue;
    size_t equals = line.find('=');
    std::string_view key =
        equals == std::string::npos ? std::string_view{} : trimmed(std::string_view(line).substr(0, equals));
    if (key.empty()) {
      // The line is not shown: it may be a secret written without its key.
      error = fmt::format("{}:{}: not a `key=value` line (a librdkafka property, `#` comment or blank line)", path,
                          number);
      return false;
    }
    properties.emplace_back(std::string(key), std::string(trimmed(std::string_view(line).substr(equals + 1))));
  }
  if (in.bad()) {
    error = fmt::format("cannot read Kafka properties file `{}`: {}", path, std::strerror(errno));
    return false;
  }
  return true;
}

bool parse_property_argument(const std::string& text, KafkaProperties& properties, std::string& error) {
  size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    // Not shown whole: `-X secret` without its key would be printed otherwise.
    error = "`-X` takes key=value or key=@FILE";
    return false;
  }
  std::string key = text.substr(0, equals), value = text.substr(equals + 1);
  if (value.starts_with("@")) {
    std::string path = value.substr(1);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      error = fmt::format("`-X {}=@{}`: cannot read `{}`: {}", key, path, path, std::strerror(errno));
      return false;
    }
    value.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) {
      error = fmt::format("`-X {}=@{}`: cannot read `{}`: {}", key, path, path, std::strerror(errno));
      return false;
    }
    if (value.ends_with('\n')) value.pop_back();
    if (value.ends_with('\r')) value.pop_back();
  }
  properties.emplace_back(std::move(key), std::move(value));
  return true;
}

bool is_harmless_property(const std::string& key) {
  // Names of places, protocols, sizes, counts and timeouts: what helps to read a log. Anything
  // else (passwords, tokens, JAAS and OAuth configs, PEM keys, a misspelt secret) is masked.
  static constexpr std::string_view harmless[] = {
      "acks", "allow.auto.create.topics", "api.version.request", "api.version.request.timeout.ms",
      "auto.commit.interval.ms", "auto.offset.reset", "batch.num.messages", "batch.size", "bootstrap.servers",
      "broker.address.family", "broker.address.ttl", "broker.version.fallback", "check.crcs", "client.id",
      "client.rack", "compression.codec", "compression.level", "compression.type", "connections.max.idle.ms",
      "debug", "delivery.timeout.ms", "enable.auto.commit", "enable.auto.offset.store", "enable.idempotence",
      "enable.partition.eof", "enable.ssl.certificate.verification", "fetch.error.backoff.ms", "fetch.max.bytes",
      "fetch.min.bytes", "fetch.wait.max.ms", "group.id", "group.instance.id", "heartbeat.interval.ms",
      "isolation.level", "linger.ms", "log.connection.close", "log_level", "max.in.flight",
      "max.in.flight.requests.per.connection", "max.partition.fetch.bytes", "max.poll.interval.ms",
      "message.max.bytes", "message.send.max.retries", "message.timeout.ms", "metadata.broker.list",
      "metadata.max.age.ms", "partitioner", "queue.buffering.max.kbytes", "queue.buffering.max.messages",
      "queue.buffering.max.ms", "queued.max.messages.kbytes", "queued.min.messages", "receive.message.max.bytes",
      "reconnect.backoff.max.ms", "reconnect.backoff.ms", "request.timeout.ms", "retries", "retry.backoff.ms",
      "sasl.mechanism", "sasl.mechanisms", "security.protocol", "session.timeout.ms", "socket.keepalive.enable",
      "socket.timeout.ms", "ssl.endpoint.identification.algorithm", "statistics.interval.ms"};
  return std::find(std::begin(harmless), std::end(harmless), lowercase(key)) != std::end(harmless);
}

std::string printable_property(const std::string& key, const std::string& value) {
  return key + "=" + (is_harmless_property(key) ? value : "****");
}

std::string without_secrets(std::string text, const KafkaProperties& properties) {
  auto mask = [&text](std::string_view secret) {
    if (secret.size() < kShortestMaskedValue) return;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4))
      text.replace(at, secret.size(), "****");
  };
  for (const auto& [key, value] : properties) {
    if (is_harmless_property(key)) continue;
    mask(value);
    // A config of several `name=value` words (sasl.oauthbearer.config): each value on its own too,
    // as a message may quote one.
    for (size_t start = 0; start < value.size();) {
      size_t end = value.find_first_of(" \t", start);
      std::string_view word =
          std::string_view(value).substr(start, end == std::string::npos ? std::string::npos : end - start);
      size_t equals = word.find('=');
      if (equals != std::string_view::npos) mask(word.substr(equals + 1));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return text;
}

}  // namespace flow::runtime
