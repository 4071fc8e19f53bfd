// Loading records into a source's topic the way a keyed producer would: `flowrun run --input`
// and `flowrun test` fixtures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/physical/physical_plan.hpp"
#include "runtime/kafka/kafka_client.hpp"

namespace flow::runtime {

//! Produces each line (one JSON value) to the source's topic: keyed by the source's key field
//! when a query keys it by one (so each lands on the partition a keyed producer would choose),
//! else round-robin over the partitions. Empty lines are skipped. Every record's size is checked
//! against the producer's message.max.bytes before any is produced. False and `error` (naming
//! `origin` — the file — the line, its size and the limit, or the producer's reason) on failure.
bool produce_lines(Producer& producer, const compiler::physical::PhysicalPlan& plan, const compiler::plan::SourcePlan& source,
                   const std::vector<std::string>& lines, const std::string& origin, std::string& error,
                   int64_t& count);

//! What librdkafka adds to a record's key and value when it checks them against message.max.bytes
//! (RD_KAFKAP_MESSAGE_V2_MAX_OVERHEAD: the record's varint lengths, attributes and deltas).
constexpr int64_t kRecordFraming = 36;

//! The producer's message.max.bytes, or nothing when librdkafka does not say.
std::optional<int64_t> max_message_bytes(rd_kafka_t* rk);

//! The embedded Kafka (librdkafka's mock cluster) keeps at most 5 MB of records per partition and
//! silently drops the oldest beyond. After loading input into `topic` (created empty by flowrun)
//! before anything reads it: false and `error` when a partition no longer starts at offset 0.
bool check_embedded_topic_kept(rd_kafka_t* rk, const std::string& topic, int partitions, std::string& error);

//! Reads a file's lines (one JSON value each); false and `error` when it cannot be read or is a
//! directory.
bool read_lines(const std::string& file, std::vector<std::string>& lines, std::string& error);

}  // namespace flow::runtime
