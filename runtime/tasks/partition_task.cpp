// Partition tasks: triggers, the callbacks of generated code, keyed state hand-over, checkpoints.
#include "runtime/tasks/partition_task.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "compiler/plan/bound_expr.hpp"
#include "compiler/physical/physical_plan.hpp"
#include "runtime/codec/rfc3339.hpp"
#include "runtime/host/host_symbols.hpp"

namespace flow::runtime {

namespace plan = compiler::plan;

namespace {

PartitionTask& task_of(flow_task* task) { return *reinterpret_cast<PartitionTask*>(task); }

extern "C" void task_emit(flow_task* task, int32_t query, const char* key, int64_t key_len, const char* value,
                          int64_t value_len, int64_t event_time) {
  task_of(task).emit(query, key, key_len, value, value_len, event_time);
}
extern "C" void task_dead_letter(flow_task* task, const flow_record* record, int32_t reason, const char* detail,
                                 int64_t detail_len) {
  task_of(task).dead_letter(record, reason, detail, detail_len);
}
extern "C" void task_tally(flow_task* task, int32_t metric, int64_t count) { task_of(task).tally(metric, count); }
// Keyed state can throw (a damaged store); no exception may cross generated code's frames.
extern "C" void task_to_state(flow_task* task, int32_t query, const flow_value* key, const flow_value* fields,
                              int64_t count, int64_t event_time, const flow_record* record) {
  task_of(task).guarded("keyed state",
                        [&] { task_of(task).to_state(query, key, fields, count, event_time, record); });
}
extern "C" void task_to_aggregate(flow_task* task, int32_t query, const flow_value* values, int64_t,
                                  int64_t event_time, const flow_record* record) {
  task_of(task).guarded("keyed state", [&] { task_of(task).to_aggregate(query, values, event_time, record); });
}
extern "C" flow_arena* task_arena(flow_task* task) { return task_of(task).arena(); }
extern "C" int64_t task_event_time_limit(flow_task* task) { return task_of(task).event_time_limit(); }
extern "C" void task_event_time_ahead(flow_task* task, const flow_record* record, int64_t event_time) {
  task_of(task).event_time_ahead(record, event_time);
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void SharedRun::fail(const std::string& message) {
  std::lock_guard lock(failure_mutex);
  if (!failed.exchange(true)) failure = message;
}

PartitionTask::PartitionTask(std::string name, SharedRun& shared)
    : name_(std::move(name)),
      shared_(shared),
      exit_(*this),
      arena_buffer_(1 << 20),
      chain_arena_buffer_(1 << 20),
      chain_(*shared.physical, exit_, &chain_arena_),
      collector_(shared),
      checkpointer_(shared, name_) {
  flow_arena_init(&chain_arena_, chain_arena_buffer_.data(), static_cast<int64_t>(chain_arena_buffer_.size()));
  flow_arena_init(&arena_, arena_buffer_.data(), static_cast<int64_t>(arena_buffer_.size()));
}

void PartitionTask::tally(int32_t metric, int64_t count) {
  if (count && metric >= 0 && static_cast<size_t>(metric) < shared_.metrics.size())
    shared_.metrics[metric]->fetch_add(count, std::memory_order_relaxed);
}

PartitionTask::~PartitionTask() {
  for (auto& input : inputs_)
    if (input.queue) rd_kafka_queue_destroy(input.queue);
  for (auto& messages : spilled_)
    for (rd_kafka_message_t* m : messages) rd_kafka_message_destroy(m);
}

void PartitionTask::spill(size_t index, rd_kafka_message_t* message) {
  std::lock_guard lock(spill_lock_);
  if (spilled_.size() < inputs_.size()) spilled_.resize(inputs_.size());
  spilled_[index].push_back(message);
}

std::vector<abi::HostSymbol> PartitionTask::host_symbols() {
  return runtime::host_symbols({&task_emit, &task_dead_letter, &task_tally, &task_to_state, &task_to_aggregate,
                                &task_arena, &task_event_time_limit, &task_event_time_ahead});
}

bool PartitionTask::open_state(const std::string& directory, const StateStoreOptions& options, std::string& error) {
  store_ = StateStore::open(directory, error, options);
  if (!store_) return false;
  std::vector<size_t> sources;
  for (const auto& input : inputs_) sources.push_back(input.source_index);
  chain_.set_end_of_input_step(shared_.end_of_input_step);
  chain_.open(sources, *store_, shared_.shared_state, shared_.clock, shared_.program, shared_.encoder_table);
  return true;
}

bool PartitionTask::reached_end() const {
  for (const auto& input : inputs_)
    if (input.next_offset < input.end_offset) return false;
  // Read after the offsets: the trigger that took the last records has also finished with them.
  return !busy_.load(std::memory_order_acquire);
}

size_t PartitionTask::state_keys(size_t query) const { return chain_.live_keys(query); }

int64_t PartitionTask::state_bytes() const { return store_ ? store_->bytes() : 0; }

void PartitionTask::fail_with(const char* doing, const char* why) {
  // State that cannot be read (a damaged store, a store written by a different plan) stops the
  // run with the reason; nothing commits after a failure, so a restart replays from the last
  // checkpoint.
  shared_.fail(fmt::format("task `{}`: {}: {}", name_, doing, why));
}

bool PartitionTask::try_trigger(int64_t max_records_default) {
  // After a failure (e.g. Kafka did not acknowledge a trigger's outputs) the run is stopping:
  // another trigger could commit nothing and would wait out its own flush timeout.
  if (shared_.failed.load(std::memory_order_relaxed)) return false;
  if (busy_.exchange(true, std::memory_order_acquire)) return false;
  int64_t before = shared_.records_in.load(std::memory_order_relaxed);
  guarded("trigger", [&] { trigger(max_records_default); });
  bool consumed = shared_.records_in.load(std::memory_order_relaxed) != before;
  busy_.store(false, std::memory_order_release);
  return consumed;
}

void PartitionTask::trigger(int64_t max_records_default) {
  bool consumed = false;
  auto started = std::chrono::steady_clock::now();
  // Reused across triggers: the steady state allocates nothing per trigger.
  std::vector<rd_kafka_message_t*>& messages = messages_;
  std::vector<flow_record>& records = records_;
  for (size_t index = 0; index < inputs_.size(); ++index) {
    TaskInput& input = inputs_[index];
    // Never wait on a fetch: take what the queue holds now, at most the rate limit; spilled
    // records (older than the queue's) first.
    size_t limit = static_cast<size_t>(input.source->max_records_per_trigger.value_or(max_records_default));
    messages.clear();
    {
      std::lock_guard lock(spill_lock_);
      if (index < spilled_.size()) {
        auto& spilled = spilled_[index];
        size_t take = std::min(limit, spilled.size());
        messages.assign(spilled.begin(), spilled.begin() + static_cast<long>(take));
        spilled.erase(spilled.begin(), spilled.begin() + static_cast<long>(take));
      }
    }
    size_t from_spill = messages.size();
    messages.resize(limit);
    ssize_t fetched = from_spill < limit ? rd_kafka_consume_batch_queue(input.queue, 0, messages.data() + from_spill,
                                                                         limit - from_spill)
                                         : 0;
    ssize_t n = static_cast<ssize_t>(from_spill) + std::max<ssize_t>(0, fetched);
    if (n <= 0) {
      note_caught_up(input);
      continue;
    }
    records.clear();
    // The records so far through generated code, as one batch.
    auto run_batch = [&] {
      if (records.empty()) return;
      current_ = &input;
      max_event_time_seen_ = INT64_MIN;
      input.batch(reinterpret_cast<flow_task*>(this), input.decoder.get(), shared_.encoder_table.data(),
                  records.data(), static_cast<int64_t>(records.size()));
      current_ = nullptr;
      shared_.records_in.fetch_add(static_cast<int64_t>(records.size()), std::memory_order_relaxed);
      shared_.source_in[input.source_index]->fetch_add(static_cast<int64_t>(records.size()), std::memory_order_relaxed);
      shared_.watermarks.delivered(input.source_index, input.partition, max_event_time_seen_);
      consumed = true;
      records.clear();
    };
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = messages[i];
      if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
        // The consumer's `auto.offset.reset` is `error` (Job): Kafka no longer holds the offset to
        // read next, so records were deleted before they were read. Stopped, not skipped.
        fail_with("reading",
                  fmt::format("topic `{}` partition {}: the records from offset {} on are gone ({}): retention "
                              "deleted records before they were read; run again, and the start names the records "
                              "lost (`--on-retention-gap skip` goes on without them, counting them)",
                              input.source->topic, input.partition, input.next_offset, rd_kafka_message_errstr(m))
                      .c_str());
        break;
      }
      if (m->err) continue;  // partition EOF and transient errors are not records
      if (m->offset < input.next_offset) {
        // A partition's records come in offset order (Job::open hands the records fetched before
        // the partition queues existed to their tasks first): one that does not would make the
        // watermark and the checkpoint wrong, so the run stops rather than go on.
        fail_with("reading", fmt::format("topic `{}` partition {}: offset {} came after offset {}",
                                         input.source->topic, input.partition, m->offset, input.next_offset - 1)
                                 .c_str());
        break;
      }
      rd_kafka_timestamp_type_t type;
      flow_record record{static_cast<const char*>(m->payload), static_cast<int64_t>(m->len),
                         static_cast<const char*>(m->key), static_cast<int64_t>(m->key_len), m->offset,
                         rd_kafka_message_timestamp(m, &type)};
      input.next_offset = m->offset + 1;
      if (input.source->table && !m->payload) {
        // A tombstone: the key has no row from then on. In order with the records around it.
        run_batch();
        tombstone(input, record);
        consumed = true;
        continue;
      }
      records.push_back(record);
    }
    run_batch();
    for (ssize_t i = 0; i < n; ++i) rd_kafka_message_destroy(messages[i]);
  }
  if (!consumed) {
    // No record, but the wall clock moves: processing-time timeouts fire between records too
    // (checked at most every 100 ms, so an idle task costs nothing).
    int64_t now = shared_.clock();
    bool due = processing_time_checked_ == INT64_MIN || now - processing_time_checked_ >= 100;
    // Other partitions move the watermark too: this task's windows close, and what it passes on
    // to a shared stage after its own lets that stage move on (see SharedState::upstream).
    bool moved = false;
    if (due)
      for (size_t q = 0; q < shared_.physical->queries.size(); ++q)
        if (chain_.has_state(q) && query_watermark(q) > chain_.last_watermark(q)) {
          chain_.advance_event_time(q, query_watermark(q));
          moved = true;
        }
    if ((due && advance_processing_time()) || moved) {
      checkpoint();
    } else if (checkpointer_.uncommitted(*store_)) {
      shared_.producer->serve();  // delivery reports of earlier triggers: maybe it can commit now
      checkpoint();
    }
    return;
  }
  // Event time moves with the least partition of each source: close windows, fire timeouts.
  for (size_t q = 0; q < shared_.physical->queries.size(); ++q)
    if (chain_.has_state(q)) chain_.advance_event_time(q, query_watermark(q));
  advance_processing_time();
  chain_.deliver();
  checkpoint();
  int64_t took = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
  shared_.trigger_count.fetch_add(1, std::memory_order_relaxed);
  shared_.trigger_ns.fetch_add(took, std::memory_order_relaxed);
  shared_.trigger_durations.observe_ns(took);
}

void PartitionTask::note_caught_up(const TaskInput& input) {
  PartitionWatermarks& watermarks = shared_.watermarks;
  // Only a partition that has delivered no record needs it (a table's: any), so an idle one makes
  // no librdkafka call.
  if ((watermarks.has_delivered(input.source_index, input.partition) && !watermarks.is_table(input.source_index)) ||
      watermarks.caught_up(input.source_index, input.partition) || !shared_.consumer)
    return;
  // Judged against the end the job last asked the broker for (Job::mark_end_offsets), not only
  // against the consumer's cached high watermark: records produced since the last fetch are not
  // in that cache yet, and a partition judged empty before its input came would let the others
  // make all of its records late.
  if (!watermarks.may_judge() || input.end_offset < 0 ||
      input.next_offset < input.end_offset)
    return;
  int64_t low = 0, high = -1;
  if (rd_kafka_get_watermark_offsets(shared_.consumer, input.source->topic.c_str(), input.partition, &low, &high) ==
          RD_KAFKA_RESP_ERR_NO_ERROR &&
      high >= 0 && input.next_offset >= high) {
    watermarks.mark_caught_up(input.source_index, input.partition);
  }
}

int64_t PartitionTask::query_watermark(size_t query) const {
  int64_t watermark = INT64_MAX;
  for (size_t source : shared_.physical->queries[query].sources) watermark = std::min(watermark, shared_.watermarks.watermark(source));
  return watermark;
}

bool PartitionTask::advance_processing_time() {
  int64_t now = shared_.clock();
  processing_time_checked_ = now;
  return chain_.advance_processing_time(now);
}

void PartitionTask::fire_processing_timeouts() {
  while (busy_.exchange(true, std::memory_order_acquire)) {
  }
  guarded("processing-time timeouts", [&] {
    if (advance_processing_time()) checkpoint();
  });
  busy_.store(false, std::memory_order_release);
}

void PartitionTask::finish() {
  while (busy_.exchange(true, std::memory_order_acquire)) {
  }
  guarded("the end of input", [&] {
    // Stage by stage: a stage's last rows reach the next before its own end (advance_event_time
    // also fires the processing-time timeouts of a stage whose event time reached the end).
    // A stage expires its keys and windows in bounded steps (StatefulOperator::
    // set_end_of_input_step), each committed before the next: millions of timeouts at the end
    // of a replay are not all held in memory until one commit.
    for (size_t q = 0; q < shared_.physical->queries.size(); ++q) {
      if (!chain_.has_state(q)) continue;
      chain_.advance_event_time(q, INT64_MAX);
      while (chain_.expiring(q) && !shared_.failed) {
        checkpoint(true);
        chain_.advance_event_time(q, INT64_MAX);
      }
    }
    chain_.deliver();
    checkpoint(true);
  });
  busy_.store(false, std::memory_order_release);
}

void PartitionTask::checkpoint(bool now) { checkpointer_.checkpoint(*store_, inputs_, chain_, collector_, now); }

void PartitionTask::commit_now() {
  while (busy_.exchange(true, std::memory_order_acquire)) {
  }
  if (checkpointer_.uncommitted(*store_) && !shared_.failed) checkpoint(true);
  busy_.store(false, std::memory_order_release);
}

void PartitionTask::emit(int32_t query, const char* key, int64_t key_len, const char* value, int64_t value_len,
                         int64_t event_time_ms) {
  collector_.emit(query, key, key_len, value, value_len, event_time_ms);
}

void PartitionTask::dead_letter(const flow_record* record, int32_t reason, const char* detail, int64_t detail_len) {
  collector_.dead_letter(*current_, *record, reason, std::string_view(detail, static_cast<size_t>(detail_len)));
}

int64_t PartitionTask::event_time_limit() const {
  // The wall clock, not the processing clock: `flowrun test` runs its own processing time from 0,
  // and what bounds an event time is how far a producer's clock can be wrong.
  int64_t bound = current_->source->event_time_ahead_bound_ms();
  int64_t now = wall_clock_ms();
  return now > INT64_MAX - bound ? INT64_MAX : now + bound;
}

void PartitionTask::event_time_ahead(const flow_record* record, int64_t event_time) {
  // No clock reading in the reason: the same record gets the same dead letter on every run.
  std::string detail = fmt::format("event time {} is more than {} past the wall clock (`max_event_time_ahead` of "
                                   "source `{}`)",
                                   format_rfc3339(event_time), plan::duration_to_source(current_->source->event_time_ahead_bound_ms()),
                                   current_->source->name);
  collector_.dead_letter(*current_, *record, FLOW_EVENT_TIME_AHEAD, detail);
}

void PartitionTask::to_state(int32_t query, const flow_value* key, const flow_value* fields, int64_t count,
                             int64_t event_time, const flow_record* record) {
  max_event_time_seen_ = std::max(max_event_time_seen_, event_time);
  LateDrop drop = chain_.to_state(query, static_cast<size_t>(current_->query_input[static_cast<size_t>(query)]), key,
                                  fields, count, event_time);
  if (drop.late) late(query, record, drop);
}

void PartitionTask::to_aggregate(int32_t query, const flow_value* values, int64_t event_time,
                                 const flow_record* record) {
  max_event_time_seen_ = std::max(max_event_time_seen_, event_time);
  LateDrop drop = chain_.to_aggregate(query, values, event_time);
  if (drop.late) late(query, record, drop);
}

void PartitionTask::tombstone(TaskInput& input, const flow_record& record) {
  shared_.records_in.fetch_add(1, std::memory_order_relaxed);
  shared_.source_in[input.source_index]->fetch_add(1, std::memory_order_relaxed);
  std::string_view key(record.key ? record.key : "", static_cast<size_t>(record.key ? record.key_len : 0));
  for (size_t q = 0; q < shared_.physical->queries.size(); ++q) {
    if (input.query_input[q] < 0) continue;
    std::string why;
    if (!chain_.to_tombstone(static_cast<int32_t>(q), key, record.timestamp_ms, why)) {
      collector_.dead_letter(input, record, FLOW_DECODE_WRONG_TYPE, why);
      break;
    }
  }
  shared_.watermarks.delivered(input.source_index, input.partition, record.timestamp_ms);
}

void PartitionTask::late(int32_t query, const flow_record* record, const LateDrop& drop) {
  // Counted by the stage either way (late_records), and here per source; kept only where the
  // source names a topic.
  int32_t input = current_->query_input[static_cast<size_t>(query)];
  if (input >= 0)
    shared_.query_source_late[static_cast<size_t>(query)][static_cast<size_t>(input)]->fetch_add(
        1, std::memory_order_relaxed);
  if (!current_->source->late || !record) return;
  const std::string& name = shared_.physical->queries[static_cast<size_t>(query)].name;
  std::string reason =
      drop.join_window
          ? fmt::format("late: older than the watermark {} of query `{}`'s windowed join (the other stream's records "
                        "it could match may be gone)",
                        format_rfc3339(drop.watermark), name)
      : drop.join_history
          ? fmt::format("late: older than what query `{}` keeps of its table's history at watermark {} (the rows "
                        "current then are gone; a longer `history` keeps them)",
                        name, format_rfc3339(drop.watermark))
      : drop.group_timed_out
          ? fmt::format("late: its group of query `{}` had timed out at {} (its event time plus the timeout), closed "
                        "at watermark {}",
                        name, format_rfc3339(drop.window_end), format_rfc3339(drop.watermark))
          : fmt::format("late: the window [{}, {}) of query `{}` closed at watermark {}",
                        format_rfc3339(drop.window_start), format_rfc3339(drop.window_end), name,
                        format_rfc3339(drop.watermark));
  collector_.late(*current_, *record, query, reason);
}

}  // namespace flow::runtime
