// Builds the physical plan from a checked logical plan (physical_planner.hpp).
#include "compiler/physical/physical_planner.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "compiler/plan/bound_expr.hpp"
#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_explode.hpp"
#include "compiler/plan/operators/logical_filter.hpp"
#include "compiler/plan/operators/logical_join.hpp"
#include "compiler/plan/operators/logical_key_by.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "compiler/plan/operators/logical_project.hpp"
#include "compiler/plan/operators/logical_sink.hpp"
#include "compiler/plan/operators/logical_source.hpp"
#include "compiler/plan/operators/logical_union.hpp"
#include "compiler/plan/operators/logical_tally.hpp"

namespace flow::compiler::physical {

namespace {

using plan::OperatorKind;

//! Union-find over source indices: the sources one query reads belong to one task group.
class SourceGroups {
 public:
  explicit SourceGroups(size_t count) : parent_(count) { std::iota(parent_.begin(), parent_.end(), size_t{0}); }
  size_t root(size_t s) {
    while (parent_[s] != s) s = parent_[s] = parent_[parent_[s]];
    return s;
  }
  void join(size_t a, size_t b) {
    a = root(a);
    b = root(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);  // the earliest declared source is the root
  }

 private:
  std::vector<size_t> parent_;
};

std::optional<size_t> source_index(const plan::Plan& p, const std::string& name) {
  for (size_t s = 0; s < p.sources.size(); ++s)
    if (p.sources[s].name == name) return s;
  return std::nullopt;
}

void collect_fields(const plan::BoundExpr& expr, std::vector<bool>& used) {
  if (expr.kind == plan::BoundKind::InputField && expr.index >= 0 && static_cast<size_t>(expr.index) < used.size())
    used[expr.index] = true;
  for (const auto& child : expr.children) collect_fields(child, used);
}

void collect_fields(const std::vector<plan::BoundStmt>& body, std::vector<bool>& used) {
  for (const auto& statement : body) {
    collect_fields(statement.value, used);
    collect_fields(statement.body, used);
    collect_fields(statement.else_body, used);
  }
}

bool is_stateful(OperatorKind kind) {
  return kind == OperatorKind::Aggregate || kind == OperatorKind::Process || kind == OperatorKind::Join;
}

//! The first stage's scope: an aggregate grouped by fields needs every record of a group, wherever
//! its partition is, and so does a global window (no fields: one group of every record); grouped by
//! the query's key (or a `process`), a task holds all of its keys.
StateScope first_stage_scope(const plan::LogicalOperator& op) {
  // A join's state is one store its stream's and its table's tasks all feed: a record finds its
  // row however the two topics are partitioned (and whatever their partition counts).
  if (op.kind == OperatorKind::Join) return StateScope::Shared;
  if (op.kind != OperatorKind::Aggregate) return StateScope::Task;
  const auto& aggregate = static_cast<const plan::LogicalAggregate&>(op);
  if (!aggregate.keys.empty() && aggregate.keys.front().kind == plan::BoundKind::Key) return StateScope::Task;
  return StateScope::Shared;
}

size_t index_of(const plan::Plan& p, const std::string& source) {
  if (auto s = source_index(p, source)) return *s;
  throw std::logic_error("physical plan: no source `" + source + "` (the plan is not checked)");
}

//! The physical form of a logical operator: its description, with names resolved to indices.
Operator physical_operator(const plan::Plan& p, const plan::LogicalOperator& op) {
  Operator out;
  out.kind = op.kind;
  out.output = op.output;
  switch (op.kind) {
    case OperatorKind::Source: {
      const auto& source = static_cast<const plan::LogicalSource&>(op);
      Read read;
      static_cast<plan::SourceSpec&>(read) = source;
      read.source_index = index_of(p, source.source);
      out.body = std::move(read);
      break;
    }
    case OperatorKind::Union: {
      const auto& logical = static_cast<const plan::LogicalUnion&>(op);
      Union union_op;
      static_cast<plan::UnionSpec&>(union_op) = logical;
      for (const auto& input : logical.inputs) union_op.input_sources.push_back(index_of(p, input.source));
      out.body = std::move(union_op);
      break;
    }
    case OperatorKind::Filter: out.body = Filter(static_cast<const plan::LogicalFilter&>(op)); break;
    case OperatorKind::Project: out.body = Project(static_cast<const plan::LogicalProject&>(op)); break;
    case OperatorKind::Explode: out.body = Explode(static_cast<const plan::LogicalExplode&>(op)); break;
    case OperatorKind::KeyBy: out.body = KeyBy(static_cast<const plan::LogicalKeyBy&>(op)); break;
    case OperatorKind::Tally: out.body = Tally(static_cast<const plan::LogicalTally&>(op)); break;
    case OperatorKind::Join: {
      const auto& logical = static_cast<const plan::LogicalJoin&>(op);
      Join join;
      static_cast<plan::JoinSpec&>(join) = logical;
      join.other_source = index_of(p, logical.other);
      out.body = std::move(join);
      break;
    }
    case OperatorKind::Aggregate: {
      Aggregate aggregate;
      static_cast<plan::AggregateSpec&>(aggregate) = static_cast<const plan::LogicalAggregate&>(op);
      aggregate.output = op.output;
      out.body = std::move(aggregate);
      break;
    }
    case OperatorKind::Process: {
      Process process;
      static_cast<plan::ProcessSpec&>(process) = static_cast<const plan::LogicalProcess&>(op);
      process.output = op.output;
      out.body = std::move(process);
      break;
    }
    case OperatorKind::Sink: {
      const auto& logical = static_cast<const plan::LogicalSink&>(op);
      Sink sink;
      static_cast<plan::SinkSpec&>(sink) = logical;
      for (size_t s = 0; s < p.sinks.size(); ++s)
        if (p.sinks[s].name == logical.sink) sink.sink_index = s;
      out.body = std::move(sink);
      break;
    }
  }
  return out;
}

Query plan_query(const plan::Plan& p, const plan::QueryPlan& query) {
  Query stages;
  stages.name = query.name;
  stages.source_names = query.sources;
  for (const auto& op : query.operators) stages.operators.push_back(physical_operator(p, *op));
  for (const auto& name : query.sources)
    if (auto s = source_index(p, name)) stages.sources.push_back(*s);
  const auto& ops = query.operators;
  stages.stateless_end = ops.size();
  for (size_t k = 1; k < ops.size(); ++k) {
    if (ops[k]->kind == OperatorKind::Sink && stages.stateless_end == ops.size()) stages.stateless_end = k;
    if (!is_stateful(ops[k]->kind)) continue;
    if (stages.stages.empty()) stages.stateless_end = k;
    StatefulStage stage;
    stage.operator_index = k;
    stage.kind = ops[k]->kind;
    stage.store = stages.stages.empty() ? query.name : query.name + "." + std::to_string(stages.stages.size() + 1);
    stage.scope = stages.stages.empty() ? first_stage_scope(*ops[k]) : StateScope::Shared;
    stages.stages.push_back(std::move(stage));
  }
  for (size_t i = 0; i < stages.stages.size(); ++i) {
    size_t next = stages.stages[i].operator_index + 1;
    while (next < ops.size() && !is_stateful(ops[next]->kind) && ops[next]->kind != OperatorKind::Sink) ++next;
    stages.stages[i].next_operator = next;
  }
  if (!stages.operators.empty())
    if (const auto* sink = std::get_if<Sink>(&stages.operators.back().body)) stages.sink = sink->sink_index;
  return stages;
}

}  // namespace

std::vector<bool> needed_fields(const plan::Plan& plan, const std::string& source_name) {
  const plan::SourcePlan* source = plan.find_source(source_name);
  std::vector<bool> used(source ? source->schema.size() : 0, false);
  if (!source) return used;
  if (source->event_time) used[plan::find_field(source->schema, *source->event_time)] = true;
  for (const auto& query : plan.queries) {
    if (query.operators.empty()) continue;
    if (query.operators.front()->kind == OperatorKind::Union) {
      // The whole record goes to keyed state.
      if (std::find(query.sources.begin(), query.sources.end(), source_name) != query.sources.end())
        std::fill(used.begin(), used.end(), true);
      continue;
    }
    if (const plan::LogicalJoin* join = query.join(); join && join->other == source_name) {
      std::fill(used.begin(), used.end(), true);  // the whole row goes into the join's state
      continue;
    }
    if (!query.reads_stream(source_name)) continue;
    bool source_schema = true;  // until a `select`, fields are the source's own
    for (size_t k = 1; k < query.operators.size() && source_schema; ++k) {
      const plan::LogicalOperator& op = *query.operators[k];
      switch (op.kind) {
        case OperatorKind::Filter: collect_fields(static_cast<const plan::LogicalFilter&>(op).condition, used); break;
        case OperatorKind::Tally:
          if (const auto& c = static_cast<const plan::LogicalTally&>(op).condition) collect_fields(*c, used);
          break;
        case OperatorKind::KeyBy: collect_fields(static_cast<const plan::LogicalKeyBy&>(op).key, used); break;
        case OperatorKind::Explode:  // appends the element: the source's fields keep their indices
          collect_fields(static_cast<const plan::LogicalExplode&>(op).list, used);
          break;
        case OperatorKind::Project:
          for (const auto& value : static_cast<const plan::LogicalProject&>(op).values) collect_fields(value, used);
          source_schema = false;
          break;
        case OperatorKind::Process:  // keyed state reads what its handlers name, nothing else
          for (const auto& handler : static_cast<const plan::LogicalProcess&>(op).handlers)
            collect_fields(handler.body, used);
          source_schema = false;
          break;
        case OperatorKind::Aggregate: {
          const auto& aggregate = static_cast<const plan::LogicalAggregate&>(op);
          if (aggregate.top) std::fill(used.begin(), used.end(), true);  // its rows are whole records
          for (const auto& key : aggregate.keys) collect_fields(key, used);
          for (const auto& call : aggregate.aggregates) {
            if (call.argument) collect_fields(*call.argument, used);
            if (call.by) collect_fields(*call.by, used);
          }
          source_schema = false;
          break;
        }
        default:  // the record leaves the stateless part whole
          std::fill(used.begin(), used.end(), true);
          source_schema = false;
          break;
      }
    }
  }
  return used;
}

PhysicalPlan build_physical_plan(const plan::Plan& p) {
  PhysicalPlan physical;
  physical.sources = p.sources;
  physical.sinks = p.sinks;
  physical.metrics = p.metrics;
  for (const auto& query : p.queries) physical.queries.push_back(plan_query(p, query));
  for (const auto& source : p.sources) physical.decoded_fields.push_back(needed_fields(p, source.name));

  SourceGroups groups(p.sources.size());
  std::vector<bool> read(p.sources.size(), false);
  for (size_t q = 0; q < physical.queries.size(); ++q)
    for (size_t s : physical.queries[q].sources) {
      read[s] = true;
      // A union's sources are co-partitioned: partition i of each is one task. A joined table is
      // not: its tasks feed the join's shared state like the stream's do.
      if (p.queries[q].operators.empty() || p.queries[q].operators.front()->kind == OperatorKind::Union)
        groups.join(s, physical.queries[q].sources.front());
    }
  physical.group_of_source.assign(p.sources.size(), std::nullopt);
  std::vector<std::optional<size_t>> group_of_root(p.sources.size());
  for (size_t s = 0; s < p.sources.size(); ++s) {
    if (!read[s]) continue;
    size_t root = groups.root(s);
    if (!group_of_root[root]) {
      group_of_root[root] = physical.task_groups.size();
      physical.task_groups.push_back({{}, p.sources[s].partitions, 0});
    }
    physical.task_groups[*group_of_root[root]].sources.push_back(s);
    physical.group_of_source[s] = group_of_root[root];
  }
  for (auto& query : physical.queries)
    if (!query.sources.empty() && physical.group_of_source[query.sources.front()])
      query.task_group = *physical.group_of_source[query.sources.front()];

  // Chains: a source reading a topic that one of the application's Kafka sinks writes.
  physical.chained.assign(p.sources.size(), false);
  physical.source_level.assign(p.sources.size(), 0);
  std::vector<std::vector<size_t>> writers(p.sources.size());  // per source: the queries writing its topic
  for (size_t q = 0; q < physical.queries.size(); ++q) {
    const auto& sink = physical.queries[q].sink;
    if (!sink || p.sinks[*sink].kind != "kafka") continue;
    for (size_t s = 0; s < p.sources.size(); ++s)
      if (p.sources[s].topic == p.sinks[*sink].topic) {
        physical.chained[s] = true;
        writers[s].push_back(q);
      }
  }
  // Longest path from an outside-fed source; a cycle (a query reading what it writes, through
  // any number of topics) stops growing after as many rounds as there are sources.
  for (size_t round = 0; round < p.sources.size(); ++round) {
    bool changed = false;
    for (size_t s = 0; s < p.sources.size(); ++s)
      for (size_t q : writers[s]) {
        int upstream = 0;
        for (size_t r : physical.queries[q].sources) upstream = std::max(upstream, physical.source_level[r]);
        if (upstream + 1 > physical.source_level[s] && upstream + 1 <= static_cast<int>(p.sources.size())) {
          physical.source_level[s] = upstream + 1;
          changed = true;
        }
      }
    if (!changed) break;
  }
  for (auto& group : physical.task_groups)
    for (size_t s : group.sources) group.level = std::max(group.level, physical.source_level[s]);
  for (auto& query : physical.queries)
    for (size_t s : query.sources) query.level = std::max(query.level, physical.source_level[s]);
  for (int level : physical.source_level) physical.levels = std::max(physical.levels, level + 1);
  return physical;
}

std::string plan_and_physical_json(const plan::Plan& p) {
  PhysicalPlan physical = build_physical_plan(p);
  return plan::plan_to_json(p, [&](plan::JsonWriter& json) {
    json.key("physical");
    write_physical_json(json, p, physical);
  });
}

void write_physical_json(plan::JsonWriter& json, const plan::Plan& p, const PhysicalPlan& physical) {
  json.begin_object();
  json.key("tasks").value(physical.task_count());
  json.key("task_groups").begin_array();
  for (const auto& group : physical.task_groups) {
    json.begin_object();
    json.key("sources").begin_array();
    for (size_t s : group.sources) json.value(p.sources[s].name);
    json.end_array();
    json.key("partitions").value(group.partitions);
    json.key("level").value(group.level);
    json.end_object();
  }
  json.end_array();
  json.key("decoded_fields").begin_array();
  for (size_t s = 0; s < p.sources.size(); ++s) {
    json.begin_object();
    json.key("source").value(p.sources[s].name);
    json.key("fields").begin_array();
    for (size_t f = 0; f < p.sources[s].schema.size(); ++f)
      if (physical.decoded_fields[s][f]) json.value(p.sources[s].schema[f].name);
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.key("chained_sources").begin_array();
  for (size_t s = 0; s < p.sources.size(); ++s)
    if (physical.chained[s]) {
      json.begin_object();
      json.key("source").value(p.sources[s].name);
      json.key("topic").value(p.sources[s].topic);
      json.key("level").value(physical.source_level[s]);
      json.end_object();
    }
  json.end_array();
  json.key("queries").begin_array();
  for (size_t q = 0; q < physical.queries.size(); ++q) {
    const Query& query = physical.queries[q];
    json.begin_object();
    json.key("query").value(p.queries[q].name);
    json.key("task_group").value(static_cast<int64_t>(query.task_group));
    json.key("generated_operators").value(static_cast<int64_t>(query.stateless_end));
    json.key("stages").begin_array();
    for (const auto& stage : query.stages) {
      json.begin_object();
      json.key("operator").value(static_cast<int64_t>(stage.operator_index));
      json.key("kind").value(stage.kind == plan::OperatorKind::Process ? "process"
                             : stage.kind == plan::OperatorKind::Join  ? "join"
                                                                       : "aggregate");
      json.key("store").value(stage.store);
      json.key("scope").value(stage.scope == StateScope::Task ? "task" : "shared");
      json.key("next_operator").value(static_cast<int64_t>(stage.next_operator));
      json.end_object();
    }
    json.end_array();
    if (query.sink)
      json.key("sink").value(p.sinks[*query.sink].name);
    else
      json.key("sink").null();
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

}  // namespace flow::compiler::physical
