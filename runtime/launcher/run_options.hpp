// The options of `flowrun run`, parsed from the command line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/launcher/start_offset.hpp"
#include "runtime/state/state_memory.hpp"
#include "runtime/state/stateful_operator.hpp"
#include "runtime/kafka/kafka_properties.hpp"

namespace flow::runtime {

enum class LogLevel { Error, Warn, Info, Debug, Trace };

struct RunOptions {
  std::string app;                               //!< APP.flow
  std::optional<std::string> brokers;            //!< --brokers
  bool embedded_kafka = false;                   //!< --embedded-kafka
  std::vector<std::pair<std::string, std::string>> inputs;  //!< --input NAME=FILE.jsonl
  bool until_idle = false;                       //!< --until-idle
  std::string app_id;                            //!< --app-id (default: the file's stem)
  std::string state_dir;                         //!< --state-dir (default: .flow-state/APP_ID)
  int threads = 0;                               //!< --threads (default: cores, at most kMaxThreads)
  //! --config FILE's properties, then -X key=value's, in order: a later one wins.
  KafkaProperties kafka_properties;
  LogLevel log_level = LogLevel::Info;
  bool progress_json = false;                    //!< --progress json
  //! Whether --progress was given: without it, progress on a terminal is a live status block.
  bool progress_given = false;
  bool show_output = false;                      //!< --show-output: print sink topics at the end
  RetentionGap on_retention_gap = RetentionGap::Stop;  //!< --on-retention-gap stop|skip
  LostState on_lost_state = LostState::Stop;           //!< --on-lost-state stop|reprocess
  std::optional<std::string> metrics_address;    //!< --metrics-address: HOST:PORT to serve /metrics on
  //! --changelog on|off: keyed state backed by changelog topics (state/changelog.hpp).
  bool changelog = true;
  //! --end-of-input-step: timeouts and windows a stage expires between two commits at the end of input.
  int64_t end_of_input_step = static_cast<int64_t>(StatefulOperator::kDefaultEndOfInputStep);
  int64_t state_cache_mib = StateMemory::kDefaultBudgetMiB;                 //!< --state-cache-mb: the state memory budget (state_memory.hpp)
};
//! The bounds of `--state-cache-mb` (MiB): below 8, LevelDB's own buffers would not fit.
constexpr int64_t kMinStateCacheMiB = 8, kMaxStateCacheMiB = int64_t{1} << 20;
constexpr int64_t kMaxEndOfInputStep = int64_t{1} << 40;

//! The most worker threads `--threads` takes: a worker runs one task at a time, so more than the
//! tasks sit idle (`flowc explain` shows the tasks and the cores that give each its own).
constexpr int kMaxThreads = 1024;

//! Parses `flowrun run` arguments (after the command); on error returns nothing and sets `error`.
std::optional<RunOptions> parse_run_options(const std::vector<std::string>& args, std::string& error);

//! `--metrics-address`' value as the address to bind: `PORT` and `:PORT` mean 127.0.0.1:PORT (a
//! scrape endpoint is loopback unless another host is asked for on purpose), `HOST:PORT` is kept.
//! Nothing and `error` when the port is not a number from 0 to 65535 (0: any free port).
std::optional<std::string> parse_metrics_address(const std::string& text, std::string& error);

//! `error`, `warn`, `info`, `debug` or `trace`; nothing for another word.
std::optional<LogLevel> parse_log_level(const std::string& text);

//! The whole of `text` as a number from `min` to `max` (no sign, spaces, or anything after it).
std::optional<int64_t> parse_bounded_number(const std::string& text, int64_t min, int64_t max);

//! `--threads`' value, with the message naming the flag and its bounds.
std::optional<int> parse_threads(const std::string& text, std::string& error);
//! `--end-of-input-step`'s value (flowrun run's and flowrun test's), likewise.
std::optional<int64_t> parse_end_of_input_step(const std::string& text, std::string& error);

//! What is wrong with an application id (the Kafka consumer group and the state folder's name),
//! or empty: letters, digits, `.`, `_` and `-`, at most kMaxAppIdLength, not `.` or `..`.
std::string app_id_problem(const std::string& app_id);
constexpr size_t kMaxAppIdLength = 200;

//! Appends the properties of `--config FILE` (in order) and then of `-X` (in order) to `out`: a
//! later value wins, so -X overrides a file. False and `error` on an unreadable file or bad line.
bool collect_kafka_properties(const std::vector<std::string>& config_files,
                              const std::vector<std::string>& x_arguments, KafkaProperties& out, std::string& error);

}  // namespace flow::runtime
