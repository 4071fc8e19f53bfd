// Command-line parsing for `flowrun run`: every flag the issue lists, with a message naming the
// flag for each mistake (the caller prints usage and exits 2).
#include "runtime/launcher/run_options.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <thread>

namespace flow::runtime {

std::optional<RunOptions> parse_run_options(const std::vector<std::string>& args, std::string& error) {
  RunOptions options;
  auto value_of = [&](size_t& i, const std::string& flag) -> std::optional<std::string> {
    if (i + 1 >= args.size()) {
      error = fmt::format("`{}` needs a value", flag);
      return std::nullopt;
    }
    return args[++i];
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--embedded-kafka") {
      options.embedded_kafka = true;
    } else if (arg == "--until-idle") {
      options.until_idle = true;
    } else if (arg == "--show-output") {
      options.show_output = true;
    } else if (arg == "--brokers" || arg == "--app-id" || arg == "--state-dir" || arg == "--threads" ||
               arg == "--input" || arg == "-X" || arg == "--log-level" || arg == "--progress" ||
               arg == "--on-retention-gap") {
      auto value = value_of(i, arg);
      if (!value) return std::nullopt;
      if (arg == "--brokers") {
        options.brokers = *value;
      } else if (arg == "--app-id") {
        options.app_id = *value;
      } else if (arg == "--state-dir") {
        options.state_dir = *value;
      } else if (arg == "--threads") {
        try {
          options.threads = std::stoi(*value);
        } catch (...) {
          options.threads = -1;
        }
        if (options.threads <= 0) {
          error = fmt::format("`--threads` takes a positive number, not `{}`", *value);
          return std::nullopt;
        }
      } else if (arg == "--input" || arg == "-X") {
        size_t equals = value->find('=');
        if (equals == std::string::npos || equals == 0) {
          error = fmt::format("`{}` takes {}, not `{}`", arg, arg == "-X" ? "key=value" : "NAME=FILE.jsonl", *value);
          return std::nullopt;
        }
        auto& list = arg == "-X" ? options.kafka_properties : options.inputs;
        list.emplace_back(value->substr(0, equals), value->substr(equals + 1));
      } else if (arg == "--log-level") {
        auto level = parse_log_level(*value);
        if (!level) {
          error = fmt::format("`--log-level` takes error, warn, info, debug or trace, not `{}`", *value);
          return std::nullopt;
        }
        options.log_level = *level;
      } else if (arg == "--progress") {
        if (*value != "json" && *value != "text") {
          error = fmt::format("`--progress` takes text or json, not `{}`", *value);
          return std::nullopt;
        }
        options.progress_json = *value == "json";
      } else if (arg == "--on-retention-gap") {
        if (*value != "stop" && *value != "skip") {
          error = fmt::format("`--on-retention-gap` takes stop or skip, not `{}`", *value);
          return std::nullopt;
        }
        options.on_retention_gap = *value == "skip" ? RetentionGap::Skip : RetentionGap::Stop;
      }
    } else if (arg.starts_with("-")) {
      error = fmt::format("unknown option `{}`", arg);
      return std::nullopt;
    } else if (options.app.empty()) {
      options.app = arg;
    } else {
      error = fmt::format("unexpected argument `{}`: `run` takes one application", arg);
      return std::nullopt;
    }
  }
  if (options.app.empty()) {
    error = "no application given";
    return std::nullopt;
  }
  if (options.embedded_kafka == options.brokers.has_value()) {
    error = "give either `--brokers LIST` or `--embedded-kafka`";
    return std::nullopt;
  }
  if (options.app_id.empty()) options.app_id = std::filesystem::path(options.app).stem().string();
  if (options.state_dir.empty()) options.state_dir = ".flow-state/" + options.app_id;
  if (options.threads == 0) options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return options;
}

std::optional<LogLevel> parse_log_level(const std::string& text) {
  static const std::map<std::string, LogLevel> levels = {{"error", LogLevel::Error}, {"warn", LogLevel::Warn},
                                                         {"info", LogLevel::Info},   {"debug", LogLevel::Debug},
                                                         {"trace", LogLevel::Trace}};
  auto it = levels.find(text);
  return it == levels.end() ? std::nullopt : std::optional<LogLevel>(it->second);
}

std::string printable_property(const std::string& key, const std::string& value) {
  for (const char* secret : {"password", "secret", "key", "token", "jaas"})
    if (key.find(secret) != std::string::npos) return key + "=****";
  return key + "=" + value;
}

}  // namespace flow::runtime
