// The options of `flowrun run`, parsed from the command line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/launcher/start_offset.hpp"

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
  int threads = 0;                               //!< --threads (default: cores)
  std::vector<std::pair<std::string, std::string>> kafka_properties;  //!< -X key=value
  LogLevel log_level = LogLevel::Info;
  bool progress_json = false;                    //!< --progress json
  bool show_output = false;                      //!< --show-output: print sink topics at the end
  RetentionGap on_retention_gap = RetentionGap::Stop;  //!< --on-retention-gap stop|skip
};

//! Parses `flowrun run` arguments (after the command); on error returns nothing and sets `error`.
std::optional<RunOptions> parse_run_options(const std::vector<std::string>& args, std::string& error);

//! `error`, `warn`, `info`, `debug` or `trace`; nothing for another word.
std::optional<LogLevel> parse_log_level(const std::string& text);

//! A -X property with its value masked when the key names a secret (password, secret, key).
std::string printable_property(const std::string& key, const std::string& value);

}  // namespace flow::runtime
