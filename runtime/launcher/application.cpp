// The run loop. Threads: the main thread serves librdkafka events and prints progress; a fixed pool
// of `--threads` workers runs task triggers. A worker never blocks on a fetch (it takes what a
// partition queue holds, with a zero timeout), so fewer cores than tasks is slower, never stalled.
#include "runtime/launcher/application.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "compiler/codegen/codegen.hpp"
#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/explain/explain.hpp"
#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_key_by.hpp"
#include "compiler/plan/operators/logical_sink.hpp"
#include "compiler/plan/operators/logical_union.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"
#include "runtime/kafka/embedded_kafka.hpp"
#include "runtime/tasks/partition_task.hpp"

namespace flow::runtime {

namespace plan = compiler::plan;

namespace {

std::atomic<bool> stop_requested{false};

using Clock = std::chrono::steady_clock;

bool logs(const RunOptions& options, LogLevel level) { return options.log_level >= level; }

std::optional<plan::Plan> check(const std::string& path) {
  compiler::DiagnosticSink sink;
  auto file = compiler::syntax::read_source_file(path, sink);
  std::optional<plan::Plan> result;
  if (file) {
    auto program = compiler::syntax::parse_program(*file, sink);
    if (!sink.has_errors()) result = plan::build_plan(program, sink);
  }
  compiler::SourceFile empty(path, "");
  for (const auto& d : sink.all()) fmt::print(stderr, "{}", compiler::render(d, file ? *file : empty));
  if (sink.has_errors()) {
    fmt::print(stderr, "flowrun: `{}` has errors; fix them first (`flowc check {}`)\n", path, path);
    return std::nullopt;
  }
  return result;
}

//! The field a source's records are keyed by in some query (`from s key by f`, `| key by f`
//! before any `select`), to partition input files the way a keyed producer would.
std::optional<int> key_field(const plan::Plan& p, const plan::SourcePlan& source) {
  for (const auto& query : p.queries) {
    if (query.operators.empty()) continue;
    if (auto* union_op = dynamic_cast<const plan::LogicalUnion*>(query.operators.front().get())) {
      for (const auto& input : union_op->inputs)
        if (input.source == source.name && input.key.kind == plan::BoundKind::InputField) return input.key.index;
      continue;
    }
    if (query.sources.size() != 1 || query.sources.front() != source.name) continue;
    for (size_t k = 1; k < query.operators.size(); ++k) {
      const auto& op = *query.operators[k];
      if (op.kind == plan::OperatorKind::Project) break;
      if (auto* key_by = dynamic_cast<const plan::LogicalKeyBy*>(&op))
        if (key_by->key.kind == plan::BoundKind::InputField) return key_by->key.index;
    }
  }
  return std::nullopt;
}

//! Produces one JSON value per line of `file` to the source's topic: keyed by the source's key
//! field when it has one (the same partition a keyed producer would choose), else round-robin.
bool load_input(Producer& producer, const plan::Plan& p, const plan::SourcePlan& source, const std::string& file,
                std::string& error, int64_t& count) {
  std::ifstream in(file);
  if (!in) {
    error = fmt::format("cannot read input file `{}`", file);
    return false;
  }
  std::optional<int> key = key_field(p, source);
  simdjson::ondemand::parser parser;
  std::string line;
  int32_t next_partition = 0;
  while (std::getline(in, line)) {
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

}  // namespace

void request_stop() { stop_requested = true; }

int run_application(const RunOptions& options) {
  std::optional<plan::Plan> checked = check(options.app);
  if (!checked) return 1;
  const plan::Plan& p = *checked;

  // Generated code first: nothing connects to Kafka if the application cannot compile.
  std::string error;
  auto start = Clock::now();
  // Machine code is cached next to the state: a restart loads it instead of compiling again.
  auto program =
      compiler::codegen::JitProgram::compile(p, PartitionTask::host_symbols(), error, options.state_dir + "/code-cache");
  if (!program) {
    fmt::print(stderr, "flowrun: cannot compile `{}`: {}\n", options.app, error);
    return 1;
  }
  if (logs(options, LogLevel::Info))
    fmt::print(stderr, "flowrun: compiled `{}` in {:.1f} ms{}\n", options.app,
               std::chrono::duration<double, std::milli>(Clock::now() - start).count(),
               program->timings().cache_hit ? " (machine code from the cache)" : "");

  std::unique_ptr<EmbeddedKafka> embedded;
  std::string brokers;
  if (options.embedded_kafka) {
    embedded = std::make_unique<EmbeddedKafka>();
    brokers = embedded->bootstrap_servers();
    auto create = [&](const std::string& topic, int partitions) {
      std::string e = embedded->create_topic(topic, partitions);
      if (!e.empty() && logs(options, LogLevel::Debug)) fmt::print(stderr, "flowrun: {}\n", e);
    };
    int widest = 1;
    for (const auto& source : p.sources) {
      create(source.topic, static_cast<int>(source.partitions));
      if (source.dead_letter) create(*source.dead_letter, static_cast<int>(source.partitions));
      widest = std::max(widest, static_cast<int>(source.partitions));
    }
    for (const auto& sink : p.sinks)
      if (sink.kind == "kafka") create(sink.topic, widest);
    if (logs(options, LogLevel::Info))
      fmt::print(stderr, "flowrun: embedded Kafka at {} (kcat -b {} -L)\n", brokers, brokers);
  } else {
    brokers = *options.brokers;
  }
  if (logs(options, LogLevel::Info))
    for (const auto& [key, value] : options.kafka_properties)
      fmt::print(stderr, "flowrun: -X {}\n", printable_property(key, value));

  auto producer = Producer::create(brokers, options.kafka_properties, error);
  if (!producer) {
    fmt::print(stderr, "flowrun: {}\n", error);
    return 1;
  }
  for (const auto& [name, file] : options.inputs) {
    const plan::SourcePlan* source = p.find_source(name);
    if (!source)
      for (const auto& s : p.sources)
        if (s.topic == name) source = &s;
    if (!source) {
      fmt::print(stderr, "flowrun: `--input {}=…`: `{}` is neither a source nor a source's topic\n", name, name);
      return 1;
    }
    int64_t count = 0;
    if (!load_input(*producer, p, *source, file, error, count) || !producer->flush(30'000)) {
      fmt::print(stderr, "flowrun: {}\n", error.empty() ? "loading the input failed" : error);
      return 1;
    }
    fmt::print(stderr, "flowrun: loaded {} records from `{}` into topic `{}`\n", count, file, source->topic);
  }

  // The consumer: partitions assigned explicitly (offsets come from the checkpoints, not from a
  // consumer group), each forwarded to its own queue so workers can take from it independently.
  rd_kafka_conf_t* conf = make_kafka_conf(brokers, options.kafka_properties, error);
  if (!conf) {
    fmt::print(stderr, "flowrun: {}\n", error);
    return 1;
  }
  char message[512];
  rd_kafka_conf_set(conf, "group.id", options.app_id.c_str(), message, sizeof message);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", message, sizeof message);
  rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", message, sizeof message);
  if (options.log_level == LogLevel::Trace) rd_kafka_conf_set(conf, "debug", "consumer,cgrp,fetch", message, sizeof message);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
  if (!consumer) {
    fmt::print(stderr, "flowrun: cannot create a Kafka consumer: {}\n", message);
    return 1;
  }
  auto consumer_guard = std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)>(consumer, [](rd_kafka_t* rk) {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  });

  // Declared partitions must match the topics: a mismatch would silently skip or misroute data.
  for (const auto& source : p.sources) {
    auto actual = topic_partition_count(consumer, source.topic, error);
    if (!actual) {
      fmt::print(stderr, "flowrun: source `{}`: {}\n", source.name, error);
      return 1;
    }
    if (*actual != source.partitions) {
      fmt::print(stderr,
                 "flowrun: source `{}` declares {} partitions but topic `{}` has {}; set `partitions = {}` in "
                 "`{}`\n",
                 source.name, source.partitions, source.topic, *actual, *actual, options.app);
      return 1;
    }
  }

  SharedRun shared;
  shared.plan = &p;
  shared.program = program.get();
  shared.producer = producer.get();
  for (const auto& query : p.queries) {
    EncoderPtr encoder;
    try {
      encoder = make_encoder(query.operators.back()->output);
    } catch (const std::exception&) {
      // A sink field the codec cannot write yet (a list): reported when a record reaches it.
    }
    shared.encoder_table.push_back(encoder.get());
    shared.encoders.push_back(std::move(encoder));
  }
  for (size_t m = 0; m < p.metrics.size(); ++m) shared.metrics.push_back(std::make_unique<std::atomic<int64_t>>(0));
  shared.partition_event_time = std::vector<std::vector<std::atomic<int64_t>>>(p.sources.size());
  for (size_t s = 0; s < p.sources.size(); ++s) {
    shared.partition_event_time[s] = std::vector<std::atomic<int64_t>>(static_cast<size_t>(p.sources[s].partitions));
    for (auto& t : shared.partition_event_time[s]) t = INT64_MIN;
  }

  // An aggregate grouped by fields (not by the query's key, which the input is partitioned by)
  // needs every record of a group: its state is shared by all the query's tasks.
  shared.shared_state.resize(p.queries.size());
  std::filesystem::create_directories(options.state_dir);
  for (size_t q = 0; q < p.queries.size(); ++q) {
    for (const auto& op : p.queries[q].operators) {
      auto* aggregate = dynamic_cast<const plan::LogicalAggregate*>(op.get());
      if (!aggregate || aggregate->keys.empty() || aggregate->keys.front().kind == plan::BoundKind::Key) continue;
      auto state = std::make_unique<SharedState>();
      state->store = StateStore::open(options.state_dir + "/query-" + p.queries[q].name, error);
      if (!state->store) {
        fmt::print(stderr, "flowrun: query `{}`: {}\n", p.queries[q].name, error);
        return 1;
      }
      state->op = std::make_unique<KeyedStateOperator>(p, static_cast<int32_t>(q), *state->store);
      shared.shared_state[q] = std::move(state);
    }
  }

  // Tasks: partition i of every source of a union group is one task (co-partitioned keyed state).
  std::vector<std::vector<size_t>> groups;
  std::vector<int> group_of(p.sources.size(), -1);
  for (const auto& query : p.queries) {
    int joined = -1;
    for (const auto& name : query.sources)
      for (size_t s = 0; s < p.sources.size(); ++s)
        if (p.sources[s].name == name && group_of[s] >= 0) joined = group_of[s];
    if (joined < 0) {
      joined = static_cast<int>(groups.size());
      groups.emplace_back();
    }
    for (const auto& name : query.sources)
      for (size_t s = 0; s < p.sources.size(); ++s)
        if (p.sources[s].name == name && group_of[s] < 0) {
          group_of[s] = joined;
          groups[joined].push_back(s);
        }
  }
  std::vector<std::unique_ptr<PartitionTask>> tasks;
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(16);
  std::filesystem::create_directories(options.state_dir);
  for (const auto& group : groups) {
    const plan::SourcePlan& first = p.sources[group.front()];
    for (int32_t partition = 0; partition < first.partitions; ++partition) {
      std::string name = first.name + "-" + std::to_string(partition);
      auto task = std::make_unique<PartitionTask>(name, shared);
      for (size_t s : group) {
        TaskInput input;
        input.source_index = s;
        input.source = &p.sources[s];
        input.partition = partition;
        input.batch = program->batch_function(p.sources[s].name);
        input.decoder = make_decoder(p.sources[s].schema, compiler::codegen::needed_fields(p, p.sources[s].name),
                                     8 << 20);
        task->inputs().push_back(std::move(input));
      }
      if (!task->open_state(options.state_dir + "/" + name, error)) {
        fmt::print(stderr, "flowrun: task `{}`: {}\n", name, error);
        return 1;
      }
      auto offsets = task->committed_offsets();
      for (auto& input : task->inputs()) {
        auto it = offsets.find(fmt::format("{}/{}", input.source->topic, partition));
        input.next_offset = it != offsets.end() ? it->second : 0;
        int64_t low = 0, high = 0;
        rd_kafka_query_watermark_offsets(consumer, input.source->topic.c_str(), partition, &low, &high, 10'000);
        input.end_offset = high;
        input.next_offset = std::max(input.next_offset, low);
        rd_kafka_topic_partition_list_add(assignment, input.source->topic.c_str(), partition)->offset =
            input.next_offset;
      }
      tasks.push_back(std::move(task));
    }
  }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer, assignment)) {
    fmt::print(stderr, "flowrun: cannot assign partitions: {}\n", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(assignment);
    return 1;
  }
  rd_kafka_topic_partition_list_destroy(assignment);
  for (auto& task : tasks)
    for (auto& input : task->inputs()) {
      input.queue = rd_kafka_queue_get_partition(consumer, input.source->topic.c_str(), input.partition);
      rd_kafka_queue_forward(input.queue, nullptr);
    }

  compiler::explain::Budget budget = compiler::explain::compute_budget(p);
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (logs(options, LogLevel::Info))
    fmt::print(stderr, "flowrun: {} tasks, {} worker threads, {} cores; full parallelism needs {} cores (Spark: {})\n",
               tasks.size(), options.threads, cores, budget.tasks + budget.producer_threads, budget.spark_cores);
  if (options.threads < static_cast<int>(tasks.size()) && logs(options, LogLevel::Warn))
    fmt::print(stderr, "flowrun: warning: {} threads for {} tasks: tasks take turns (slower, never stalled)\n",
               options.threads, tasks.size());

  std::atomic<bool> workers_stop{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < options.threads; ++w) {
    workers.emplace_back([&, w] {
      size_t next = static_cast<size_t>(w);
      while (!workers_stop.load(std::memory_order_relaxed)) {
        bool worked = false;
        for (size_t k = 0; k < tasks.size(); ++k) worked |= tasks[(next + k) % tasks.size()]->try_trigger(10'000);
        next++;
        if (!worked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }

  auto started = Clock::now();
  auto last_progress = started;
  int64_t last_in = 0;
  bool idle = false;
  while (!stop_requested && !shared.failed) {
    rd_kafka_message_t* event = rd_kafka_consumer_poll(consumer, 50);  // errors and rebalances only
    if (event && !event->err && event->rkt) {
      // A record fetched before its partition was forwarded to its own queue: hand it to its task.
      std::string topic = rd_kafka_topic_name(event->rkt);
      PartitionTask* owner = nullptr;
      size_t index = 0;
      for (auto& task : tasks)
        for (size_t i = 0; i < task->inputs().size(); ++i)
          if (task->inputs()[i].source->topic == topic && task->inputs()[i].partition == event->partition) {
            owner = task.get();
            index = i;
          }
      if (owner) {
        owner->spill(index, event);
        event = nullptr;
      }
    }
    if (event) {
      if (event->err && event->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && logs(options, LogLevel::Warn))
        fmt::print(stderr, "flowrun: Kafka: {}\n", rd_kafka_message_errstr(event));
      rd_kafka_message_destroy(event);
    }
    if (options.until_idle) {
      idle = std::all_of(tasks.begin(), tasks.end(), [](const auto& t) { return t->reached_end(); });
      if (idle) break;
    }
    if (logs(options, LogLevel::Debug) && Clock::now() - last_progress >= std::chrono::seconds(1))
      for (auto& task : tasks)
        for (const auto& input : task->inputs())
          if (input.next_offset < input.end_offset)
            fmt::print(stderr, "flowrun: debug: {} partition {} at offset {} of {} (queue {})\n", input.source->topic,
                       input.partition, input.next_offset, input.end_offset, input.queue ? "ok" : "missing");
    auto now = Clock::now();
    if (now - last_progress >= std::chrono::seconds(1) && logs(options, LogLevel::Info)) {
      int64_t in = shared.records_in.load();
      double seconds = std::chrono::duration<double>(now - last_progress).count();
      size_t keys = 0;
      for (const auto& t : tasks) keys += t->state_keys();
      double rate = static_cast<double>(in - last_in) / seconds;
      std::string metrics;
      for (size_t m = 0; m < p.metrics.size(); ++m)
        metrics += options.progress_json
                       ? fmt::format("{}\"{}\":{}", m ? "," : "", p.metrics[m].name, shared.metrics[m]->load())
                       : fmt::format("{}{}={}", m ? " " : "", p.metrics[m].name, shared.metrics[m]->load());
      if (options.progress_json)
        fmt::print(stderr,
                   "{{\"records_in\":{},\"records_per_second\":{:.0f},\"records_out\":{},\"dead_lettered\":{},"
                   "\"state_keys\":{},\"metrics\":{{{}}}}}\n",
                   in, rate, shared.records_out.load(), shared.dead_lettered.load(), keys, metrics);
      else
        fmt::print(stderr, "flowrun: progress: {} records in ({:.0f}/s), {} out, {} dead-lettered, {} state keys{}{}\n",
                   in, rate, shared.records_out.load(), shared.dead_lettered.load(), keys, metrics.empty() ? "" : ", ",
                   metrics);
      last_progress = now;
      last_in = in;
    }
  }
  workers_stop = true;
  for (auto& worker : workers) worker.join();
  if (shared.failed) {
    fmt::print(stderr, "flowrun: {}\n", shared.failure);
    return 1;
  }
  // End of input (or a stop): close windows and fire timeouts at the end of --until-idle; then
  // every task has flushed its outputs and committed its state and offsets.
  if (idle)
    for (auto& task : tasks) task->finish();
  producer->flush(30'000);
  if (shared.failed) {
    fmt::print(stderr, "flowrun: {}\n", shared.failure);
    return 1;
  }

  double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  if (logs(options, LogLevel::Info)) fmt::print(stderr, "flowrun: {} records in, {} out, {} dead-lettered in {:.2f} s\n", shared.records_in.load(),
             shared.records_out.load(), shared.dead_lettered.load(), elapsed);
  for (size_t m = 0; m < p.metrics.size() && logs(options, LogLevel::Info); ++m)
    fmt::print(stderr, "flowrun: metric {} = {}\n", p.metrics[m].name, shared.metrics[m]->load());

  if (options.show_output) {
    for (const auto& sink : p.sinks) {
      if (sink.kind != "kafka") continue;
      auto records = read_topic(brokers, options.kafka_properties, sink.topic, error);
      fmt::print("== sink {} (topic \"{}\"): {} records\n", sink.name, sink.topic, records.size());
      for (const auto& r : records) fmt::print("{}\n", r.value);
    }
    for (const auto& source : p.sources) {
      if (!source.dead_letter) continue;
      auto records = read_topic(brokers, options.kafka_properties, *source.dead_letter, error);
      fmt::print("== dead letters of {} (topic \"{}\"): {} records\n", source.name, *source.dead_letter,
                 records.size());
      for (const auto& r : records) {
        std::string why;
        for (const auto& h : r.headers)
          if (h.name == "flow.error") why = h.value;
        fmt::print("{}    <- {}\n", r.value, why);
      }
    }
  }
  return 0;
}

}  // namespace flow::runtime
