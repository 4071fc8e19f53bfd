// Query planning. The rules here come from running Spark Structured Streaming in production
// (docs/errors.md tells each story): a query runs exactly one action; keyed state processing is
// the last aggregation; windows need event time; the sources of a union are co-partitioned.
#include "compiler/plan/query_planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "compiler/plan/builtin_functions.hpp"
#include "compiler/plan/handler_binder.hpp"
#include "compiler/syntax/did_you_mean.hpp"
#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_explode.hpp"
#include "compiler/plan/operators/logical_filter.hpp"
#include "compiler/plan/operators/logical_join.hpp"
#include "compiler/plan/operators/logical_key_by.hpp"
#include "compiler/plan/operators/logical_project.hpp"
#include "compiler/plan/operators/logical_sink.hpp"
#include "compiler/plan/operators/logical_source.hpp"
#include "compiler/plan/operators/logical_tally.hpp"
#include "compiler/plan/operators/logical_union.hpp"

namespace flow::compiler::plan {

namespace {

//! The operator as the user writes it, for messages.
const char* keyword(ast::OpKind kind) {
  switch (kind) {
    case ast::OpKind::Where: return "where";
    case ast::OpKind::Select: return "select";
    case ast::OpKind::Tally: return "tally";
    case ast::OpKind::Explode: return "explode";
    case ast::OpKind::KeyBy: return "key by";
    case ast::OpKind::GroupBy: return "group by";
    case ast::OpKind::Aggregate: return "aggregate";
    case ast::OpKind::Emit: return "emit";
    case ast::OpKind::Process: return "process";
    case ast::OpKind::Into: return "into";
    case ast::OpKind::Top: return "top";
    case ast::OpKind::Join: return "join";
  }
  return "";
}

//! The outermost list of a state field's type, the field itself or a list inside it, that has no
//! bound: `list<list<string>>(max 10)` bounds how many lists it holds, not how long each grows.
const ast::TypeRef* unbounded_list(const ast::TypeRef& written, const Type& type) {
  if (type.kind != TypeKind::List || written.arguments.empty()) return nullptr;
  if (type.max_length == 0) return &written;
  return unbounded_list(written.arguments.front(), type.element.front());
}

//! `type` with a bound of 100 on each list that has none: the declaration the help suggests.
Type with_bounds(Type type) {
  if (type.kind != TypeKind::List) return type;
  if (type.max_length == 0) type.max_length = 100;
  type.element.front() = with_bounds(type.element.front());
  return type;
}

}  // namespace

struct QueryPlanner::Pipeline {
  QueryPlan plan;
  std::vector<const SourcePlan*> sources;
  Schema schema;                   //!< the current record's fields
  std::optional<Type> key;         //!< the current key, once keyed
  const ast::Operator* state_op = nullptr;  //!< keyed state processing seen (process / emit changes)
  const ast::Operator* into = nullptr;
  bool is_union = false;

  Scope scope() const {
    Scope s;
    s.input = &schema;
    s.key = key ? &*key : nullptr;
    s.where = "in query `" + plan.name + "`";
    return s;
  }

  template <typename Operator>
  Operator& add(Span span, Schema output) {
    auto op = std::make_unique<Operator>();
    op->span = span;
    op->output = std::move(output);
    Operator& ref = *op;
    plan.operators.push_back(std::move(op));
    return ref;
  }
};

void QueryPlanner::unbounded(ErrorCode code, Span span, std::string message, std::string label, std::string note,
                             std::string help) {
  Diagnostic& d = options_.allow_unbounded_state ? sink_.warning(code, span, std::move(message), std::move(label))
                                                 : sink_.error(code, span, std::move(message), std::move(label));
  d.note(std::move(note)).with_help(std::move(help));
  if (options_.allow_unbounded_state) d.note("reported as a warning because of --allow-unbounded-state");
}

QueryPlan QueryPlanner::plan(const ast::QueryDecl& query) {
  Pipeline pipeline;
  pipeline.plan.name = query.name.name;
  pipeline.plan.span = query.span;
  if (!plan_inputs(query, pipeline)) return std::move(pipeline.plan);
  for (size_t i = 0; i < query.operators.size(); ++i) plan_operator(query, i, pipeline);
  if (!pipeline.into) {
    Span end = query.operators.empty() ? query.inputs.back().span : query.operators.back().span;
    sink_.error(ErrorCode::NoAction, query.name.span, fmt::format("query `{}` has no action", query.name.name),
                "never writes anywhere")
        .label(end, "the pipeline ends here")
        .note("a streaming query runs exactly one action: its sink")
        .with_help("end the query with `| into SINK`; to only count records use `tally` and a metric, with a sink "
                   "such as `sink discard to stdout;`");
  }
  return std::move(pipeline.plan);
}

bool QueryPlanner::plan_inputs(const ast::QueryDecl& query, Pipeline& pipeline) {
  bool ok = true;
  for (const auto& input : query.inputs) {
    const SourcePlan* source = plan_.find_source(input.source.name);
    if (!source) {
      std::vector<std::string> names;
      for (const auto& s : plan_.sources) names.push_back(s.name);
      sink_.error(ErrorCode::UnknownSource, input.source.span, fmt::format("unknown source `{}`", input.source.name),
                  "not declared")
          .with_help(did_you_mean(input.source.name, names, "declare it with `source NAME from kafka \"TOPIC\" …`"));
      ok = false;
      continue;
    }
    if (source->table) {
      sink_.error(ErrorCode::NotATable, input.source.span, fmt::format("`{}` is a table, not a source", source->name),
                  "a table")
          .label(source->span, "declared as a table")
          .note("a table is the latest row per key of its topic; queries read streams, and look rows up with `join`")
          .with_help(fmt::format("read a stream and join it: `from STREAM | join {} on FIELD`; to read every change "
                                 "of the topic as a stream, declare it as a `source` as well, under another name",
                                 source->name));
      ok = false;
      continue;
    }
    if (std::find(pipeline.sources.begin(), pipeline.sources.end(), source) != pipeline.sources.end()) {
      sink_.error(ErrorCode::DuplicateName, input.source.span,
                  fmt::format("source `{}` is read twice by query `{}`", source->name, query.name.name),
                  "read again here")
          .label(std::find_if(query.inputs.begin(), query.inputs.end(),
                              [&](const ast::QueryInput& i) { return i.source.name == source->name; })
                     ->source.span,
                 "first read here")
          .with_help("read each source once; its `on SOURCE` handler sees every one of its records");
      ok = false;
      continue;
    }
    pipeline.sources.push_back(source);
    pipeline.plan.sources.push_back(source->name);
  }
  if (!ok) return false;

  if (query.inputs.size() == 1) {
    const SourcePlan& source = *pipeline.sources.front();
    auto& op = pipeline.add<LogicalSource>(query.inputs.front().span, source.schema);
    op.source = source.name;
    op.topic = source.topic;
    pipeline.schema = source.schema;
    if (const auto& key = query.inputs.front().key) {
      auto& key_by = pipeline.add<LogicalKeyBy>(key->span, pipeline.schema);
      key_by.key = binder_.bind(*key, pipeline.scope());
      pipeline.key = key_by.key.type;
    }
    return true;
  }

  // Several sources: a keyed union. Every source needs a key of one type, and the same
  // partition count, so that one key's records from every source meet in one task.
  pipeline.is_union = true;
  LogicalUnion& union_op = pipeline.add<LogicalUnion>({query.inputs.front().span.begin, query.inputs.back().span.end}, {});
  const ast::QueryInput* first_keyed = nullptr;
  for (size_t i = 0; i < query.inputs.size(); ++i) {
    const ast::QueryInput& input = query.inputs[i];
    const SourcePlan& source = *pipeline.sources[i];
    if (!input.key) {
      sink_.error(ErrorCode::UnionWithoutKey, input.span,
                  fmt::format("source `{}` in a union has no `key by`", source.name), "no key")
          .note("the sources of one query meet in one keyed state; each record needs the key it belongs to")
          .with_help(fmt::format("write `{} key by FIELD`", source.name));
      ok = false;
      continue;
    }
    Scope scope;
    scope.input = &source.schema;
    scope.where = fmt::format("in source `{}`", source.name);
    UnionInput bound{source.name, source.topic, source.schema, binder_.bind(*input.key, scope), input.span};
    if (!first_keyed) {
      first_keyed = &input;
      union_op.key_type = bound.key.type.as_nullable(false);
    } else if (!bound.key.type.is_error() && !union_op.key_type.is_error() &&
               bound.key.type.kind != union_op.key_type.kind) {
      sink_.error(ErrorCode::UnionKeyTypes, input.key->span,
                  fmt::format("the key of `{}` is `{}`, but the key of `{}` is `{}`", source.name,
                              bound.key.type.to_string(), first_keyed->source.name, union_op.key_type.to_string()),
                  "different key type")
          .label(first_keyed->key->span, union_op.key_type.to_string())
          .with_help(fmt::format("key `{}` by a `{}` field too: the records of a union meet only when their keys "
                                 "are equal, and keys of types `{}` and `{}` never are",
                                 source.name, union_op.key_type.to_string(), bound.key.type.to_string(),
                                 union_op.key_type.to_string()));
      ok = false;
    }
    const SourcePlan& first_source = *pipeline.sources.front();
    if (source.partitions && first_source.partitions && source.partitions != first_source.partitions) {
      sink_.error(ErrorCode::UnionPartitions, input.span,
                  fmt::format("source `{}` has {} partitions but `{}` has {}", source.name, source.partitions,
                              first_source.name, first_source.partitions),
                  "not co-partitioned")
          .label(query.inputs.front().span, fmt::format("{} partitions", first_source.partitions))
          .note("a key's records must land in the same partition number of every topic of a union")
          .with_help("give the topics the same partition count (and the same key partitioning)");
      ok = false;
    }
    union_op.inputs.push_back(std::move(bound));
  }
  pipeline.key = union_op.key_type;
  return ok;
}

bool QueryPlanner::check_not_after_state(const ast::Operator& op, const Pipeline& pipeline) {
  if (!pipeline.state_op) return true;
  bool after_process = pipeline.state_op->kind == ast::OpKind::Process;
  sink_.error(ErrorCode::AggregationAfterState, op.span,
              fmt::format("`{}` follows keyed state processing", keyword(op.kind)), "aggregates again")
      .label(pipeline.state_op->span, after_process ? "keyed state processing" : "emits an update per key and change")
      .note("keyed state processing emits updates per key; aggregating those updates again double-counts")
      .with_help(after_process ? "write this query's result to a topic with `into`, and aggregate it in another "
                                 "query that reads that topic"
                               : "give the first aggregate a window and `| emit final`, so each group is emitted "
                                 "once; or aggregate its results in another query that reads them from a topic");
  return false;
}

void QueryPlanner::check_event_time(Span span, std::string_view what, const ast::Operator* emit_final,
                                    const Pipeline& pipeline) {
  for (const SourcePlan* source : pipeline.sources) {
    if (source->event_time && source->watermark_ms) continue;
    Diagnostic& d = sink_.error(ErrorCode::NeedsEventTime, span,
                                fmt::format("{} needs event time, but source `{}` declares no {}", what, source->name,
                                            source->event_time ? "`watermark`" : "`event_time`"),
                                "needs event time");
    d.label(source->span, "declared here");
    if (emit_final) d.label(emit_final->span, "waits for the watermark");
    if (what == "an event-time timeout")
      d.note("a key times out when the watermark passes its last event time plus the timeout");
    d.with_help(source->event_time
                    ? fmt::format("add `watermark = 30s` (how late a record may arrive) to the `with (…)` of `{}`",
                                  source->name)
                    : fmt::format("add `event_time = FIELD, watermark = 30s` to the `with (…)` of `{}`{}",
                                  source->name,
                                  what == "an event-time timeout" ? ", or write `timeout … in processing time`" : ""));
  }
}

void QueryPlanner::plan_operator(const ast::QueryDecl& query, size_t& index, Pipeline& pipeline) {
  const ast::Operator& op = query.operators[index];
  if (pipeline.into) {
    if (op.kind == ast::OpKind::Into) {
      sink_.error(ErrorCode::TwoActions, op.span, fmt::format("query `{}` has two actions", query.name.name),
                  "second action")
          .label(pipeline.into->span, "first action")
          .note("a streaming query runs exactly one action; Spark accepts two in a batch test and fails as a stream")
          .with_help("move this sink to a query of its own that reads the same source");
    } else {
      sink_.error(ErrorCode::OperatorAfterAction, op.span, "an operator follows `into`", "after the action")
          .label(pipeline.into->span, "the query's action")
          .with_help("`into` ends a query: move this operator before it");
    }
    return;
  }
  if (pipeline.is_union && op.kind != ast::OpKind::Process &&
      pipeline.plan.operators.back()->kind == OperatorKind::Union) {
    // `into` still counts as the action, so that a missing one is not reported as well.
    if (op.kind == ast::OpKind::Into) pipeline.into = &op;
    sink_.error(ErrorCode::MisplacedOperator, op.span,
                fmt::format("`{}` cannot follow a union of several sources", keyword(op.kind)),
                "needs records of one shape")
        .label(pipeline.plan.operators.back()->span, "records of different shapes")
        .note("a union is read by `process`, whose `on SOURCE` handlers see the fields of each source")
        .with_help(op.kind == ast::OpKind::Into
                       ? "add `| process` with one `on SOURCE` handler per source, each emitting records of one "
                         "shape"
                       : fmt::format("move this `{}` into the `on SOURCE` handlers of a `| process` right after "
                                     "`from`",
                                     keyword(op.kind)));
    return;
  }
  Scope scope = pipeline.scope();
  switch (op.kind) {
    case ast::OpKind::Where: {
      auto& filter = pipeline.add<LogicalFilter>(op.span, pipeline.schema);
      filter.condition = binder_.bind_condition(*op.condition, scope, "`where`");
      break;
    }
    case ast::OpKind::Select: {
      Schema output;
      std::vector<BoundExpr> values;
      // By name, so that a generated select of 40,000 items is not checked in quadratic time.
      std::unordered_map<std::string, size_t> first_item;
      for (const auto& item : op.items) {
        BoundExpr value = binder_.bind(item.value, scope);
        std::string name = item.alias ? item.alias->name : item.value.text;
        if (auto [first, added] = first_item.try_emplace(name, output.size()); !added) {
          const ast::NamedExpr& earlier = op.items[first->second];
          sink_.error(ErrorCode::DuplicateName, item.alias ? item.alias->span : item.value.span,
                      fmt::format("`select` produces field `{}` twice", name), "again here")
              .label(earlier.alias ? earlier.alias->span : earlier.value.span, "first here")
              .with_help("give each field its own name with `as`");
        }
        output.push_back({name, value.type});
        values.push_back(std::move(value));
      }
      auto& project = pipeline.add<LogicalProject>(op.span, output);
      project.values = std::move(values);
      pipeline.schema = std::move(output);
      break;
    }
    case ast::OpKind::Tally: {
      if (!plan_.find_metric(op.target.name)) {
        std::vector<std::string> names;
        for (const auto& m : plan_.metrics) names.push_back(m.name);
        sink_.error(ErrorCode::UnknownMetric, op.target.span, fmt::format("unknown metric `{}`", op.target.name),
                    "not declared")
            .with_help(did_you_mean(op.target.name, names, fmt::format("declare it: `metric {};`", op.target.name)));
      }
      auto& tally = pipeline.add<LogicalTally>(op.span, pipeline.schema);
      tally.metric = op.target.name;
      if (op.condition) tally.condition = binder_.bind_condition(*op.condition, scope, "`tally … when`");
      break;
    }
    case ast::OpKind::Explode: plan_explode(op, pipeline); break;
    case ast::OpKind::KeyBy: {
      auto& key_by = pipeline.add<LogicalKeyBy>(op.span, pipeline.schema);
      key_by.key = binder_.bind(op.keys.front(), scope);
      pipeline.key = key_by.key.type;
      break;
    }
    case ast::OpKind::GroupBy:
    case ast::OpKind::Aggregate: plan_aggregate(query, index, pipeline); break;
    case ast::OpKind::Emit:
      sink_.error(ErrorCode::MisplacedOperator, op.span, "`emit` must follow `aggregate`", "nothing to emit")
          .note("`| emit final` or `| emit changes` says when the results of the `aggregate` before it are written")
          .with_help("remove it, or put it right after an `| aggregate …`; records leave a `process` through the "
                     "`emit` statement of a handler");
      break;
    case ast::OpKind::Process: plan_process(op, pipeline); break;
    case ast::OpKind::Join: plan_join(op, pipeline); break;
    case ast::OpKind::Into: plan_into(op, pipeline); break;
    case ast::OpKind::Top:
      sink_.error(ErrorCode::MisplacedOperator, op.span, "`top` needs a `group by` with a window right before it",
                  "no window to rank in")
          .note("a window's top N is final when the window closes; without a window no ranking is ever final")
          .with_help("group the records first and give them a window, as in `| group by auction window "
                     "tumbling(10s) | top 3 by price desc`, or `| group by window tumbling(10s) | top 3 by price "
                     "desc` for one ranking of every record per window");
      break;
  }
}

void QueryPlanner::plan_aggregate(const ast::QueryDecl& query, size_t& index, Pipeline& pipeline) {
  const ast::Operator* group_by = nullptr;
  const ast::Operator& first = query.operators[index];
  if (first.kind == ast::OpKind::GroupBy) {
    group_by = &first;
    if (index + 1 >= query.operators.size() || (query.operators[index + 1].kind != ast::OpKind::Aggregate &&
                                                 query.operators[index + 1].kind != ast::OpKind::Top)) {
      sink_.error(ErrorCode::MisplacedOperator, first.span, "`group by` must be followed by `aggregate` or `top`",
                  "groups without aggregating")
          .with_help("write `| group by KEY | aggregate count() as n`");
      return;
    }
    if (query.operators[index + 1].kind == ast::OpKind::Top && !first.window) {
      sink_.error(ErrorCode::MisplacedOperator, query.operators[index + 1].span,
                  "`top` needs a window in the `group by` before it", "no window to rank in")
          .label(first.span, "groups without a window")
          .note("a window's top N is final when the window closes; a group without a window never closes")
          .with_help("add a window to the `group by`, as in `| group by auction window tumbling(10s)`");
      ++index;  // the `top` is reported here, not again as one without a `group by`
      return;
    }
    ++index;
  }
  const ast::Operator& aggregate_op = query.operators[index];
  const ast::Operator* emit_op = nullptr;
  if (index + 1 < query.operators.size() && query.operators[index + 1].kind == ast::OpKind::Emit)
    emit_op = &query.operators[++index];
  if (!check_not_after_state(group_by ? *group_by : aggregate_op, pipeline)) return;

  Scope scope = pipeline.scope();
  Span span{first.span.begin, (emit_op ? emit_op : &aggregate_op)->span.end};
  auto aggregate = std::make_unique<LogicalAggregate>();
  aggregate->span = span;
  Schema output;
  const bool is_top = aggregate_op.kind == ast::OpKind::Top;
  if (group_by) {
    // No fields, only a window: one group per window, over every record (a global window).
    for (const auto& key : group_by->keys) {
      BoundExpr bound = binder_.bind(key, scope);
      if (bound.kind != BoundKind::InputField && !bound.type.is_error()) {
        sink_.error(ErrorCode::MisplacedOperator, key.span, "`group by` takes fields, not computed values",
                    "computed")
            .with_help("compute it in a `select … as name` first, then group by that name");
      }
      if (int first = bound.kind == BoundKind::InputField ? find_field(output, bound.name) : -1; first >= 0)
        sink_.error(ErrorCode::DuplicateName, key.span, fmt::format("`group by` names field `{}` twice", bound.name),
                    "again here")
            .label(group_by->keys[static_cast<size_t>(first)].span, "first here")
            .with_help("group by each field once: each output record would hold it twice");
      output.push_back({bound.kind == BoundKind::InputField ? bound.name : "key", bound.type});
      aggregate->keys.push_back(std::move(bound));
    }
  } else if (pipeline.key) {
    BoundExpr key;
    key.kind = BoundKind::Key;
    key.type = *pipeline.key;
    key.name = "key";
    output.push_back({"key", key.type});
    aggregate->keys.push_back(std::move(key));
  } else {
    sink_.error(ErrorCode::NeedsKey, aggregate_op.span, "`aggregate` needs a key", "no key")
        .with_help("write `| group by FIELD` before it, or `| key by FIELD`");
    return;
  }
  if (group_by && group_by->window) {
    const ast::Window& window = *group_by->window;
    WindowSpec& spec = aggregate->window;
    spec.span = window.span;
    spec.processing_time = window.processing_time;
    std::vector<int64_t> sizes;
    for (const auto& argument : window.arguments) {
      if (argument.kind != ast::ExprKind::Duration || argument.int_value <= 0) {
        sink_.error(ErrorCode::NotPositive, argument.span, "a window size must be a positive duration such as `1m`",
                    "not a positive duration")
            .with_help("durations carry a unit: `500ms`, `30s`, `5m`, `1h`, `1d`");
        sizes.push_back(0);
        continue;
      }
      sizes.push_back(argument.int_value);
    }
    const std::string& kind = window.kind.name;
    if (kind == "tumbling" && sizes.size() == 1) {
      spec.kind = WindowKind::Tumbling;
      spec.size_ms = sizes[0];
    } else if (kind == "hopping" && sizes.size() == 2) {
      spec.kind = WindowKind::Hopping;
      spec.size_ms = sizes[0];
      spec.slide_ms = sizes[1];
      if (sizes[1] > sizes[0])
        sink_.error(ErrorCode::NotPositive, window.arguments[1].span, "a hopping window's slide exceeds its size",
                    "records between windows would be lost")
            .with_help("use a slide no larger than the size; equal values make a tumbling window");
    } else if (kind == "session" && sizes.size() == 1) {
      spec.kind = WindowKind::Session;
      spec.gap_ms = sizes[0];
    }
    // A processing-time window needs no event time: the clock assigns and closes it.
    if (!window.processing_time)
      check_event_time(window.span, "a window", emit_op && emit_op->target.name == "final" ? emit_op : nullptr,
                       pipeline);
    for (const char* column : {"window_start", "window_end"}) {
      if (is_top) continue;  // plan_top places them after the record's fields
      if (int clash = find_field(output, column); clash >= 0)
        sink_.error(ErrorCode::DuplicateName, group_by->keys[static_cast<size_t>(clash)].span,
                    fmt::format("group field `{}` has the name of a window column", column),
                    "named like a window column")
            .note("a windowed aggregate's records hold the group fields, then `window_start` and `window_end`, "
                  "then the aggregates; the record would hold this name twice")
            .with_help(fmt::format("rename the field before grouping, as in `| select {0} as job_{0}, …`, and "
                                   "group by the new name",
                                   column));
      output.push_back({column, Type::scalar(TypeKind::Timestamp)});
    }
  }
  if (is_top) {
    output.clear();  // a top's rows are records, not groups: plan_top lays them out
    plan_top(aggregate_op, scope, pipeline.schema, *aggregate, output);
  }
  for (const auto& item : aggregate_op.items) {
    const ast::Expr& call = item.value;
    if (call.kind != ast::ExprKind::Call || !is_aggregate_function(call.text)) {
      bool is_call = call.kind == ast::ExprKind::Call;
      sink_.error(ErrorCode::BadArguments, call.span,
                  is_call ? fmt::format("`{}` is not an aggregate function", call.text)
                          : std::string("`aggregate` takes aggregate functions"),
                  "not an aggregate")
          .with_help(fmt::format("use count(), sum(x), min(x), max(x), avg(x), first(x), last(x), max_by(x, y), "
                                 "min_by(x, y), count_distinct(x, bound) or approx_count_distinct(x); x may be any "
                                 "expression, such as `{}`",
                                 is_call ? fmt::format("last({}(…))", call.text) : "last(x + 1)"));
      continue;
    }
    AggregateCall bound;
    bound.function = call.text;
    bound.output_name = item.alias ? item.alias->name : call.text;
    bound.span = item.span;
    std::vector<Type> types;
    std::string given;
    for (const auto& argument : call.children) {
      // The first argument is the value; max_by / min_by's second orders the records.
      std::optional<BoundExpr>& into = bound.argument ? bound.by : bound.argument;
      into = binder_.bind(argument, scope);
      types.push_back(into->type);
      given += (given.empty() ? "" : ", ") + types.back().to_string();
    }
    CallCheck check = check_aggregate_call(call.text, types);
    // count_distinct's bound is part of the program, not a value per record.
    if (call.text == "count_distinct" && bound.by) {
      const BoundExpr& limit = *bound.by;
      if (!check.result) {
        // reported below
      } else if (limit.kind == BoundKind::Literal && limit.type.kind == TypeKind::Int && limit.int_value > 0) {
        bound.max_distinct = limit.int_value;
      } else {
        sink_.error(ErrorCode::NotPositive, call.children[1].span,
                    "the bound of `count_distinct` is not a positive integer literal", "not a positive literal")
            .note("the bound says how many distinct values one group's state holds at most: it is fixed when the "
                  "program is built")
            .with_help("write the largest number of distinct values a group may have, as in `count_distinct(user, "
                       "100000)`, or estimate without a bound: `approx_count_distinct(user)`");
      }
      bound.by.reset();
    }
    if (!check.result) {
      sink_.error(ErrorCode::BadArguments, call.span, fmt::format("`{}` cannot take ({})", call.text, given),
                  "wrong arguments")
          .with_help(check.error);
      bound.type = Type::scalar(TypeKind::Error);
    } else {
      bound.type = *check.result;
    }
    if (find_field(output, bound.output_name) >= 0)
      sink_.error(ErrorCode::DuplicateName, item.alias ? item.alias->span : call.span,
                  fmt::format("`aggregate` produces field `{}` twice", bound.output_name), "again here");
    output.push_back({bound.output_name, bound.type});
    aggregate->aggregates.push_back(std::move(bound));
  }
  bool windowed = aggregate->window.kind != WindowKind::None;
  aggregate->emit = windowed ? EmitMode::Final : EmitMode::Changes;
  if (emit_op) {
    aggregate->emit_written = true;
    aggregate->emit_span = emit_op->span;
    aggregate->emit = emit_op->target.name == "final" ? EmitMode::Final : EmitMode::Changes;
    // With a window, a missing event time is reported once, at the window (check_event_time).
    if (is_top && aggregate->emit == EmitMode::Changes)
      sink_.error(ErrorCode::MisplacedOperator, emit_op->span, "`top` emits only when its window closes",
                  "a ranking that changes")
          .note("a window's top N is emitted once, final, when the watermark passes the window's end")
          .with_help("remove `| emit changes` (or write `| emit final`, which is what `top` does)");
    if (aggregate->emit == EmitMode::Final && !windowed)
      sink_.error(ErrorCode::MisplacedOperator, emit_op->span, "`emit final` needs a window", "never final")
          .note("without a window a group never closes, so its final value never comes")
          .with_help("add `window tumbling(1m)` to `group by`, or use `emit changes`");
  }
  if (aggregate_op.timeout) {
    const ast::Expr& timeout = *aggregate_op.timeout;
    if (timeout.kind != ast::ExprKind::Duration || timeout.int_value <= 0) {
      sink_.error(ErrorCode::NotPositive, timeout.span, "a timeout must be a positive duration such as `1h`",
                  "not a positive duration");
    } else if (windowed) {
      sink_.error(ErrorCode::MisplacedOperator, timeout.span, "a windowed aggregate takes no `timeout`",
                  "windows already end")
          .note("a window's state is dropped when the watermark passes its end")
          .with_help("remove the `timeout`, or group without a window and keep the `timeout`");
    } else {
      aggregate->timeout_ms = timeout.int_value;
      aggregate->processing_time = aggregate_op.processing_time;
      if (!aggregate->processing_time) check_event_time(timeout.span, "an event-time timeout", nullptr, pipeline);
    }
  }
  // A timeout with a wrong value is reported as such, not as a missing one.
  if (!windowed && !aggregate_op.timeout)
    unbounded(ErrorCode::StateNeverCleaned, span, "this aggregation keeps state for every key forever",
              "unbounded keyed state",
              "each new key adds state that nothing removes; a stream with ever new keys runs out of memory",
              "aggregate per window (`group by … window tumbling(1h)`), or drop groups that go quiet: "
              "`| aggregate count() as n timeout 1h` (a group with no record for an hour starts again from "
              "nothing)");
  if (aggregate->emit == EmitMode::Changes) pipeline.state_op = &aggregate_op;

  aggregate->output = output;
  if (aggregate->keys.empty()) {
    pipeline.key.reset();  // a global window's rows have no key: one group per window
  } else if (aggregate->keys.size() == 1) {
    pipeline.key = aggregate->keys.front().type;
  } else {
    Schema key_fields;
    for (size_t i = 0; i < aggregate->keys.size(); ++i) key_fields.push_back(aggregate->group_field(i));
    pipeline.key = Type::record(key_fields);
  }
  pipeline.schema = std::move(output);
  pipeline.plan.operators.push_back(std::move(aggregate));
}

void QueryPlanner::plan_top(const ast::Operator& op, const Scope& scope, const Schema& input,
                            LogicalAggregate& aggregate, Schema& output) {
  TopSpec top;
  top.span = op.span;
  const ast::Expr& limit = *op.limit;
  constexpr int64_t kMaxTop = 10000;
  if (limit.kind != ast::ExprKind::Int || limit.int_value <= 0 || limit.int_value > kMaxTop) {
    sink_.error(ErrorCode::NotPositive, limit.span,
                fmt::format("the N of `top` must be an integer literal from 1 to {}", kMaxTop),
                limit.kind == ast::ExprKind::Int && limit.int_value > kMaxTop ? "too many rows per window"
                                                                               : "not a positive integer literal")
        .note("N says how many records each group and window keeps in state and emits: it is fixed when the "
              "program is built")
        .with_help(fmt::format("write how many records to rank, as in `| top 3 by price desc`; for more than {} "
                               "per window, aggregate in another way",
                               kMaxTop));
  } else {
    top.limit = limit.int_value;
  }
  for (const auto& item : op.order) {
    OrderKey key;
    key.value = binder_.bind(item.value, scope);
    key.descending = item.descending;
    key.span = item.span;
    const TypeKind kind = key.value.type.kind;
    if (kind == TypeKind::List || kind == TypeKind::Record)
      sink_.error(ErrorCode::TypeMismatch, item.value.span,
                  fmt::format("`top` cannot order by a `{}`", key.value.type.to_string()), "not orderable")
          .with_help("order by a number, string, bool, timestamp or duration, such as a field of the record");
    top.order.push_back(std::move(key));
  }
  output = input;
  for (const char* column : {"window_start", "window_end", "rank"}) {
    if (int clash = find_field(output, column); clash >= 0)
      sink_.error(ErrorCode::DuplicateName, op.span,
                  fmt::format("the records of `top` have a field `{}`, the name of a column it adds", column),
                  "adds a second `" + std::string(column) + "`")
          .note("`top` emits each record's fields, then `window_start`, `window_end` and `rank`; the record would "
                "hold this name twice")
          .with_help(fmt::format("rename the field first, as in `| select {0} as my_{0}, …`", column));
    output.push_back({column, Type::scalar(std::string_view(column) == "rank" ? TypeKind::Int : TypeKind::Timestamp)});
  }
  aggregate.top = std::move(top);
}

void QueryPlanner::plan_explode(const ast::Operator& op, Pipeline& pipeline) {
  const ast::NamedExpr& item = op.items.front();
  BoundExpr list = binder_.bind(item.value, pipeline.scope());
  Type element = Type::scalar(TypeKind::Error);
  if (list.type.kind == TypeKind::List && !list.type.element.empty()) {
    element = list.type.element.front();
  } else if (!list.type.is_error()) {
    sink_.error(ErrorCode::TypeMismatch, item.value.span,
                fmt::format("`explode` takes a list, not `{}`", list.type.to_string()), "not a list")
        .with_help("explode a list field, or a function that returns a list: `split(line, \" \")`, "
                   "`regexp_split(line, \"\\\\s+\")`");
  }
  for (const auto& stateful : pipeline.plan.operators) {
    if (stateful->kind != OperatorKind::Aggregate && stateful->kind != OperatorKind::Process &&
        stateful->kind != OperatorKind::Join)
      continue;
    sink_.error(ErrorCode::MisplacedOperator, op.span, "`explode` after keyed state is not supported yet",
                "after keyed state")
        .label(stateful->span, "keyed state")
        .note("the operators after an `aggregate` or a `process` run once per row it emits, and cannot yet turn one "
              "row into several")
        .with_help("explode before the keyed state, or write this query's result to a topic with `into` and explode "
                   "it in another query that reads that topic");
    break;
  }
  std::string name = item.alias ? item.alias->name : std::string();
  Span name_span = item.alias ? item.alias->span : item.value.span;
  if (int clash = name.empty() ? -1 : find_field(pipeline.schema, name); clash >= 0)
    sink_.error(ErrorCode::DuplicateName, name_span,
                fmt::format("`explode … as {}` names a field the record already has", name), "already a field")
        .note(fmt::format("each exploded record holds the fields of the record, then `{}`; it would hold this name "
                          "twice",
                          name))
        .with_help(fmt::format("choose another name, or drop or rename the field `{}` first with `select`", name));
  Schema output = pipeline.schema;
  output.push_back({name, element});
  auto& explode = pipeline.add<LogicalExplode>(op.span, output);
  explode.list = std::move(list);
  pipeline.schema = std::move(output);
}

void QueryPlanner::plan_process(const ast::Operator& op, Pipeline& pipeline) {
  if (!check_not_after_state(op, pipeline)) return;
  if (!pipeline.key) {
    sink_.error(ErrorCode::NeedsKey, op.span, "`process` needs a key", "no key")
        .note("keyed state lives per key; without one all records would share one state in one task")
        .with_help("write `| key by FIELD` before `process`");
    return;
  }
  std::vector<std::pair<std::string, const Schema*>> sources;
  if (pipeline.is_union) {
    for (const SourcePlan* source : pipeline.sources) sources.push_back({source->name, &source->schema});
  } else {
    sources.push_back({pipeline.sources.front()->name, &pipeline.schema});
  }
  HandlerBinder handlers(plan_, sink_, binder_);
  auto process = handlers.bind(op, *pipeline.key, sources, pipeline.is_union);
  // An event-time timeout fires when the watermark passes a key's last event plus the timeout.
  if (process->timeout_ms && !process->processing_time)
    check_event_time(op.timeout->span, "an event-time timeout", nullptr, pipeline);
  // HandlerBinder makes one state field plan per declared field, in order.
  for (size_t i = 0; i < process->state.size() && i < op.state.size(); ++i) {
    const StateFieldPlan& field = process->state[i];
    const ast::TypeRef* list = unbounded_list(op.state[i].type, field.type);
    if (!list) continue;
    std::string fix = fmt::format("{}: {}", field.name, with_bounds(field.type).to_string());
    if (list == &op.state[i].type)
      unbounded(ErrorCode::UnboundedStateField, field.span,
                fmt::format("state field `{}` is a {} without a bound", field.name, field.type.set ? "set" : "list"),
                "can grow without bound",
                field.type.set ? "a set per key grows with every new value until the job runs out of memory"
                               : "an appended-to list per key grows until the job runs out of memory",
                fmt::format("declare a bound: `{}` keeps the newest 100", fix));
    else
      unbounded(ErrorCode::UnboundedStateField, list->span,
                fmt::format("state field `{}` holds lists without a bound", field.name), "can grow without bound",
                "the outer bound limits how many lists a key keeps, not how long each one grows: an inner list "
                "appended to grows until the job runs out of memory",
                fmt::format("declare a bound on every list: `{}`", fix));
  }
  // A timeout with a wrong value is reported as such (E0231), not as a missing one.
  if (!op.timeout && !process->clears_state)
    unbounded(ErrorCode::StateNeverCleaned, op.span, "this keyed state is never cleaned", "state kept forever",
              "every key ever seen keeps its state; a stream with ever new keys runs out of memory",
              "add `timeout 30m` after the state (then `on timeout { … }` runs when a key goes quiet), or "
              "`clear state` in a handler");
  pipeline.state_op = &op;
  pipeline.schema = process->output;
  pipeline.plan.operators.push_back(std::move(process));
}

void QueryPlanner::plan_join(const ast::Operator& op, Pipeline& pipeline) {
  const ast::Identifier& name = op.target;
  const SourcePlan* table = plan_.find_source(name.name);
  const bool windowed = op.within_before || op.within_after;
  if (!table) {
    std::vector<std::string> names;
    for (const auto& s : plan_.sources) names.push_back(s.name);
    sink_.error(ErrorCode::NotATable, name.span, fmt::format("unknown table or stream `{}`", name.name),
                "not declared")
        .note("`join` looks each record's row up in a table, or matches it with the records of another stream "
              "`within` a time window")
        .with_help(did_you_mean(name.name, names,
                                fmt::format("declare it: `table {} from kafka \"TOPIC\" as json {{ … }} with "
                                            "(key = FIELD, max_rows = N, event_time = FIELD, watermark = 0s, "
                                            "partitions = N)`, or as a `source` to join it `within` a window",
                                            name.name)));
    return;
  }
  for (const auto& earlier : pipeline.plan.operators) {
    const char* what = earlier->kind == OperatorKind::Join        ? "a second `join` in one query"
                       : earlier->kind == OperatorKind::Aggregate ? "`join` after an `aggregate`"
                       : earlier->kind == OperatorKind::Process   ? "`join` after a `process`"
                       : earlier->kind == OperatorKind::Union     ? "`join` after a union"
                                                                  : nullptr;
    if (!what) continue;
    sink_.error(ErrorCode::MisplacedOperator, op.span, fmt::format("{} is not supported yet", what),
                "cannot join here")
        .label(earlier->span, earlier->kind == OperatorKind::Join ? "the first join" : "before the join")
        .note("a join is the first keyed state of its query: the other side's records reach it straight from their "
              "topic")
        .with_help("join first, then aggregate or process the joined records; or write this query's result to a "
                   "topic with `into` and join it in another query that reads that topic");
    return;
  }
  if (!table->table) {
    if (!windowed) {
      sink_.error(ErrorCode::JoinForm, op.span, fmt::format("a join of stream `{}` needs a window", name.name),
                  "no `within`")
          .label(table->span, "declared as a source")
          .note("two streams join record by record: each record matches the other stream's records with the same key "
                "whose event time is near its own; without a bound on how near, both streams would be kept forever")
          .with_help(fmt::format("give the window: `join {0} within 10m on KEY` (10 minutes either way), or `join {0} "
                                 "within 0s before and 1h after on KEY`; to look up the latest row per key instead, "
                                 "declare `{0}` as a `table`",
                                 name.name));
      return;
    }
    plan_window_join(op, *table, pipeline);
    return;
  }
  const char* misfit = windowed             ? "a table join takes no `within` window"
                       : op.full            ? "`full join` of a table is not supported"
                       : op.keys.size() > 1 ? "a table join names the stream's side of its key only"
                                            : nullptr;
  if (misfit) {
    sink_.error(ErrorCode::JoinForm, op.span, misfit, "joins a table")
        .label(table->span, "declared as a table")
        .note("a record joins the table row current at its event time, found by the table's own key")
        .with_help(op.full       ? fmt::format("write `join {0} on FIELD` or `left join {0} on FIELD`", name.name)
                   : windowed    ? fmt::format("drop the `within …`: `join {} on FIELD`; to match records near in time, "
                                               "declare the other topic as a `source`",
                                               name.name)
                                 : fmt::format("write `join {} on FIELD`: the stream's FIELD is matched against the "
                                               "table's key `{}`",
                                               name.name, table->table_key.value_or("?")));
    return;
  }
  Scope scope = pipeline.scope();
  BoundExpr key = binder_.bind(op.keys.front(), scope);
  int key_index = find_field(table->schema, table->table_key.value_or(""));
  if (key_index < 0) return;  // the table's own declaration is reported
  const Type& table_key = table->schema[static_cast<size_t>(key_index)].type;
  if (!key.type.is_error() && key.type.kind != table_key.kind) {
    sink_.error(ErrorCode::JoinKeyType, op.keys.front().span,
                fmt::format("the join key is `{}`, but the key of table `{}` is `{}`", key.type.to_string(),
                            table->name, table_key.to_string()),
                key.type.to_string())
        .label(table->span, fmt::format("keyed by `{}: {}`", *table->table_key, table_key.to_string()))
        .note("a record joins the row whose key equals its join key; values of different types are never equal")
        .with_help(fmt::format("join on a `{}` field of the stream (computed with `select … as NAME` before the "
                               "join if need be), or key the table by a field of type `{}`",
                               table_key.to_string(), key.type.to_string()));
    return;
  }
  // Temporal by event time: both sides need it (the stream's for when a record happened, the
  // table's for when a row took effect).
  check_event_time(op.span, "a join", nullptr, pipeline);
  Schema output = pipeline.schema;
  std::unordered_map<std::string, size_t> stream_names;
  for (size_t f = 0; f < pipeline.schema.size(); ++f) stream_names.emplace(pipeline.schema[f].name, f);
  for (size_t f = 0; f < table->schema.size(); ++f) {
    if (static_cast<int>(f) == key_index) continue;
    const Field& field = table->schema[f];
    if (stream_names.count(field.name)) {
      sink_.error(ErrorCode::DuplicateName, op.span,
                  fmt::format("field `{}` is in both the stream and table `{}`", field.name, table->name),
                  "both have it")
          .label(table->span, "the table's field")
          .note(fmt::format("a joined record holds the stream's fields, then the table's (but its key `{}`); it "
                            "would hold `{}` twice",
                            *table->table_key, field.name))
          .with_help(fmt::format("rename or drop the stream's field before the join: `| select …, {} as "
                                 "{}_before`",
                                 field.name, field.name));
      return;
    }
    output.push_back({field.name, op.left ? field.type.as_nullable(true) : field.type});
  }
  auto join = std::make_unique<LogicalJoin>();
  join->span = op.span;
  join->output = output;
  join->other = table->name;
  join->topic = table->topic;
  join->key = std::move(key);
  join->left = op.left;
  join->other_schema = table->schema;
  join->other_key_index = static_cast<size_t>(key_index);
  join->stream_fields = pipeline.schema.size();
  join->history_ms = table->history_ms;
  join->ttl_ms = table->ttl_ms;
  join->max_rows = table->max_rows;
  pipeline.key = table_key.as_nullable(false);
  pipeline.schema = std::move(output);
  pipeline.plan.sources.push_back(table->name);
  pipeline.sources.push_back(table);
  pipeline.plan.operators.push_back(std::move(join));
}

void QueryPlanner::plan_window_join(const ast::Operator& op, const SourcePlan& other, Pipeline& pipeline) {
  auto window_ms = [&](const std::optional<ast::Expr>& bound) -> int64_t {
    return bound ? bound->int_value : 0;  // a duration literal (the grammar takes nothing else)
  };
  const int64_t before_ms = window_ms(op.within_before);
  const int64_t after_ms = window_ms(op.within_after);
  if (std::find(pipeline.sources.begin(), pipeline.sources.end(), &other) != pipeline.sources.end()) {
    sink_.error(ErrorCode::JoinForm, op.target.span, fmt::format("stream `{}` joined with itself", other.name),
                "the query reads it already")
        .note("a self-join would read each record as both sides of the join; it is not supported yet")
        .with_help(fmt::format("write `{0}` to a second topic with `into` in another query, declare that topic as a "
                               "source, and join it",
                               other.name));
    return;
  }
  BoundExpr key = binder_.bind(op.keys.front(), pipeline.scope());
  Scope other_scope;
  other_scope.input = &other.schema;
  other_scope.where = fmt::format("in stream `{}`", other.name);
  // `on EXPR` alone: the same expression over both streams' records.
  const ast::Expr& other_expr = op.keys.size() > 1 ? op.keys[1] : op.keys.front();
  BoundExpr other_key = binder_.bind(other_expr, other_scope);
  if (key.type.is_error() || other_key.type.is_error()) return;
  if (key.type.kind != other_key.type.kind) {
    sink_.error(ErrorCode::JoinKeyType, other_expr.span,
                fmt::format("the join key is `{}` in query `{}`'s records but `{}` in stream `{}`'s",
                            key.type.to_string(), pipeline.plan.name, other_key.type.to_string(), other.name),
                other_key.type.to_string())
        .label(op.keys.front().span, key.type.to_string())
        .note("records join when their keys are equal; values of different types are never equal")
        .with_help("join on expressions of one type: compute this query's side with `select … as NAME` before the "
                   "join if need be");
    return;
  }
  // Both sides' records are kept for the window after their event time passes the watermark.
  pipeline.plan.sources.push_back(other.name);
  pipeline.sources.push_back(&other);
  check_event_time(op.span, "a windowed join", nullptr, pipeline);
  // Joined on one field name on both sides (`on ad_id`): the output holds it once.
  size_t dropped = other.schema.size();
  std::optional<size_t> stream_key_field;
  if (key.kind == BoundKind::InputField && other_key.kind == BoundKind::InputField && key.name == other_key.name) {
    dropped = static_cast<size_t>(other_key.index);
    stream_key_field = static_cast<size_t>(key.index);
  }
  Schema output;
  for (size_t f = 0; f < pipeline.schema.size(); ++f) {
    Field field = pipeline.schema[f];
    if (op.full && stream_key_field != f) field.type = field.type.as_nullable(true);
    output.push_back(std::move(field));
  }
  for (size_t f = 0; f < other.schema.size(); ++f) {
    if (f == dropped) continue;
    const Field& field = other.schema[f];
    if (find_field(pipeline.schema, field.name) >= 0) {
      sink_.error(ErrorCode::DuplicateName, op.span,
                  fmt::format("field `{}` is in both query `{}`'s records and stream `{}`", field.name,
                              pipeline.plan.name, other.name),
                  "both have it")
          .label(other.span, "the other stream's field")
          .note(fmt::format("a joined record holds this query's fields, then stream `{}`'s (but a key field both "
                            "join on, once); it would hold `{}` twice",
                            other.name, field.name))
          .with_help(fmt::format("rename or drop this query's field before the join: `| select …, {0} as "
                                 "{0}_{1}`",
                                 field.name, pipeline.plan.name));
      return;
    }
    output.push_back({field.name, op.left || op.full ? field.type.as_nullable(true) : field.type});
  }
  auto join = std::make_unique<LogicalJoin>();
  join->span = op.span;
  join->output = output;
  join->other = other.name;
  join->topic = other.topic;
  join->key = std::move(key);
  join->other_key = std::move(other_key);
  join->left = op.left;
  join->full = op.full;
  join->windowed = true;
  join->before_ms = before_ms;
  join->after_ms = after_ms;
  join->other_schema = other.schema;
  join->other_key_index = dropped;
  join->stream_key_field = stream_key_field;
  join->stream_fields = pipeline.schema.size();
  pipeline.key = join->key.type.as_nullable(false);
  pipeline.schema = std::move(output);
  pipeline.plan.operators.push_back(std::move(join));
}

void QueryPlanner::plan_into(const ast::Operator& op, Pipeline& pipeline) {
  pipeline.into = &op;
  const SinkPlan* sink = plan_.find_sink(op.target.name);
  if (!sink) {
    std::vector<std::string> names;
    for (const auto& s : plan_.sinks) names.push_back(s.name);
    sink_.error(ErrorCode::UnknownSink, op.target.span, fmt::format("unknown sink `{}`", op.target.name),
                "not declared")
        .with_help(did_you_mean(op.target.name, names,
                                fmt::format("declare it: `sink {} to kafka \"TOPIC\" as json;`", op.target.name)));
    return;
  }
  auto& out = pipeline.add<LogicalSink>(op.span, pipeline.schema);
  out.sink = sink->name;
  out.target = sink->kind;
  out.topic = sink->topic;
  out.keyed = pipeline.key.has_value();
}

}  // namespace flow::compiler::plan
