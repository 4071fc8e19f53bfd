// The physical plan: how a checked logical plan runs, decided once, here, for explain and the
// runtime alike (they used to derive it each on their own, and disagreed):
//   - task groups: sources that unions join are co-partitioned, so partition i of every source of
//     a group is one task (one union-find over all queries, whatever order they come in);
//   - per query, its stateful stages (every `aggregate` and `process`, in pipeline order), each
//     with its own state store, the scope of that store (one per task, or one shared by all the
//     query's tasks) and the stateless operators that run on its output before the next stage or
//     the sink;
//   - chained sources: a source whose topic a sink of the same application writes, and the level
//     of every source and task group in that chain (0: fed from outside), so that a test or an
//     `--until-idle` run can drain and close upstream queries before the ones they feed.
// It holds everything the runtime reads of a program besides the ABI and the generated code: the
// declarations, each query's operators (physical_operators.hpp) and the above. It is built by
// physical_planner.hpp; its JSON form (the `physical` member of `flowc explain --format json`) is
// documented in docs/plan.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/physical/physical_operators.hpp"
#include "compiler/plan/declarations.hpp"

namespace flow::compiler::physical {

//! Where a stateful stage keeps its state.
enum class StateScope : uint8_t {
  //! In each task's own store: every record of a key reaches the task of its partition.
  Task,
  //! In one store for the whole job, fed by every task of the query (an in-process shuffle): an
  //! aggregate grouped by fields other than the partitioning key, and every stage after the first
  //! (its input is keyed by what the stage before it emits, not by the topic's partitioning).
  Shared,
};

struct StatefulStage {
  size_t operator_index = 0;  //!< in the query's operators
  plan::OperatorKind kind = plan::OperatorKind::Aggregate;
  //! The store's stable name: the query's name for its first stage (so state written before
  //! stages were numbered still reads), `QUERY.N` for the N-th (N >= 2). It is the key prefix in
  //! a task's store, and a shared store's folder is `query-STORE` in the state directory.
  std::string store;
  StateScope scope = StateScope::Task;
  //! Operators [operator_index + 1, next_operator) run on the stage's output records; the next
  //! stage, or the sink, is operators[next_operator].
  size_t next_operator = 0;
};

//! A query as it runs: its operators (physical_operators.hpp) and where its state lives.
struct Query {
  std::string name;
  std::vector<std::string> source_names;  //!< the sources it reads, in the query's order
  std::vector<size_t> sources;            //!< the same, as indices into PhysicalPlan::sources
  std::vector<Operator> operators;        //!< a Read or a Union first, the Sink last
  size_t task_group = 0;
  //! What generated code runs: operators [1, stateless_end); operators[stateless_end] is the first
  //! stage, or the sink.
  size_t stateless_end = 0;
  std::vector<StatefulStage> stages;
  std::optional<size_t> sink;  //!< index into PhysicalPlan::sinks
  int level = 0;               //!< the highest level of its sources

  //! Whether `source` is the query's one stream (its first operator reads it alone; a query with a
  //! join reads the join's other input too, straight from its topic).
  bool reads_stream(const std::string& source) const;
  //! The query's join, if it has one.
  const Join* join() const;
  //! Its first stateful operator (an aggregate, a `process` or a join), if any.
  const Operator* stateful_operator() const;
  //! Where the query's `process` is in its operators, 0 when it has none.
  size_t process_index() const;
  //! The schema of the records that reach operators[op] from `source`: a union's input schema
  //! right after the union, a join's other input's own, otherwise the output of operators[op - 1].
  //! Null when `source` is not one of the query's.
  const plan::Schema* operator_input_schema(size_t op, const std::string& source) const;
};

struct TaskGroup {
  std::vector<size_t> sources;  //!< indices into Plan::sources, in declaration order
  int64_t partitions = 0;       //!< of each of them (a union's sources have equal counts)
  int level = 0;                //!< the highest level of its sources
};

struct PhysicalPlan {
  //! What the file declares, as the checker resolved it; every index in the physical plan is into these.
  std::vector<plan::SourcePlan> sources;
  std::vector<plan::SinkPlan> sinks;
  std::vector<plan::MetricPlan> metrics;
  std::vector<TaskGroup> task_groups;  //!< in the order of their first source's declaration
  //! Per source: its task group, or nullopt when no query reads it.
  std::vector<std::optional<size_t>> group_of_source;
  std::vector<Query> queries;  //!< per query of the plan, in its order
  //! Per source: a sink of this application writes its topic (the source reads another query's
  //! output); its records are not the application's input.
  std::vector<bool> chained;
  //! Per source: 0 when fed from outside, else one more than the highest level of the sources of
  //! the queries that write its topic.
  std::vector<int> source_level;
  int levels = 1;  //!< one more than the highest level
  //! Per source, per field of its schema: whether a query reads it, so its decoder decodes it
  //! (projection pushdown; the others are skipped and never dead-letter a record).
  std::vector<std::vector<bool>> decoded_fields;

  //! Tasks in all: the partitions of every task group.
  int64_t task_count() const;
  const plan::SourcePlan* find_source(const std::string& name) const;
  std::optional<size_t> source_index(const std::string& name) const;
};

//! The core budget. Spark Structured Streaming runs each query with its own consumer, so M
//! queries on an N-partition topic need M×N task slots plus a producer thread per executor; too
//! few cores there means fetches time out and 40-second stalls. flow reads each source partition
//! once for all the queries that use it, so it needs a core per task (the physical plan's) and one
//! for librdkafka's producer thread. `flowc explain` and `flowrun` print it.
struct CoreBudget {
  int64_t tasks = 0;             //!< the physical plan's tasks
  int64_t producer_threads = 1;  //!< librdkafka's producer thread, shared by all sinks
  int64_t spark_cores = 0;       //!< M queries × N partitions + P producers, as Spark would need
};

CoreBudget core_budget(const PhysicalPlan& physical);

//! "per task" or "shared by the query's tasks".
const char* scope_text(StateScope scope);

}  // namespace flow::compiler::physical
