// Loading records into a source's topic the way a keyed producer would.
#include "runtime/launcher/input_loader.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <fstream>
#include <optional>

#include "compiler/plan/operators/logical_key_by.hpp"
#include "compiler/plan/operators/logical_project.hpp"
#include "compiler/plan/operators/logical_union.hpp"

namespace flow::runtime {

namespace plan = compiler::plan;

namespace {

//! The field a source's records are keyed by in some query (`from s key by f`, `| key by f`,
//! also after a `select` that passes f on, renamed or not), to partition input files the way a
//! keyed producer would.
std::optional<int> key_field(const plan::Plan& p, const plan::SourcePlan& source) {
  for (const auto& query : p.queries) {
    if (query.operators.empty()) continue;
    if (auto* union_op = dynamic_cast<const plan::LogicalUnion*>(query.operators.front().get())) {
      for (const auto& input : union_op->inputs)
        if (input.source == source.name && input.key.kind == plan::BoundKind::InputField) return input.key.index;
      continue;
    }
    if (query.sources.size() != 1 || query.sources.front() != source.name) continue;
    // origin[i]: the source field that column i of the current schema is a copy of, if any.
    std::vector<std::optional<int>> origin;
    for (size_t f = 0; f < source.schema.size(); ++f) origin.push_back(static_cast<int>(f));
    for (size_t k = 1; k < query.operators.size(); ++k) {
      const auto& op = *query.operators[k];
      if (auto* project = dynamic_cast<const plan::LogicalProject*>(&op)) {
        std::vector<std::optional<int>> next;
        for (const auto& value : project->values)
          next.push_back(value.kind == plan::BoundKind::InputField && value.index >= 0 &&
                                 static_cast<size_t>(value.index) < origin.size()
                             ? origin[value.index]
                             : std::nullopt);
        origin = std::move(next);
      } else if (auto* key_by = dynamic_cast<const plan::LogicalKeyBy*>(&op)) {
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
  std::ifstream in(file);
  if (!in) {
    error = fmt::format("cannot read input file `{}`", file);
    return false;
  }
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return true;
}

bool produce_lines(Producer& producer, const plan::Plan& p, const plan::SourcePlan& source,
                   const std::vector<std::string>& lines, std::string& error, int64_t& count) {
  std::optional<int> key = key_field(p, source);
  simdjson::ondemand::parser parser;
  int32_t next_partition = 0;
  for (const std::string& line : lines) {
    if (line.empty()) continue;
    std::string key_text;
    bool keyed = false;
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
              key_text = text;
              keyed = true;
            }
          } else {
            // A number key: its JSON text, as a producer writing the number would key it.
            key_text = std::string(field.raw_json_token());
            while (!key_text.empty() && key_text.back() == ' ') key_text.pop_back();
            keyed = true;
          }
        }
      }
    }
    int32_t partition = keyed ? -1 : next_partition++ % static_cast<int32_t>(source.partitions);
    if (!producer.produce(source.topic, partition, keyed ? key_text.data() : nullptr, key_text.size(), line.data(),
                          line.size())) {
      error = fmt::format("cannot produce input to topic `{}`", source.topic);
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
