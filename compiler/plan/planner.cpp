// Planning the declarations: sources with their options, sinks, metrics, unique names. Queries
// are planned by QueryPlanner (query_planner.cpp).
#include "compiler/plan/planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "compiler/plan/operators/logical_sink.hpp"
#include "compiler/plan/operators/logical_source.hpp"
#include "compiler/plan/operators/logical_union.hpp"
#include "compiler/plan/query_planner.hpp"

namespace flow::compiler::plan {

Type resolve_type(const ast::TypeRef& type) {
  static const std::map<std::string, TypeKind> scalars = {
      {"int", TypeKind::Int},       {"float", TypeKind::Float},         {"bool", TypeKind::Bool},
      {"string", TypeKind::String}, {"timestamp", TypeKind::Timestamp}, {"duration", TypeKind::Duration}};
  Type result;
  if (type.name.name == "list" && type.arguments.size() == 1) {
    result = Type::list(resolve_type(type.arguments.front()), type.max_length ? type.max_length->int_value : 0);
  } else if (type.name.name == "set" && type.arguments.size() == 1) {
    result = Type::set_of(resolve_type(type.arguments.front()), type.max_length ? type.max_length->int_value : 0);
  } else if (auto it = scalars.find(type.name.name); it != scalars.end()) {
    result = Type::scalar(it->second);
  }
  result.nullable = type.nullable;
  return result;
}

namespace {

//! The value of an option written as a literal of `kind`, or `-` before one (`-4`, `-30s`), so
//! that a negative count is reported as not positive rather than as the wrong kind of value.
std::optional<int64_t> signed_literal(const ast::Expr& value, ast::ExprKind kind) {
  if (value.kind == kind) return value.int_value;
  if (value.kind == ast::ExprKind::Unary && value.text == "-" && value.children[0].kind == kind)
    return -value.children[0].int_value;
  return std::nullopt;
}

class ProgramPlanner {
 public:
  ProgramPlanner(DiagnosticSink& sink, PlanOptions options) : sink_(sink), options_(options) {}

  Plan run(const ast::Program& program) {
    for (const auto& declaration : program.declarations) {
      if (auto* source = std::get_if<ast::SourceDecl>(&declaration)) plan_source(*source);
      if (auto* s = std::get_if<ast::SinkDecl>(&declaration)) plan_sink(*s);
      if (auto* metric = std::get_if<ast::MetricDecl>(&declaration)) plan_metric(*metric);
    }
    QueryPlanner queries(plan_, sink_, options_);
    for (const auto& declaration : program.declarations) {
      if (auto* query = std::get_if<ast::QueryDecl>(&declaration)) {
        if (!claim(query_names_, query->name, "query")) continue;
        plan_.queries.push_back(queries.plan(*query));
      }
    }
    check_cycles();
    return std::move(plan_);
  }

 private:
  //! The Kafka topic query `q` writes, if it has a Kafka sink.
  const std::string* written_topic(const QueryPlan& query) const {
    if (query.operators.empty()) return nullptr;
    auto* sink = dynamic_cast<const LogicalSink*>(query.operators.back().get());
    return sink && sink->target == "kafka" ? &sink->topic : nullptr;
  }

  //! Where `reader` reads `topic`: its `from` (or the union input), if it does.
  std::optional<Span> reads_at(const QueryPlan& reader, const std::string& topic) const {
    if (reader.operators.empty()) return std::nullopt;
    const LogicalOperator& first = *reader.operators.front();
    if (auto* source = dynamic_cast<const LogicalSource*>(&first))
      return source->topic == topic ? std::optional<Span>(first.span) : std::nullopt;
    if (auto* union_op = dynamic_cast<const LogicalUnion*>(&first))
      for (const auto& input : union_op->inputs)
        if (input.topic == topic) return input.span;
    return std::nullopt;
  }

  //! E0235: queries whose outputs come back to their own input through the application's topics
  //! would feed themselves for ever (and `--until-idle` would never be idle). One diagnostic per
  //! cycle, at the `into` of its first query.
  void check_cycles() {
    const auto& queries = plan_.queries;
    std::vector<std::vector<size_t>> feeds(queries.size());  // q -> the queries reading what q writes
    for (size_t q = 0; q < queries.size(); ++q)
      if (const std::string* topic = written_topic(queries[q]))
        for (size_t r = 0; r < queries.size(); ++r)
          if (reads_at(queries[r], *topic)) feeds[q].push_back(r);
    std::vector<int> state(queries.size(), 0);  // 0 unseen, 1 on the path, 2 done
    std::vector<size_t> path;
    std::vector<bool> reported(queries.size(), false);
    auto visit = [&](auto& self, size_t q) -> void {
      state[q] = 1;
      path.push_back(q);
      for (size_t r : feeds[q]) {
        if (state[r] == 1) report_cycle(std::vector<size_t>(std::find(path.begin(), path.end(), r), path.end()), reported);
        else if (state[r] == 0) self(self, r);
      }
      path.pop_back();
      state[q] = 2;
    };
    for (size_t q = 0; q < queries.size(); ++q)
      if (state[q] == 0) visit(visit, q);
  }

  void report_cycle(const std::vector<size_t>& cycle, std::vector<bool>& reported) {
    for (size_t q : cycle)
      if (reported[q]) return;
    for (size_t q : cycle) reported[q] = true;
    const auto& queries = plan_.queries;
    const QueryPlan& first = queries[cycle.front()];
    const std::string& topic = *written_topic(first);
    const QueryPlan& reader = queries[cycle.size() > 1 ? cycle[1] : cycle.front()];
    std::string names;
    for (size_t q : cycle) names += fmt::format("`{}` → ", queries[q].name);
    names += fmt::format("`{}`", first.name);
    auto& diagnostic =
        sink_.error(ErrorCode::QueryCycle, first.operators.back()->span,
                    cycle.size() == 1 ? fmt::format("query `{}` reads back what it writes", first.name)
                                      : fmt::format("queries {} read back what they write", names),
                    fmt::format("writes topic \"{}\"", topic));
    if (auto at = reads_at(reader, topic))
      diagnostic.label(*at, cycle.size() == 1 ? std::string("and reads it back here")
                                              : fmt::format("query `{}` reads it", reader.name));
    diagnostic.note("every record written would come back as input of the query that wrote it, for ever; "
                    "`--until-idle` would never be idle")
        .with_help("write to a topic that no query of this application reads back, or read the original input instead");
  }
  //! Records a declaration's name; reports E0211 if the same kind of declaration already has it.
  bool claim(std::map<std::string, Span>& names, const ast::Identifier& name, const char* kind) {
    auto [it, inserted] = names.emplace(name.name, name.span);
    if (inserted) return true;
    sink_.error(ErrorCode::DuplicateName, name.span, fmt::format("{} `{}` is declared twice", kind, name.name),
                "declared again here")
        .label(it->second, "first declared here")
        .with_help(fmt::format("rename one of them; every {} needs its own name", kind));
    return false;
  }

  void plan_source(const ast::SourceDecl& decl) {
    if (!claim(source_names_, decl.name, decl.table ? "table" : "source")) return;
    SourcePlan source;
    source.table = decl.table;
    source.name = decl.name.name;
    source.topic = decl.topic.text;
    source.format = decl.format.name;
    source.span = decl.span;
    for (const auto& field : decl.fields) {
      if (find_field(source.schema, field.name.name) >= 0) {
        auto first = std::find_if(decl.fields.begin(), decl.fields.end(),
                                  [&](const ast::FieldDecl& f) { return f.name.name == field.name.name; });
        sink_.error(ErrorCode::DuplicateName, field.name.span,
                    fmt::format("field `{}` appears twice in source `{}`", field.name.name, source.name),
                    "again here")
            .label(first->name.span, "first declared here")
            .with_help("a JSON record has one value per key: remove one of them");
        continue;
      }
      source.schema.push_back({field.name.name, resolve_type(field.type)});
    }
    bool has_partitions = false;
    for (const auto& option : decl.options) {
      const std::string& name = option.name.name;
      const ast::Expr& value = option.value;
      if (name == "partitions" || name == "max_records_per_trigger" || name == "max_record_bytes") {
        // Present, even if its value is wrong: a missing `partitions` (E0230) is another mistake.
        if (name == "partitions") has_partitions = true;
        std::optional<int64_t> count = signed_literal(value, ast::ExprKind::Int);
        if (!count) {
          bad_option(option, "an integer",
                     name == "partitions"                ? "write the topic's partition count: `partitions = 4`"
                     : name == "max_record_bytes" ? "write a size in bytes: `max_record_bytes = 1048576`"
                                                  : "write a record count: `max_records_per_trigger = 10000`");
          continue;
        }
        if (*count <= 0) {
          sink_.error(ErrorCode::NotPositive, value.span,
                      fmt::format("`{}` of source `{}` must be positive, not {}", name, source.name, *count),
                      "not positive")
              .with_help(name == "partitions"                ? "write the topic's partition count"
                         : name == "max_record_bytes" ? "write the largest record size to accept, in bytes"
                                                      : "write how many records a partition may read per trigger");
          continue;
        }
        if (name == "partitions") {
          source.partitions = *count;
        } else if (name == "max_record_bytes") {
          source.max_record_bytes = *count;
        } else {
          source.max_records_per_trigger = *count;
        }
      } else if (name == "event_time") {
        if (value.kind != ast::ExprKind::Name) {
          bad_option(option, "the name of a timestamp field",
                     "name the field itself, without quotes: `event_time = ts`");
          continue;
        }
        int index = find_field(source.schema, value.text);
        if (index < 0 || source.schema[index].type.kind != TypeKind::Timestamp) {
          sink_.error(index < 0 ? ErrorCode::UnknownName : ErrorCode::BadOptionValue, value.span,
                      index < 0 ? fmt::format("source `{}` has no field `{}`", source.name, value.text)
                                : fmt::format("`event_time` must name a `timestamp` field; `{}` is `{}`", value.text,
                                              source.schema[index].type.to_string()),
                      index < 0 ? "not a field" : "not a timestamp")
              .with_help("name the field that holds when the event happened, declared as `timestamp`");
          continue;
        }
        source.event_time = value.text;
      } else if (name == "watermark") {
        if (std::optional<int64_t> lateness = duration_option(
                source, option, "`30s`", "write how late a record may arrive, such as `30s`; `0s` accepts no late records"))
          source.watermark_ms = *lateness;
      } else if (name == "max_event_time_ahead") {
        if (std::optional<int64_t> ahead = duration_option(source, option, "`1h`",
                                                           "write how far past the clock an event time may be, such "
                                                           "as `1h`; `0s` accepts none in the future"))
          source.max_event_time_ahead_ms = *ahead;
      } else if (name == "dead_letter") {
        if (value.kind != ast::ExprKind::String || value.text.empty()) {
          const char* wanted =
              value.kind == ast::ExprKind::String ? "a topic name, not an empty one" : "a topic name in quotes";
          bad_option(option, wanted,
                     fmt::format("write the topic in quotes: `dead_letter = \"{}.dlq\"`", source.topic));
          continue;
        }
        source.dead_letter = value.text;
      } else if (name == "late") {
        if (value.kind != ast::ExprKind::String || value.text.empty()) {
          const char* wanted =
              value.kind == ast::ExprKind::String ? "a topic name, not an empty one" : "a topic name in quotes";
          bad_option(option, wanted, fmt::format("write the topic in quotes: `late = \"{}.late\"`", source.topic));
          continue;
        }
        if (value.text == source.topic) {
          bad_option(option, "a topic other than the source's own",
                     fmt::format("a late record written back to `{}` would be read again, late again; write another "
                                 "topic: `late = \"{}.late\"`",
                                 source.topic, source.topic),
                     "the source's own topic");
          continue;
        }
        source.late = value.text;
      } else if (name == "key") {
        if (value.kind != ast::ExprKind::Name) {
          bad_option(option, "the name of a field", "name the field itself, without quotes: `key = id`");
          continue;
        }
        int index = find_field(source.schema, value.text);
        if (index < 0) {
          sink_.error(ErrorCode::UnknownName, value.span,
                      fmt::format("table `{}` has no field `{}`", source.name, value.text), "not a field")
              .with_help("name the field that identifies a row: the topic's message key");
          continue;
        }
        TypeKind kind = source.schema[index].type.kind;
        if ((kind != TypeKind::String && kind != TypeKind::Int) || source.schema[index].type.nullable) {
          sink_.error(ErrorCode::BadOptionValue, value.span,
                      fmt::format("a table's key must be a `string` or an `int` field, not nullable; `{}` is `{}`", value.text,
                                  source.schema[index].type.to_string()),
                      "cannot be a key")
              .with_help("key the table by the field whose value is the topic's message key");
          continue;
        }
        source.table_key = value.text;
      } else if (name == "max_rows") {
        std::optional<int64_t> count = signed_literal(value, ast::ExprKind::Int);
        if (!count) {
          bad_option(option, "an integer", "write how many keys the table may hold: `max_rows = 100000`");
          continue;
        }
        if (*count <= 0) {
          sink_.error(ErrorCode::NotPositive, value.span,
                      fmt::format("`max_rows` of table `{}` must be positive, not {}", source.name, *count),
                      "not positive")
              .with_help("write how many keys the table may hold");
          continue;
        }
        source.max_rows = *count;
      } else if (name == "ttl" || name == "history") {
        bool ttl = name == "ttl";
        if (std::optional<int64_t> ms = duration_option(
                source, option, ttl ? "`1d`" : "`10m`",
                ttl ? "write how long a key may go without an update before it is dropped, such as `1d`"
                    : "write how long a replaced row is kept for stream records that come late, such as `10m`")) {
          if (ttl && *ms == 0) {
            sink_.error(ErrorCode::NotPositive, value.span,
                        fmt::format("`ttl` of table `{}` must be positive", source.name), "drops every row at once")
                .with_help("write how long a key may go without an update before it is dropped, such as `1d`");
            continue;
          }
          if (ttl) source.ttl_ms = *ms;
          else source.history_ms = *ms;
        }
      }
    }
    if (decl.table) check_table(decl, source);
    if (!has_partitions)
      sink_.error(ErrorCode::MissingPartitions, decl.name.span,
                  fmt::format("source `{}` does not declare `partitions`", source.name), "no partition count")
          .with_help("add `with (partitions = N)`: N must equal the topic's partition count, and flow runs one task "
                     "per partition");
    plan_.sources.push_back(std::move(source));
  }

  //! What a table needs besides a source's options: a key, a bound, and event time (a join
  //! answers each stream record with the row that was current at its event time).
  void check_table(const ast::SourceDecl& decl, const SourcePlan& table) {
    auto option_span = [&](const char* name) -> std::optional<Span> {
      for (const auto& option : decl.options)
        if (option.name.name == name) return option.name.span;
      return std::nullopt;
    };
    if (!table.table_key && !option_span("key"))
      sink_.error(ErrorCode::TableWithoutKey, decl.name.span, fmt::format("table `{}` has no `key`", table.name),
                  "no key")
          .note("a table holds the latest row per key; a row with the same key replaces the one before it")
          .with_help("name the field that identifies a row, in the `with (…)` options: `key = id`");
    if (!table.max_rows && !table.ttl_ms && !option_span("max_rows") && !option_span("ttl")) {
      Diagnostic& d = options_.allow_unbounded_state
                          ? sink_.warning(ErrorCode::UnboundedTable, decl.name.span,
                                          fmt::format("table `{}` can grow without bound", table.name), "no bound")
                          : sink_.error(ErrorCode::UnboundedTable, decl.name.span,
                                        fmt::format("table `{}` can grow without bound", table.name), "no bound");
      d.note("a table keeps a row for every key it has ever seen; a topic with ever new keys runs the job out of "
             "memory")
          .with_help("declare a bound in the `with (…)` options: `max_rows = 1000000` (more keys stop the run with "
                     "the reason) or `ttl = 7d` (a key not updated for that long is dropped)");
      if (options_.allow_unbounded_state) d.note("reported as a warning because of --allow-unbounded-state");
    }
    if ((!table.event_time || !table.watermark_ms) && !option_span("event_time") && !option_span("watermark"))
      sink_.error(ErrorCode::NeedsEventTime, decl.name.span,
                  fmt::format("table `{}` has no `event_time` and `watermark`", table.name), "no event time")
          .note("a join answers a stream record with the row that was current at the record's event time, so that "
                "its result does not depend on the order the two topics are read in")
          .with_help("declare when each row took effect and how late one may come: `event_time = updated_at, "
                     "watermark = 0s`");
  }

  //! A source option that takes a duration of at least zero (`watermark`, `max_event_time_ahead`):
  //! its milliseconds, or nothing after reporting what is wrong (E0232 not a duration, E0231
  //! negative).
  std::optional<int64_t> duration_option(const SourcePlan& source, const ast::SourceOption& option,
                                         const char* example, const char* negative_help) {
    const ast::Expr& value = option.value;
    std::optional<int64_t> ms = signed_literal(value, ast::ExprKind::Duration);
    if (!ms) {
      bad_option(option, fmt::format("a duration such as {}", example).c_str(),
                 "durations carry a unit: `500ms`, `30s`, `5m`, `1h`, `1d`");
      return std::nullopt;
    }
    if (*ms < 0) {
      sink_.error(ErrorCode::NotPositive, value.span,
                  fmt::format("`{}` of source `{}` cannot be negative", option.name.name, source.name), "negative")
          .with_help(negative_help);
      return std::nullopt;
    }
    return ms;
  }

  void bad_option(const ast::SourceOption& option, const char* wanted, std::string help,
                  const char* label = "wrong kind of value") {
    sink_.error(ErrorCode::BadOptionValue, option.value.span,
                fmt::format("option `{}` takes {}", option.name.name, wanted), label)
        .with_help(std::move(help));
  }

  void plan_sink(const ast::SinkDecl& decl) {
    if (!claim(sink_names_, decl.name, "sink")) return;
    plan_.sinks.push_back({decl.name.name, decl.kind.name, decl.topic ? decl.topic->text : "", decl.span});
  }

  void plan_metric(const ast::MetricDecl& decl) {
    if (!claim(metric_names_, decl.name, "metric")) return;
    plan_.metrics.push_back({decl.name.name, decl.span});
  }

  DiagnosticSink& sink_;
  PlanOptions options_;
  Plan plan_;
  std::map<std::string, Span> source_names_, sink_names_, metric_names_, query_names_;
};

}  // namespace

Plan build_plan(const ast::Program& program, DiagnosticSink& sink, PlanOptions options) {
  Plan plan = ProgramPlanner(sink, options).run(program);
  sink.sort_by_position();
  return plan;
}

}  // namespace flow::compiler::plan
