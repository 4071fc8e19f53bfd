// The run loop. Threads: the main thread serves librdkafka events and prints progress; a fixed pool
// of worker threads runs task triggers. A worker never blocks on a fetch (it takes what a
// partition queue holds, with a zero timeout), so fewer cores than tasks is slower, never stalled;
// a worker that found nothing to do sleeps until a queue receives records (work_signal.hpp).
#include "runtime/launcher/job.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <thread>

#include "runtime/codec/rfc3339.hpp"
#include "runtime/kafka/topic_config.hpp"
#include "runtime/tasks/checkpointer.hpp"

namespace flow::runtime {

namespace plan = compiler::plan;

namespace {

using Clock = std::chrono::steady_clock;

int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::unique_ptr<Job> Job::start(const compiler::physical::PhysicalPlan& plan, const abi::Program& program,
                                Producer& producer, const JobConfig& config, std::string& error) {
  std::unique_ptr<Job> job(new Job(plan, config));
  if (!job->config_.clock) job->config_.clock = system_clock_ms;
  if (!job->open(program, producer, error)) return nullptr;
  job->start_workers();
  return job;
}

Job::~Job() {
  stop_workers();
  // The partition queues outlive this job's handles on them (they belong to the consumer).
  for (auto& task : tasks_)
    for (auto& input : task->inputs())
      if (input.queue) rd_kafka_queue_cb_event_enable(input.queue, nullptr, nullptr);
  tasks_.clear();  // their queues and spilled records belong to the consumer: released first
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
  if (changelog_reader_) {
    rd_kafka_consumer_close(changelog_reader_);
    rd_kafka_destroy(changelog_reader_);
  }
}

bool Job::open_changelog_reader(std::string& error) {
  rd_kafka_conf_t* conf = make_kafka_conf(config_.brokers, config_.kafka_properties, error);
  if (!conf) return false;
  char message[512];
  // librdkafka assigns partitions only to a consumer with a group id; this one never joins the
  // group nor commits to it.
  rd_kafka_conf_set(conf, "group.id", (config_.app_id + ".restore").c_str(), message, sizeof message);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", message, sizeof message);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", message, sizeof message);
  // Compacted records come in large batches: fetch as much as a broker will send at once.
  rd_kafka_conf_set(conf, "fetch.max.bytes", "52428800", message, sizeof message);
  // The end of a partition is known when a fetch comes back empty: do not wait long for one.
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", message, sizeof message);
  changelog_reader_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
  if (!changelog_reader_) error = fmt::format("cannot create the changelog reader: {}", message);
  return changelog_reader_ != nullptr;
}

std::string Job::state_identity(const std::vector<size_t>& sources) const {
  std::string identity = "topics ";
  for (size_t i = 0; i < sources.size(); ++i) identity += (i ? "," : "") + plan_.sources[sources[i]].topic;
  return identity;
}

bool Job::attach_changelog(StateStore& store, const std::string& owner, const std::string& topic, int32_t partition,
                           const std::string& identity, Producer& producer, std::string& error) {
  auto changelog = std::make_unique<Changelog>(producer, topic, partition, identity);
  ChangelogSync done;
  try {
    error = changelog->sync(store, changelog_reader_, done);
  } catch (const StateCorruption& e) {
    error = e.what();
  }
  if (!error.empty()) {
    error = fmt::format("{}: {}", owner, error);
    return false;
  }
  if (done.action != ChangelogSync::Action::None && config_.log_level >= LogLevel::Info)
    fmt::print(stderr, "flowrun: {}: {}\n", owner, done.describe(topic, partition));
  store.set_commit_log(changelog.get());
  changelogs_.push_back(std::move(changelog));
  synced_[&store] = done;
  return true;
}

bool Job::open(const abi::Program& program, Producer& producer, std::string& error) {
  const compiler::physical::PhysicalPlan& p = plan_;
  // The consumer: partitions assigned explicitly (offsets come from the checkpoints, not from a
  // consumer group), each forwarded to its own queue so workers can take from it independently.
  rd_kafka_conf_t* conf = make_kafka_conf(config_.brokers, config_.kafka_properties, error);
  if (!conf) return false;
  char message[512];
  rd_kafka_conf_set(conf, "group.id", config_.app_id.c_str(), message, sizeof message);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", message, sizeof message);
  rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", message, sizeof message);
  // An offset Kafka no longer holds (retention deleted records before they were read) is an error
  // the task stops the run with (PartitionTask::trigger), never a silent jump to the end.
  rd_kafka_conf_set(conf, "auto.offset.reset", "error", message, sizeof message);
  if (config_.log_level == LogLevel::Trace)
    rd_kafka_conf_set(conf, "debug", "consumer,cgrp,fetch", message, sizeof message);
  // Checkpoints commit their offsets to the group too (Checkpointer): a failure is reported once.
  rd_kafka_conf_set_opaque(conf, &shared_);
  rd_kafka_conf_set_offset_commit_cb(conf, &Job::on_group_commit);
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
  if (!consumer_) {
    error = fmt::format("cannot create a Kafka consumer: {}", message);
    return false;
  }

  // Declared partitions must match the topics: a mismatch would silently skip or misroute data.
  for (const auto& source : p.sources) {
    auto actual = topic_partition_count(consumer_, source.topic, error);
    if (!actual) {
      error = fmt::format("source `{}`: {}", source.name, error);
      return false;
    }
    if (*actual != source.partitions) {
      error = fmt::format("source `{}` declares {} partitions but topic `{}` has {}; set `partitions = {}`",
                          source.name, source.partitions, source.topic, *actual, *actual);
      return false;
    }
  }

  // After the metadata checks (they fail fast on a wrong address or protocol), before any state
  // is opened or record read: a second instance must not write a single output, and its reason
  // to stop is the other instance, not the state that instance holds.
  if (config_.single_instance) {
    std::vector<std::string> topics;
    for (const auto& source : p.sources)
      if (std::find(topics.begin(), topics.end(), source.topic) == topics.end()) topics.push_back(source.topic);
    instance_guard_ =
        InstanceGuard::join(config_.brokers, config_.kafka_properties, config_.app_id, config_.state_dir, topics, error);
    if (!instance_guard_) return false;
    if (!instance_guard_->warning().empty() && config_.log_level >= LogLevel::Warn)
      fmt::print(stderr, "flowrun: warning: {}\n", instance_guard_->warning());
  }

  // The producer learns every output topic now: its first record to a topic it has not seen
  // otherwise waits for a metadata refresh (a second on librdkafka 2.0), once per topic.
  for (const auto& sink : p.sinks)
    if (sink.kind == "kafka") topic_partition_count(producer.handle(), sink.topic, error);
  for (const auto& source : p.sources)
    if (source.dead_letter) topic_partition_count(producer.handle(), *source.dead_letter, error);
  for (const auto& source : p.sources)
    if (source.late) topic_partition_count(producer.handle(), *source.late, error);
  error.clear();

  shared_.physical = &p;
  shared_.program = &program;
  shared_.end_of_input_step = config_.end_of_input_step;
  shared_.producer = &producer;
  shared_.clock = config_.clock;
  shared_.capture_stdout = config_.capture_stdout;
  shared_.consumer = consumer_;
  for (const auto& query : p.queries) {
    EncoderPtr encoder;
    try {
      encoder = make_encoder(query.operators.back().output);
    } catch (const std::exception&) {
      // A sink field the codec cannot write yet (a list): reported when a record reaches it.
    }
    shared_.encoder_table.push_back(encoder.get());
    shared_.encoders.push_back(std::move(encoder));
  }
  for (size_t m = 0; m < p.metrics.size(); ++m) shared_.metrics.push_back(std::make_unique<std::atomic<int64_t>>(0));
  for (size_t s = 0; s < p.sources.size(); ++s) {
    shared_.source_in.push_back(std::make_unique<std::atomic<int64_t>>(0));
    shared_.source_dead_lettered.push_back(std::make_unique<std::atomic<int64_t>>(0));
  }
  for (size_t q = 0; q < p.queries.size(); ++q) shared_.query_out.push_back(std::make_unique<std::atomic<int64_t>>(0));
  for (size_t q = 0; q < p.queries.size(); ++q) {
    shared_.query_late_kept.push_back(std::make_unique<std::atomic<int64_t>>(0));
    auto& per_source = shared_.query_source_late.emplace_back();
    for (size_t i = 0; i < plan_.queries[q].sources.size(); ++i)
      per_source.push_back(std::make_unique<std::atomic<int64_t>>(0));
  }
  // The largest dead letter each source may write: the client's limit, and the dead-letter
  // topic's own when the cluster says it (a copy that does not fit is truncated, not refused).
  const int64_t client_limit = client_max_message_bytes(producer.handle());
  std::map<std::string, int64_t> topic_limits;  // sources sharing a dead-letter topic ask once
  auto limit_of = [&](const std::optional<std::string>& name) {
    if (!name || !config_.cluster_describes_configs) return client_limit;
    auto [known, added] = topic_limits.try_emplace(*name, client_limit);
    if (added)
      if (std::optional<int64_t> topic = topic_max_message_bytes(producer.handle(), *name, 5'000))
        known->second = std::min(client_limit, *topic);
    return known->second;
  };
  for (const auto& source : p.sources) {
    shared_.dead_letter_max_bytes.push_back(limit_of(source.dead_letter));
    shared_.late_max_bytes.push_back(limit_of(source.late));  // late records are cut to fit the same way
  }
  std::vector<int64_t> partitions, lateness;
  std::vector<bool> tables;
  for (const auto& source : p.sources) {
    partitions.push_back(source.partitions);
    lateness.push_back(source.watermark_ms.value_or(0));
    tables.push_back(source.table);
  }
  shared_.watermarks.reset(partitions, lateness, tables);

  // A stage whose state is shared by all the query's tasks (an aggregate grouped by fields, every
  // stage after the first: physical_plan.hpp) has one store for the job.
  std::vector<bool> group_keeps_state(plan_.task_groups.size(), false);
  for (const auto& query : plan_.queries)
    if (!query.stages.empty()) group_keeps_state[query.task_group] = true;
  // One memory budget over every store: the tasks' (of state, or of offsets only) and the shared ones.
  size_t state_stores = 0, offset_stores = 0;
  for (size_t g = 0; g < plan_.task_groups.size(); ++g)
    (group_keeps_state[g] ? state_stores : offset_stores) += static_cast<size_t>(plan_.task_groups[g].partitions);
  for (const auto& query : plan_.queries)
    for (const auto& stage : query.stages) state_stores += stage.scope == compiler::physical::StateScope::Shared;
  state_memory_ = std::make_unique<StateMemory>(config_.state_cache_bytes, state_stores, offset_stores);
  if (config_.log_level >= LogLevel::Info) fmt::print(stderr, "flowrun: {}\n", state_memory_->describe());
  if (!open_shared_states(plan_, config_.state_dir, config_.clock, &program, state_memory_->state_store(),
                          shared_.shared_state, error))
    return false;

  // Changelogs: a compacted topic per store of keyed state, created or checked now; a store with
  // nothing on disk is restored from its changelog before any record is read.
  if (config_.changelog) {
    std::vector<std::pair<std::string, int>> topics;  // and their partitions
    for (size_t g = 0; g < plan_.task_groups.size(); ++g)
      if (group_keeps_state[g])
        topics.emplace_back(task_changelog_topic(config_.app_id, p.sources[plan_.task_groups[g].sources.front()].name),
                            static_cast<int>(plan_.task_groups[g].partitions));
    for (size_t q = 0; q < plan_.queries.size(); ++q)
      for (size_t i = 0; i < plan_.queries[q].stages.size(); ++i)
        if (shared_.shared_state[q][i])
          topics.emplace_back(shared_changelog_topic(config_.app_id, plan_.queries[q].stages[i].store), 1);
    std::vector<std::string> names;
    for (const auto& [topic, partitions] : topics) {
      error = ensure_changelog_topic(consumer_, topic, partitions, config_.cluster_describes_configs,
                                     config_.create_topic);
      if (!error.empty()) return false;
      names.push_back(topic);
    }
    if (!topics.empty()) {
      if (!open_changelog_reader(error)) return false;
      if (config_.log_level >= LogLevel::Info)
        fmt::print(stderr, "flowrun: keyed state backed by changelog topic{} `{}`\n", names.size() == 1 ? "" : "s",
                   fmt::join(names, "`, `"));
    }
    for (size_t q = 0; q < plan_.queries.size(); ++q)
      for (size_t i = 0; i < plan_.queries[q].stages.size(); ++i)
        if (auto& state = shared_.shared_state[q][i];
            state && !attach_changelog(*state->store, fmt::format("query `{}`", p.queries[q].name),
                                       shared_changelog_topic(config_.app_id, plan_.queries[q].stages[i].store), 0,
                                       state_identity(plan_.queries[q].sources), producer, error))
          return false;
  }

  // What the consumer group (the app id) committed — every checkpoint commits its offsets there
  // too — tells a first run from a lost state directory for a task with no local checkpoint.
  std::map<std::string, int64_t> group_offsets = committed_group_offsets(error);
  if (!error.empty()) {
    if (config_.log_level >= LogLevel::Warn)
      fmt::print(stderr, "flowrun: warning: cannot read consumer group `{}`'s offsets ({}): a task without a "
                         "checkpoint starts from the oldest record, as on a first run\n",
                 config_.app_id, error);
    error.clear();
  }
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(16);
  auto assignment_guard = std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>(
      assignment, rd_kafka_topic_partition_list_destroy);
  for (size_t g = 0; g < plan_.task_groups.size(); ++g) {
    const compiler::physical::TaskGroup& group = plan_.task_groups[g];
    const plan::SourcePlan& first = p.sources[group.sources.front()];
    for (int32_t partition = 0; partition < first.partitions; ++partition) {
      std::string name = first.name + "-" + std::to_string(partition);
      auto task = std::make_unique<PartitionTask>(name, shared_);
      task->set_level(group.level);
      for (size_t s : group.sources) {
        TaskInput input;
        input.source_index = s;
        input.source = &p.sources[s];
        input.partition = partition;
        input.batch = program.batch_function(p.sources[s].name);
        for (const auto& query : plan_.queries) {
          auto at = std::find(query.sources.begin(), query.sources.end(), s);
          input.query_input.push_back(at == query.sources.end() ? -1 : static_cast<int32_t>(at - query.sources.begin()));
        }
        input.decoder = make_decoder(p.sources[s].schema, plan_.decoded_fields[s],
                                     p.sources[s].max_record_bytes.value_or(int64_t{8} << 20));
        task->inputs().push_back(std::move(input));
      }
      if (!task->open_state(config_.state_dir + "/" + name,
                            group_keeps_state[g] ? state_memory_->state_store() : state_memory_->offset_store(),
                            error)) {
        error = fmt::format("task `{}`: {}", name, error);
        return false;
      }
      if (config_.changelog && group_keeps_state[g] &&
          !attach_changelog(*task->store(), fmt::format("task `{}`", name),
                            task_changelog_topic(config_.app_id, first.name), partition, state_identity(group.sources),
                            producer, error))
        return false;
      auto offsets = task->committed_offsets();
      for (auto& input : task->inputs()) {
        std::string topic_partition = fmt::format("{}/{}", input.source->topic, partition);
        auto it = offsets.find(topic_partition);
        auto in_group = group_offsets.find(topic_partition);
        std::string warning;
        auto checkpointed =
            resume_from(it != offsets.end() ? std::optional(it->second) : std::nullopt,
                        in_group != group_offsets.end() ? std::optional(in_group->second) : std::nullopt,
                        input.source->topic, partition,
                        {name, config_.state_dir, config_.app_id, group_keeps_state[g], config_.on_lost_state}, error,
                        warning);
        if (!checkpointed) return false;
        if (!warning.empty() && config_.log_level >= LogLevel::Warn) fmt::print(stderr, "flowrun: warning: {}\n", warning);
        int64_t low = 0, high = 0;
        rd_kafka_query_watermark_offsets(consumer_, input.source->topic.c_str(), partition, &low, &high, 10'000);
        input.end_offset = high;
        auto start = start_offset(input.source->topic, partition, *checkpointed, low, high, config_.on_retention_gap,
                                  error);
        if (!start) return false;
        input.next_offset = start->offset;
        if (start->skipped && config_.log_level >= LogLevel::Warn)
          fmt::print(stderr,
                     "flowrun: warning: topic `{}` partition {}: skipped {} records retention deleted before they "
                     "were processed (offsets {} to {}; --on-retention-gap skip)\n",
                     input.source->topic, partition, start->skipped, **checkpointed, low - 1);
        retention_skipped_ += start->skipped;
        rd_kafka_topic_partition_list_add(assignment, input.source->topic.c_str(), partition)->offset =
            input.next_offset;
      }
      tasks_.push_back(std::move(task));
    }
  }
  // A state closed at the end of an --until-idle run (event time moved to the end of time, and
  // committed) cannot be continued: its windows are closed and its keys timed out, so new
  // records would be dropped as late or start their keys again, and nothing would say so.
  for (const auto& task : tasks_)
    for (size_t q = 0; q < plan_.queries.size(); ++q) {
      if (!task->state_closed_at_end(q)) continue;
      for (const auto& input : task->inputs()) {
        if (input.query_input[q] < 0 || input.end_offset <= input.next_offset) continue;
        error = fmt::format(
            "query `{}`: its state in `{}` was closed at the end of an `--until-idle` run (event time moved to "
            "the end: every window closed, every timeout fired), so the {} records of topic `{}` partition {} "
            "after its checkpoint would find it closed — dropped as late, or their keys started again. Read them "
            "with a new `--app-id` (its own consumer group and state directory); an `--until-idle` run ends "
            "its state for good",
            p.queries[q].name, config_.state_dir, input.end_offset - input.next_offset, input.source->topic,
            input.partition);
        return false;
      }
    }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer_, assignment)) {
    error = fmt::format("cannot assign partitions: {}", rd_kafka_err2str(err));
    return false;
  }
  for (auto& task : tasks_)
    for (auto& input : task->inputs()) {
      input.queue = rd_kafka_queue_get_partition(consumer_, input.source->topic.c_str(), input.partition);
      rd_kafka_queue_forward(input.queue, nullptr);
      rd_kafka_queue_cb_event_enable(input.queue, &WorkSignal::on_queue_event, &work_signal_);
    }
  // Records fetched between the assignment and the forwarding above sit in the consumer's queue,
  // ahead of everything in the partition queues. Handed to their tasks now, before any worker
  // reads a partition queue: handed later, a task would take them after newer records — out of
  // order, and with its next offset moved back, so it never counts as caught up (a run with
  // --until-idle waited forever with all records read).
  while (rd_kafka_message_t* event = rd_kafka_consumer_poll(consumer_, 0)) take_consumer_event(event);

  // A worker runs one task at a time: threads beyond the tasks would only sit idle.
  int asked = config_.threads;
  config_.threads = std::max(1, std::min(asked, static_cast<int>(tasks_.size())));
  if (asked > config_.threads && config_.log_level >= LogLevel::Info)
    fmt::print(stderr, "flowrun: {} threads asked for {} task{}: starting {} (a worker runs one task at a time)\n",
               asked, tasks_.size(), tasks_.size() == 1 ? "" : "s", config_.threads);
  if (config_.log_level >= LogLevel::Info) {
    compiler::physical::CoreBudget budget = compiler::physical::core_budget(plan_);
    int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    fmt::print(stderr, "flowrun: {} task{}, {} worker thread{}, {} cores; full parallelism needs {} cores (Spark: {})\n",
               tasks_.size(), tasks_.size() == 1 ? "" : "s", config_.threads, config_.threads == 1 ? "" : "s", cores, budget.tasks + budget.producer_threads, budget.spark_cores);
  }
  if (config_.threads < static_cast<int>(tasks_.size()) && config_.log_level >= LogLevel::Warn)
    fmt::print(stderr, "flowrun: warning: {} threads for {} tasks: tasks take turns (slower, never stalled)\n",
               config_.threads, tasks_.size());
  return true;
}

void Job::start_workers() {
  for (int w = 0; w < config_.threads; ++w) {
    workers_.emplace_back([this, w] {
      size_t next = static_cast<size_t>(w);
      while (!workers_stop_.load(std::memory_order_relaxed)) {
        // Read before looking: a queue that receives records while this worker looks wakes it.
        uint64_t seen = work_signal_.generation();
        bool worked = false;
        for (size_t k = 0; k < tasks_.size(); ++k) worked |= tasks_[(next + k) % tasks_.size()]->try_trigger(10'000);
        next++;
        if (!worked && !workers_stop_.load(std::memory_order_relaxed))
          work_signal_.wait_after(seen, w == 0 ? WorkSignal::kIdleWait : WorkSignal::kSpareWait);
      }
    });
  }
}

void Job::stop_workers() {
  workers_stop_ = true;
  work_signal_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  // Triggers commit when their outputs are acknowledged, which may be after the last one ran.
  if (!shared_.failed)
    for (auto& task : tasks_) task->commit_now();
}

void Job::mark_end_offsets() {
  // Asked through the producer: the consumer's connection is busy with long-polling fetches
  // (fetch.wait.max.ms), which made each query wait up to half a second.
  for (auto& task : tasks_)
    for (auto& input : task->inputs()) {
      int64_t low = 0, high = 0;
      rd_kafka_query_watermark_offsets(shared_.producer->handle(), input.source->topic.c_str(), input.partition, &low,
                                       &high, 10'000);
      input.end_offset = high;
    }
  shared_.watermarks.allow();
  work_signal_.notify_all();  // idle partitions may now be judged caught up
}

void Job::hold_watermarks() {
  shared_.watermarks.hold();
  work_signal_.notify_all();
}

bool Job::any_chained() const {
  return std::find(plan_.chained.begin(), plan_.chained.end(), true) != plan_.chained.end();
}

int64_t Job::records_in_from_outside() const {
  int64_t in = 0;
  for (size_t s = 0; s < plan_.sources.size(); ++s)
    if (!plan_.chained[s]) in += shared_.source_in[s]->load();
  return in;
}

Job::Outcome Job::drain(const std::atomic<bool>& stop) {
  for (;;) {
    Outcome outcome = run(true, stop);
    if (outcome != Outcome::Idle || !any_chained()) return outcome;
    // What the queries wrote is in their topics once acknowledged; a chained query may not have
    // read it yet.
    if (!shared_.producer->flush(30'000)) {
      shared_.fail("Kafka did not acknowledge the outputs written to the application's own topics within 30 s");
      return Outcome::Failed;
    }
    mark_end_offsets();
    if (std::all_of(tasks_.begin(), tasks_.end(), [](const auto& t) { return t->reached_end(); })) return outcome;
  }
}

void Job::take_consumer_event(rd_kafka_message_t* event) {
  if (!event->err && event->rkt) {
    hand_to_task(event);
    return;
  }
  if (event->err && event->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && config_.log_level >= LogLevel::Warn)
    fmt::print(stderr, "flowrun: Kafka: {}\n", rd_kafka_message_errstr(event));
  rd_kafka_message_destroy(event);
}

void Job::hand_to_task(rd_kafka_message_t* event) {
  // A record fetched before its partition was forwarded to its own queue: hand it to its task.
  std::string topic = rd_kafka_topic_name(event->rkt);
  for (auto& task : tasks_)
    for (size_t i = 0; i < task->inputs().size(); ++i)
      if (task->inputs()[i].source->topic == topic && task->inputs()[i].partition == event->partition) {
        task->spill(i, event);
        work_signal_.notify_one();
        return;
      }
  rd_kafka_message_destroy(event);
}

Job::Outcome Job::run(bool until_idle, const std::atomic<bool>& stop) {
  auto last_progress = Clock::now();
  while (!stop && !shared_.failed) {
    shared_.producer->serve();  // delivery reports: tasks commit once their outputs are acknowledged
    // Errors and rebalances only: records are in the partition queues.
    if (rd_kafka_message_t* event = rd_kafka_consumer_poll(consumer_, 50)) take_consumer_event(event);
    if (until_idle && std::all_of(tasks_.begin(), tasks_.end(), [](const auto& t) { return t->reached_end(); })) {
      // The last report covers what happened since the previous one, so a short run reports too.
      report_progress(std::max(1e-3, std::chrono::duration<double>(Clock::now() - last_progress).count()));
      return shared_.failed ? Outcome::Failed : Outcome::Idle;
    }
    auto now = Clock::now();
    if (now - last_progress >= std::chrono::seconds(1)) {
      report_progress(std::chrono::duration<double>(now - last_progress).count());
      last_progress = now;
    }
  }
  return shared_.failed ? Outcome::Failed : Outcome::Stopped;
}

namespace {


}  // namespace

std::map<std::string, int64_t> Job::committed_group_offsets(std::string& error) const {
  std::map<std::string, int64_t> committed;
  rd_kafka_topic_partition_list_t* all = rd_kafka_topic_partition_list_new(16);
  for (const auto& group : plan_.task_groups)
    for (size_t s : group.sources)
      for (int32_t partition = 0; partition < plan_.sources[s].partitions; ++partition)
        rd_kafka_topic_partition_list_add(all, plan_.sources[s].topic.c_str(), partition);
  if (rd_kafka_resp_err_t err = rd_kafka_committed(consumer_, all, 10'000)) {
    error = rd_kafka_err2str(err);
  } else {
    for (int i = 0; i < all->cnt; ++i)
      if (!all->elems[i].err && all->elems[i].offset >= 0)
        committed[fmt::format("{}/{}", all->elems[i].topic, all->elems[i].partition)] = all->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(all);
  return committed;
}

void Job::on_group_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*, void* opaque) {
  report_group_commit(*static_cast<SharedRun*>(opaque), err);
}

bool Job::has_late_topic(size_t query) const {
  for (size_t source : plan_.queries[query].sources)
    if (plan_.sources[source].late) return true;
  return false;
}

int64_t Job::late_records(size_t query) const {
  int64_t late = 0;
  for (const auto& task : tasks_) late += task->late_records(query);
  if (query < shared_.shared_state.size())
    for (const auto& state : shared_.shared_state[query])
      if (state) {
        std::lock_guard lock(state->lock);
        late += state->op->late_records();
      }
  return late;
}

int64_t Job::later_stage_late(size_t query) const {
  // Every stage after the first is Shared (physical_plan.hpp): its store is in shared_state.
  int64_t late = 0;
  if (query < shared_.shared_state.size())
    for (size_t stage = 1; stage < shared_.shared_state[query].size(); ++stage)
      if (const auto& state = shared_.shared_state[query][stage]) {
        std::lock_guard lock(state->lock);
        late += state->op->late_records();
      }
  return late;
}

DurationHistogram::Totals Job::end_to_end_latency(size_t query) const {
  DurationHistogram::Totals totals;
  for (const auto& t : tasks_) totals.add(t->latency(query));
  return totals;
}

size_t Job::state_keys(size_t query) const {
  size_t keys = 0;
  for (const auto& t : tasks_) keys += t->state_keys(query);
  for (const auto& state : shared_.shared_state[query])
    if (state) {
      std::lock_guard lock(state->lock);
      keys += state->op->live_keys();
    }
  return keys;
}

int64_t Job::state_bytes() const {
  // Every store: the tasks' and the shared ones (joins, field-grouped aggregates, stages after
  // the first), whose bytes were left out once.
  int64_t bytes = 0;
  for (const StoreStats& store : store_stats()) bytes += store.bytes;
  return bytes;
}

std::vector<Job::StoreStats> Job::store_stats() const {
  std::vector<StoreStats> stores;
  auto stats = [this](std::string name, const StateStore& store) {
    StoreStats out{std::move(name), store.bytes(), store.cache_memory(), store.cache_misses()};
    if (auto it = synced_.find(&store); it != synced_.end() && it->second.action == ChangelogSync::Action::Restored) {
      out.restored_records = it->second.records;
      out.restore_seconds = it->second.seconds;
    }
    return out;
  };
  for (const auto& t : tasks_)
    if (const StateStore* store = t->store()) stores.push_back(stats(t->name(), *store));
  for (size_t q = 0; q < shared_.shared_state.size(); ++q)
    for (size_t s = 0; s < shared_.shared_state[q].size(); ++s)
      if (const auto& state = shared_.shared_state[q][s]) {
        std::lock_guard lock(state->lock);
        stores.push_back(stats("query-" + plan_.queries[q].stages.at(s).store, *state->store));
      }
  return stores;
}

std::vector<Job::PartitionLag> Job::partition_lags() const {
  std::vector<PartitionLag> lags;
  for (const auto& task : tasks_)
    for (const auto& input : task->inputs()) {
      int64_t low = 0, high = 0, lag = 0;
      if (!rd_kafka_get_watermark_offsets(consumer_, input.source->topic.c_str(), input.partition, &low, &high) &&
          high > input.next_offset)
        lag = high - input.next_offset;
      lags.push_back({input.source_index, input.partition, lag});
    }
  return lags;
}

namespace {

std::string human_bytes(int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  if (bytes < int64_t{1024} * 1024 * 1024) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

}  // namespace

Job::QueryActivity Job::query_activity(size_t query, const std::vector<int64_t>& in,
                                      const std::vector<int64_t>& lag) const {
  QueryActivity a;
  for (size_t s : plan_.queries[query].sources) {
    a.in += in[s];
    a.in_since += in[s] - last_source_in_[s];
    a.lag += lag[s];
    a.dead_lettered += source_dead_lettered(s);
    a.watermark = std::min(a.watermark, shared_.watermarks.watermark(s));
  }
  a.out = shared_.query_out[query]->load();
  a.out_since = a.out - last_query_out_[query];
  return a;
}

std::vector<std::string> Job::status_block(const std::vector<QueryActivity>& activity, double seconds,
                                           double trigger_ms) const {
  const compiler::physical::PhysicalPlan& p = plan_;
  std::vector<std::string> lines;
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count();
  std::string metrics;
  for (size_t m = 0; m < p.metrics.size(); ++m) metrics += fmt::format(", {}={}", p.metrics[m].name, metric(m));
  std::string trigger = trigger_ms > 0 ? fmt::format("trigger {:.2f} ms", trigger_ms) : "idle";
  lines.push_back(fmt::format("flowrun {} · {} tasks · up {}:{:02}:{:02} · {} in, {} out, {} dead-lettered · state {} · "
                              "{}{}",
                              config_.app_id, tasks_.size(), uptime / 3600, uptime / 60 % 60, uptime % 60, records_in(),
                              records_out(), dead_lettered(), human_bytes(state_bytes()), trigger, metrics));
  size_t name_width = 5;
  for (const auto& query : p.queries) name_width = std::max(name_width, query.name.size());
  lines.push_back(fmt::format("{:<{}}  {:>9} {:>9} {:>10} {:>9} {:>24} {:>9} {:>7} {:>7}", "query", name_width, "in/s",
                              "out/s", "in", "lag", "watermark", "keys", "late", "dead"));
  for (size_t q = 0; q < p.queries.size(); ++q) {
    const QueryActivity& a = activity[q];
    std::string mark = a.watermark == INT64_MIN || a.watermark == INT64_MAX ? "-" : format_rfc3339(a.watermark);
    lines.push_back(fmt::format("{:<{}}  {:>9.0f} {:>9.0f} {:>10} {:>9} {:>24} {:>9} {:>7} {:>7}", p.queries[q].name,
                                name_width, static_cast<double>(a.in_since) / seconds,
                                static_cast<double>(a.out_since) / seconds, a.in, a.lag, mark, state_keys(q),
                                late_records(q), a.dead_lettered));
  }
  return lines;
}

void Job::report_progress(double seconds) {
  const compiler::physical::PhysicalPlan& p = plan_;
  if (config_.log_level >= LogLevel::Debug)
    for (auto& task : tasks_)
      for (const auto& input : task->inputs())
        if (input.next_offset < input.end_offset)
          fmt::print(stderr, "flowrun: debug: {} partition {} at offset {} of {}\n", input.source->topic,
                     input.partition, input.next_offset, input.end_offset);
  if (config_.log_level < LogLevel::Info) return;

  // Per source: records read since the last report, and the consumer lag (records in the topic
  // not read yet, from the high watermarks the consumer last fetched: never a blocking call).
  std::vector<int64_t> in(p.sources.size()), lag(p.sources.size(), 0);
  for (size_t s = 0; s < p.sources.size(); ++s) in[s] = shared_.source_in[s]->load();
  for (const PartitionLag& partition : partition_lags()) lag[partition.source] += partition.lag;
  if (last_source_in_.size() != in.size()) last_source_in_.assign(in.size(), 0);
  if (last_query_out_.size() != p.queries.size()) last_query_out_.assign(p.queries.size(), 0);
  int64_t triggers = shared_.trigger_count.load(), trigger_ns = shared_.trigger_ns.load();
  double trigger_ms = triggers > last_triggers_
                          ? static_cast<double>(trigger_ns - last_trigger_ns_) / 1e6 /
                                static_cast<double>(triggers - last_triggers_)
                          : 0.0;
  int64_t bytes = state_bytes();
  std::vector<QueryActivity> activity;
  for (size_t q = 0; q < p.queries.size(); ++q) activity.push_back(query_activity(q, in, lag));
  // What the next report's rates are counted from.
  last_source_in_ = in;
  for (size_t q = 0; q < p.queries.size(); ++q) last_query_out_[q] = activity[q].out;
  last_triggers_ = triggers;
  last_trigger_ns_ = trigger_ns;

  if (config_.live_status) {
    config_.live_status->show(status_block(activity, seconds, trigger_ms));
    return;
  }

  bool reported = false;
  for (size_t q = 0; q < p.queries.size(); ++q) {
    const compiler::physical::Query& query = p.queries[q];
    const auto& [query_in, query_in_since, query_lag, dead, watermark, out, out_since] = activity[q];
    if (query_in_since == 0 && out_since == 0 && query_lag == 0) continue;  // nothing happened: no line
    reported = true;
    size_t keys = state_keys(q);
    double rate = static_cast<double>(query_in_since) / seconds;
    int64_t late = late_records(q);
    // Shown only for a query that reads a source with a `late` topic: how many of its late records went there.
    std::string kept;
    if (has_late_topic(q))
      kept = config_.progress_json ? fmt::format(",\"late_to_topic\":{}", late_kept(q))
                                   : fmt::format(" ({} to the late topic)", late_kept(q));
    if (config_.progress_json) {
      // Per source: the records of each its first stage dropped (a later stage's rows are no source's).
      const auto& sources = plan_.queries[q].sources;
      std::string by_source = ",\"late_by_source\":{";
      for (size_t i = 0; i < sources.size(); ++i)
        by_source += fmt::format("{}\"{}\":{}", i ? "," : "", p.sources[sources[i]].name, source_late(q, i));
      by_source += '}';
      fmt::print(stderr,
                 "{{\"query\":\"{}\",\"records_in\":{},\"records_per_second\":{:.0f},\"records_out\":{},"
                 "\"late\":{}{}{},\"watermark\":\"{}\",\"lag\":{},\"state_keys\":{},\"trigger_ms\":{:.2f}}}\n",
                 query.name, query_in, rate, out, late, by_source, kept, format_rfc3339(watermark), query_lag, keys,
                 trigger_ms);
    } else {
      // A query over several sources says whose records were late.
      const auto& sources = plan_.queries[q].sources;
      if (sources.size() > 1 && late > 0) {
        std::string by_source;
        for (size_t i = 0; i < sources.size(); ++i)
          by_source += fmt::format("{}{} {}", i ? ", " : " (", p.sources[sources[i]].name, source_late(q, i));
        kept = by_source + ")" + kept;
      }
      fmt::print(stderr,
                 "flowrun: progress: query {}: {} in ({:.0f}/s), {} out, {} late{}, watermark {}, lag {}, {} state "
                 "keys, trigger {:.2f} ms\n",
                 query.name, query_in, rate, out, late, kept, format_rfc3339(watermark), query_lag, keys, trigger_ms);
    }
  }
  if (!reported) return;

  std::string metrics;
  for (size_t m = 0; m < p.metrics.size(); ++m)
    metrics += config_.progress_json ? fmt::format("{}\"{}\":{}", m ? "," : "", p.metrics[m].name, metric(m))
                                     : fmt::format("{}{}={}", m ? " " : "", p.metrics[m].name, metric(m));
  if (config_.progress_json)
    fmt::print(stderr,
               "{{\"records_in\":{},\"records_out\":{},\"dead_lettered\":{},\"state_bytes\":{},\"metrics\":{{{}}}}}\n",
               records_in(), records_out(), dead_lettered(), bytes, metrics);
  else
    fmt::print(stderr, "flowrun: progress: {} records in, {} out, {} dead-lettered, state {} bytes{}{}\n", records_in(),
               records_out(), dead_lettered(), bytes, metrics.empty() ? "" : ", ", metrics);
}

void Job::fire_processing_timeouts() {
  for (auto& task : tasks_) task->fire_processing_timeouts();
}

Job::Outcome Job::finish(const std::atomic<bool>& stop) {
  for (int level = 0; level < plan_.levels; ++level) {
    if (level > 0) {
      // The levels before emitted their last rows: drain them into this level's queries first.
      if (!shared_.producer->flush(30'000)) {
        shared_.fail("Kafka did not acknowledge the outputs written to the application's own topics within 30 s");
        return Outcome::Failed;
      }
      mark_end_offsets();
      Outcome outcome = drain(stop);
      if (outcome != Outcome::Idle) return outcome;
    }
    for (auto& task : tasks_)
      if (task->level() == level) task->finish();
  }
  return shared_.failed ? Outcome::Failed : Outcome::Idle;
}

}  // namespace flow::runtime
