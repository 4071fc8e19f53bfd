// A running application: its partition tasks, the consumer that feeds them, the worker pool and
// the progress reporter. `flowrun run` starts one job and runs it until stopped (or idle);
// `flowrun test` runs one in phases — load records, run until idle, move the processing-time
// clock, repeat — over the very same code path.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/abi/program.hpp"
#include "compiler/physical/physical_plan.hpp"
#include "runtime/kafka/kafka_client.hpp"
#include "runtime/launcher/changelog_topics.hpp"
#include "runtime/launcher/instance_guard.hpp"
#include "runtime/launcher/run_options.hpp"
#include "runtime/launcher/start_offset.hpp"
#include "runtime/launcher/terminal_status.hpp"
#include "runtime/state/changelog.hpp"
#include "runtime/state/state_memory.hpp"
#include "runtime/state/stateful_operator.hpp"
#include "runtime/tasks/partition_task.hpp"
#include "runtime/tasks/work_signal.hpp"

namespace flow::runtime {

struct JobConfig {
  std::string brokers;
  KafkaProperties kafka_properties;
  std::string app_id;
  std::string state_dir;
  int threads = 1;  //!< at most one per task is started: a worker runs one task at a time
  LogLevel log_level = LogLevel::Info;
  bool progress_json = false;
  //! A checkpoint below its partition's low watermark stops the run, or is skipped (counted).
  RetentionGap on_retention_gap = RetentionGap::Stop;
  //! A stateful task without a local checkpoint whose group committed offsets stops the run, or
  //! starts over (start_offset.hpp).
  LostState on_lost_state = LostState::Stop;
  bool capture_stdout = false;  //!< keep `sink … to stdout` lines (captured_stdout) instead of printing
  //! Whether the cluster answers DescribeConfigs (for the dead-letter topics' size limits): the
  //! embedded Kafka (librdkafka's mock) never does, and asking would only wait out a timeout.
  bool cluster_describes_configs = true;
  //! Stop at launch when another instance with this app id runs (instance_guard.hpp): on a
  //! cluster others can reach, not on the embedded Kafka (in this process, so of one instance).
  bool single_instance = false;
  //! Every store of keyed state backed by a changelog topic (state/changelog.hpp; --changelog).
  bool changelog = true;
  //! How changelog topics are created: null, by CreateTopics on the cluster; the embedded Kafka
  //! gives its own (its mock has no CreateTopics).
  CreateTopic create_topic;
  //! Memory for keyed state over every store (state_memory.hpp; --state-cache-mb).
  int64_t state_cache_bytes = StateMemory::kDefaultBudgetMiB << 20;
  //! --end-of-input-step: timeouts and windows a stage expires between two commits at the end of input.
  size_t end_of_input_step = StatefulOperator::kDefaultEndOfInputStep;
  //! The processing-time clock (default: the system clock); tests drive a virtual one.
  ProcessingClock clock;
  //! On a terminal: progress as a live block redrawn in place (terminal_status.hpp), not lines.
  TerminalStatus* live_status = nullptr;
};

class Job {
 public:
  //! Opens state, assigns every partition from its checkpointed offset and starts the workers.
  //! The plan and program must outlive the job. Null and `error` on failure.
  static std::unique_ptr<Job> start(const compiler::physical::PhysicalPlan& plan, const abi::Program& program,
                                    Producer& producer, const JobConfig& config, std::string& error);
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  enum class Outcome { Idle, Stopped, Failed };
  //! Serves Kafka events and prints progress until `stop` is set, the job fails or — with
  //! `until_idle` — every partition is read up to the end it had when `mark_end_offsets` last ran.
  Outcome run(bool until_idle, const std::atomic<bool>& stop);
  //! Runs until every partition is read to its end and the queries that read topics of this
  //! application have read everything written to them meanwhile (a chain of queries settles):
  //! `run(true)`, then, while chained topics grew, flush, mark_end_offsets and run again.
  Outcome drain(const std::atomic<bool>& stop);
  //! Records the current end of every partition (what `run(until_idle)` reads up to), and lets
  //! partitions be judged caught up against it (see hold_watermarks).
  void mark_end_offsets();
  //! Before more input is produced (`flowrun test`'s phases): no partition that has delivered
  //! nothing yet counts as caught up — so none stops holding the watermark back — until
  //! mark_end_offsets has seen the new ends.
  void hold_watermarks();
  //! Fires the processing-time timeouts that are due by the clock, on every task.
  void fire_processing_timeouts();
  //! End of input: event and processing time move to the end (windows close, timeouts fire),
  //! level by level of the chain of queries: the tasks of queries fed from outside first, then,
  //! once what they emitted has been drained into the queries they feed, those (drain).
  Outcome finish(const std::atomic<bool>& stop);
  //! Progress as a live status block on a terminal from now on (null: lines again).
  void set_live_status(TerminalStatus* status) { config_.live_status = status; }
  //! Stops the workers; every task has committed its last trigger. Idempotent.
  void stop_workers();

  const std::string& failure() const { return shared_.failure; }
  int64_t records_in() const { return shared_.records_in.load(); }
  //! Records read from sources no query of this application writes: the application's input.
  int64_t records_in_from_outside() const;
  int64_t records_out() const { return shared_.records_out.load(); }
  int64_t dead_lettered() const { return shared_.dead_lettered.load(); }
  //! Of those, the ones written as a truncated copy (too large for their dead-letter topic).
  int64_t dead_letters_truncated() const { return shared_.dead_letters_truncated.load(); }
  //! Records retention deleted before they were read, skipped at the start (--on-retention-gap skip).
  int64_t retention_skipped() const { return retention_skipped_; }
  int64_t metric(size_t index) const { return shared_.metrics[index]->load(); }
  //! Records query `query` dropped as late: the windows they belong to had closed (every stage).
  int64_t late_records(size_t query) const;
  //! Of those, the records of the query's `i`-th source its first stage dropped.
  int64_t source_late(size_t query, size_t i) const { return shared_.query_source_late[query][i]->load(); }
  //! Of those, the rows a stage after the first dropped (no source's records: another stage's output).
  int64_t later_stage_late(size_t query) const;
  //! Of those, the ones written to their source's `late` topic (first-stage late records).
  int64_t late_kept(size_t query) const { return shared_.query_late_kept[query]->load(); }
  //! Whether a source query `query` reads declares a `late` topic.
  bool has_late_topic(size_t query) const;
  // What `/metrics` and the progress lines read while the workers run (each a moment's value).
  const compiler::physical::PhysicalPlan& plan() const { return plan_; }
  int64_t source_records_in(size_t source) const { return shared_.source_in[source]->load(); }
  int64_t source_dead_lettered(size_t source) const { return shared_.source_dead_lettered[source]->load(); }
  int64_t query_records_out(size_t query) const { return shared_.query_out[query]->load(); }
  //! Keys held by query `query`'s stages, in every task and in its shared stores.
  size_t state_keys(size_t query) const;
  //! Bytes of the tasks' stores on disk.
  int64_t state_bytes() const;
  //! A state store seen from outside (a moment's values, read while the workers run).
  struct StoreStats {
    std::string name;          //!< a task's, or `query-STORE` for a store the query's tasks share
    int64_t bytes = 0;         //!< of its keys and values
    int64_t cache_bytes = 0;   //!< memory its cache of committed entries takes (StateStore::cache_memory)
    int64_t cache_misses = 0;  //!< reads its cache could not answer (LevelDB asked)
    int64_t restored_records = 0;  //!< read from its changelog at launch to restore it (0: not restored)
    double restore_seconds = 0;    //!< how long that restore took
  };
  std::vector<StoreStats> store_stats() const;
  //! The watermark of source `source` over its partitions (INT64_MIN before any record).
  int64_t source_watermark(size_t source) const { return shared_.watermarks.watermark(source); }
  struct PartitionLag {
    size_t source;
    int32_t partition;
    int64_t lag;  //!< records in the partition not read yet, from the consumer's cached high watermark
  };
  //! Per source partition, from the high watermarks the consumer last fetched: never a blocking call.
  std::vector<PartitionLag> partition_lags() const;
  const DurationHistogram& trigger_durations() const { return shared_.trigger_durations; }
  const DurationHistogram& commit_durations() const { return shared_.commit_durations; }
  //! Query `query`'s end-to-end latency over its tasks: the wall clock when a record is written
  //! minus the event time it carries.
  DurationHistogram::Totals end_to_end_latency(size_t query) const;
  //! The lines a `sink … to stdout` query wrote, with JobConfig::capture_stdout (after stop_workers).
  std::vector<std::string> captured_stdout(int32_t query) const {
    auto it = shared_.captured_stdout.find(query);
    return it == shared_.captured_stdout.end() ? std::vector<std::string>{} : it->second;
  }

 private:
  Job(const compiler::physical::PhysicalPlan& plan, const JobConfig& config) : plan_(plan), config_(config) {}
  bool any_chained() const;
  //! The consumer group's committed offsets of every source partition ("topic/partition").
  std::map<std::string, int64_t> committed_group_offsets(std::string& error) const;
  //! librdkafka's report of an asynchronous commit to the group (Checkpointer).
  static void on_group_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*, void* opaque);
  bool open(const abi::Program& program, Producer& producer, std::string& error);
  //! Gives `store` its changelog (partition `partition` of `topic`) and brings the two into step
  //! (restore, repair, or write it whole: changelog.hpp), saying what it did. False and `error`.
  bool attach_changelog(StateStore& store, const std::string& owner, const std::string& topic, int32_t partition,
                        const std::string& identity, Producer& producer, std::string& error);
  //! Creates changelog_reader_. False and `error`.
  bool open_changelog_reader(std::string& error);
  //! What a store fed by `sources` holds the state of, for its changelog: their topics.
  std::string state_identity(const std::vector<size_t>& sources) const;
  void start_workers();
  //! An event of the consumer's own queue: a record fetched before its partition had its own
  //! queue goes to its task; an error is reported.
  void take_consumer_event(rd_kafka_message_t* event);
  void hand_to_task(rd_kafka_message_t* message);
  //! Prints the progress lines for the `seconds` since the previous report.
  void report_progress(double seconds);
  //! One query over the period since the last report, from its sources' records in and lag.
  struct QueryActivity {
    int64_t in = 0, in_since = 0, lag = 0, dead_lettered = 0, watermark = INT64_MAX, out = 0, out_since = 0;
  };
  QueryActivity query_activity(size_t query, const std::vector<int64_t>& in, const std::vector<int64_t>& lag) const;
  //! The live status block: a line for the application, a header, a row per query.
  std::vector<std::string> status_block(const std::vector<QueryActivity>& activity, double seconds,
                                        double trigger_ms) const;

  const compiler::physical::PhysicalPlan& plan_;
  JobConfig config_;
  //! Before the stores (shared_, tasks_), which use its block cache: destroyed after them.
  std::unique_ptr<StateMemory> state_memory_;
  //! The stores' changelogs: before the stores, which hand them every commit.
  std::vector<std::unique_ptr<Changelog>> changelogs_;
  //! What each store's changelog did at launch (a restore, a repair, a whole write), for /metrics.
  std::map<const StateStore*, ChangelogSync> synced_;
  //! Reads changelogs at open (a consumer that joins no group); null without changelogs.
  rd_kafka_t* changelog_reader_ = nullptr;
  SharedRun shared_;
  rd_kafka_t* consumer_ = nullptr;
  std::unique_ptr<InstanceGuard> instance_guard_;
  std::vector<std::unique_ptr<PartitionTask>> tasks_;
  std::atomic<bool> workers_stop_{false};
  WorkSignal work_signal_;  //!< idle workers wait on it (work_signal.hpp)
  std::vector<std::thread> workers_;
  // What the previous progress report saw, to report rates and changes.
  std::vector<int64_t> last_source_in_, last_query_out_;
  int64_t last_triggers_ = 0, last_trigger_ns_ = 0;
  int64_t retention_skipped_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace flow::runtime
