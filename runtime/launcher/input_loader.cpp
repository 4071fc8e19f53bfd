// Loading records into a source's topic the way a keyed producer would.
#include "runtime/launcher/input_loader.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "compiler/physical/physical_plan.hpp"
#include "runtime/codec/rfc3339.hpp"

namespace flow::runtime {

namespace plan = compiler::plan;

namespace {

//! The field a source's records are keyed by in some query (`from s key by f`, `| key by f`,
//! also after a `select` that passes f on, renamed or not), to partition input files the way a
//! keyed producer would.
std::optional<int> key_field(const compiler::physical::PhysicalPlan& p, const plan::SourcePlan& source) {
  if (source.table) {  // a table's records are keyed by its key, as a compacted topic's are
    int index = source.table_key ? plan::find_field(source.schema, *source.table_key) : -1;
    return index >= 0 ? std::optional<int>(index) : std::nullopt;
  }
  for (const auto& query : p.queries) {
    if (query.operators.empty()) continue;
    if (auto* union_op = std::get_if<compiler::physical::Union>(&query.operators.front().body)) {
      for (const auto& input : union_op->inputs)
        if (input.source == source.name && input.key.kind == plan::BoundKind::InputField) return input.key.index;
      continue;
    }
    if (query.source_names.size() != 1 || query.source_names.front() != source.name) continue;
    // origin[i]: the source field that column i of the current schema is a copy of, if any.
    std::vector<std::optional<int>> origin;
    for (size_t f = 0; f < source.schema.size(); ++f) origin.push_back(static_cast<int>(f));
    for (size_t k = 1; k < query.operators.size(); ++k) {
      const auto& op = query.operators[k];
      if (auto* project = std::get_if<compiler::physical::Project>(&op.body)) {
        std::vector<std::optional<int>> next;
        for (const auto& value : project->values)
          next.push_back(value.kind == plan::BoundKind::InputField && value.index >= 0 &&
                                 static_cast<size_t>(value.index) < origin.size()
                             ? origin[value.index]
                             : std::nullopt);
        origin = std::move(next);
      } else if (auto* key_by = std::get_if<compiler::physical::KeyBy>(&op.body)) {
        if (key_by->key.kind == plan::BoundKind::InputField && key_by->key.index >= 0 &&
            static_cast<size_t>(key_by->key.index) < origin.size() && origin[key_by->key.index])
          return origin[key_by->key.index];
        break;
      } else if (op.kind == plan::OperatorKind::Aggregate || op.kind == plan::OperatorKind::Process) {
        break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

bool read_lines(const std::string& file, std::vector<std::string>& lines, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    error = fmt::format("input file `{}` is a directory; give a file of JSON lines (one record a line)", file);
    return false;
  }
  std::ifstream in(file);
  if (!in) {
    error = fmt::format("cannot read input file `{}`: {}", file, std::strerror(errno));
    return false;
  }
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  if (in.bad()) {
    error = fmt::format("cannot read input file `{}`: {}", file, std::strerror(errno));
    return false;
  }
  return true;
}

std::optional<int64_t> max_message_bytes(rd_kafka_t* rk) {
  char text[32];
  size_t size = sizeof text;
  if (rd_kafka_conf_get(rd_kafka_conf(rk), "message.max.bytes", text, &size) != RD_KAFKA_CONF_OK)
    return std::nullopt;
  char* end = nullptr;
  long long value = std::strtoll(text, &end, 10);
  return end != text ? std::optional<int64_t>(value) : std::nullopt;
}

bool produce_lines(Producer& producer, const compiler::physical::PhysicalPlan& p, const plan::SourcePlan& source,
                   const std::vector<std::string>& lines, const std::string& origin, std::string& error,
                   int64_t& count) {
  std::optional<int> key = key_field(p, source);
  simdjson::ondemand::parser parser;
  // Each line's key first, and every size checked against the producer's limit, before anything
  // is produced: a line too large stops the load with nothing of it in the topic.
  struct Keyed {
    bool keyed = false;
    std::string key;
    //! A table's line `{"KEY_FIELD": …, "__tombstone": "RFC 3339 time"}`: a record with the key,
    //! no value, and that time as its timestamp (the time the key's row ended).
    std::optional<int64_t> tombstone_at;
  };
  std::vector<Keyed> keys(lines.size());
  std::optional<int64_t> limit = max_message_bytes(producer.handle());
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    if (line.empty()) continue;
    if (key) {
      simdjson::padded_string padded(line);
      simdjson::ondemand::document doc;
      if (!parser.iterate(padded).get(doc)) {
        simdjson::ondemand::value field;
        if (!doc[source.schema[*key].name].get(field)) {
          simdjson::ondemand::json_type type;
          if (!field.type().get(type) && type == simdjson::ondemand::json_type::string) {
            std::string_view text;
            if (!field.get_string().get(text)) {
              keys[n].key = text;
              keys[n].keyed = true;
            }
          } else {
            // A number key: its JSON text, as a producer writing the number would key it.
            keys[n].key = std::string(field.raw_json_token());
            while (!keys[n].key.empty() && keys[n].key.back() == ' ') keys[n].key.pop_back();
            keys[n].keyed = true;
          }
        }
        if (source.table) {
          simdjson::ondemand::value at;
          std::string_view text;
          if (!doc.find_field_unordered("__tombstone").get(at) && !at.get_string().get(text)) {
            Rfc3339Result time = parse_rfc3339(text);
            if (!time.ok) {
              error = fmt::format("{}, line {}: `__tombstone` must be the RFC 3339 time the key's row ends, such as "
                                  "\"2026-01-01T00:00:00Z\": {}",
                                  origin, n + 1, time.problem);
              return false;
            }
            keys[n].tombstone_at = time.ms;
          }
        }
      }
    }
    int64_t size = static_cast<int64_t>(line.size() + keys[n].key.size()) + kRecordFraming;
    if (limit && size > *limit) {
      error = fmt::format("{}, line {}: the record is {} bytes ({} of JSON, {} of key, {} of framing), more than the "
                          "producer's message.max.bytes of {}; nothing of `{}` was produced. Split or shorten the "
                          "record, or raise the limit with `-X message.max.bytes=N` (the topic's max.message.bytes "
                          "on the broker must allow it too)",
                          origin, n + 1, size, line.size(), keys[n].key.size(), kRecordFraming, *limit, origin);
      return false;
    }
  }
  int32_t next_partition = 0;
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    if (line.empty()) continue;
    bool keyed = keys[n].keyed;
    const std::string& key_text = keys[n].key;
    int32_t partition = keyed ? -1 : next_partition++ % static_cast<int32_t>(source.partitions);
    bool tombstone = keys[n].tombstone_at.has_value();
    if (!producer.produce(source.topic, partition, keyed ? key_text.data() : nullptr, key_text.size(),
                          tombstone ? nullptr : line.data(), tombstone ? 0 : line.size(), {}, nullptr,
                          keys[n].tombstone_at.value_or(0))) {
      error = fmt::format("cannot produce {}, line {} to topic `{}`: {} ({} records of it were produced before)",
                          origin, n + 1, source.topic, producer.failure(), count);
      return false;
    }
    ++count;
  }
  return true;
}

bool check_embedded_topic_kept(rd_kafka_t* rk, const std::string& topic, int partitions, std::string& error) {
  for (int32_t partition = 0; partition < partitions; ++partition) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high, 10'000);
    if (err) {
      error = fmt::format("cannot read the offsets of topic `{}` partition {}: {}", topic, partition,
                          rd_kafka_err2str(err));
      return false;
    }
    if (low > 0) {
      error = fmt::format("the embedded Kafka keeps at most 5 MB of records per partition and dropped the first {} "
                          "records of topic `{}` partition {}: load less input per run, declare more partitions, "
                          "or run on a Kafka broker (--brokers)",
                          low, topic, partition);
      return false;
    }
  }
  return true;
}

}  // namespace flow::runtime
