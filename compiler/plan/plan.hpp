// The logical plan of a whole application: its sources, sinks, metrics and one operator
// pipeline per query. It is the contract between the compiler and the runtime; its JSON form is
// documented in docs/plan.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/logical_operator.hpp"

namespace flow::compiler::plan {

struct SourcePlan {
  std::string name;
  std::string topic;
  std::string format;
  Schema schema;
  int64_t partitions = 0;
  std::optional<int64_t> max_records_per_trigger;
  std::optional<int64_t> max_record_bytes;  //!< larger records are dead-lettered (default 8 MiB)
  std::optional<std::string> event_time;  //!< a timestamp field of `schema`
  std::optional<int64_t> watermark_ms;
  //! How far past the wall clock an event time may be; a record beyond it is dead-lettered, so
  //! one bad clock cannot move the watermark past every later record (default below).
  std::optional<int64_t> max_event_time_ahead_ms;
  std::optional<std::string> dead_letter;  //!< topic
  //! Topic for the records of this source a query drops as late (the windows they belong to had
  //! closed): each is written there whole, with the reason in headers.
  std::optional<std::string> late;
  //! A table (`table NAME …`): the latest row per key of its topic, read only by `join`.
  bool table = false;
  std::optional<std::string> table_key;  //!< the field that is a row's key
  std::optional<int64_t> max_rows;       //!< more keys than this stops the run
  std::optional<int64_t> ttl_ms;         //!< a key not updated for this long (event time) is dropped
  int64_t history_ms = 0;                //!< how long a replaced row stays for stream records that come late

  int64_t event_time_ahead_bound_ms() const { return max_event_time_ahead_ms.value_or(kDefaultMaxEventTimeAheadMs); }
  //! One hour: a producer's clock may be off by minutes, not by days (recent Kafka brokers also
  //! reject timestamps more than an hour ahead by default: message.timestamp.after.max.ms).
  static constexpr int64_t kDefaultMaxEventTimeAheadMs = 3'600'000;
  Span span;
};

struct SinkPlan {
  std::string name;
  std::string kind;  //!< kafka or stdout
  std::string topic;
  Span span;
};

struct MetricPlan {
  std::string name;
  Span span;
};

struct LogicalJoin;

struct QueryPlan {
  std::string name;
  Span span;
  std::vector<std::string> sources;  //!< the sources it reads
  OperatorList operators;            //!< Source or Union first, Sink last

  //! Whether `source` is the query's one stream: its first operator reads it alone (a query with
  //! a join reads its table too, but only as the join's second input).
  bool reads_stream(const std::string& source) const;
  //! The query's join, if it has one.
  const LogicalJoin* join() const;
  //! Keyed state the query keeps (a Process, an Aggregate or a Join), if any: the first.
  const LogicalOperator* stateful_operator() const;
  //! Where the query's `process` is in its operators (a query has at most one: it is the last
  //! aggregation), 0 when it has none.
  size_t process_index() const;
  //! The schema of the records that reach its keyed state from `source`: after a union, that
  //! source's own; otherwise the output of the operator before the state. Null when none does.
  const Schema* state_input_schema(const std::string& source) const;
  //! The schema of the records that reach operators[op] from `source`: a union's input schema
  //! right after the union, otherwise the output of operators[op - 1]. Null when `source` is not
  //! one of the query's.
  const Schema* operator_input_schema(size_t op, const std::string& source) const;
};

struct Plan {
  std::vector<SourcePlan> sources;
  std::vector<SinkPlan> sinks;
  std::vector<MetricPlan> metrics;
  std::vector<QueryPlan> queries;

  const SourcePlan* find_source(const std::string& name) const;
  const SinkPlan* find_sink(const std::string& name) const;
  const MetricPlan* find_metric(const std::string& name) const;
};

//! The plan as JSON (format version 1, documented in docs/plan.md). `more` writes members of its
//! own at the end of the top-level object (the physical plan does: physical_plan.hpp).
std::string plan_to_json(const Plan& plan, const std::function<void(JsonWriter&)>& more = {});

}  // namespace flow::compiler::plan
