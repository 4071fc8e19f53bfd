// Command-line parsing for `flowrun run`: every flag the issue lists, with a message naming the
// flag for each mistake (the caller prints usage and exits 2).
#include "runtime/launcher/run_options.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <thread>

namespace flow::runtime {

std::optional<RunOptions> parse_run_options(const std::vector<std::string>& args, std::string& error) {
  RunOptions options;
  std::vector<std::string> config_files, x_arguments;
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
               arg == "--input" || arg == "-X" || arg == "--config" || arg == "--log-level" || arg == "--progress" ||
               arg == "--on-retention-gap" || arg == "--metrics-address" ||
               arg == "--on-lost-state" || arg == "--state-cache-mb" || arg == "--changelog" ||
               arg == "--end-of-input-step") {
      auto value = value_of(i, arg);
      if (!value) return std::nullopt;
      if (arg == "--brokers") {
        options.brokers = *value;
      } else if (arg == "--app-id") {
        std::string problem = app_id_problem(*value);
        if (!problem.empty()) {
          error = fmt::format("`--app-id {}`: {}", *value, problem);
          return std::nullopt;
        }
        options.app_id = *value;
      } else if (arg == "--state-dir") {
        options.state_dir = *value;
      } else if (arg == "--threads") {
        auto threads = parse_threads(*value, error);
        if (!threads) return std::nullopt;
        options.threads = *threads;
      } else if (arg == "--config") {
        config_files.push_back(*value);
      } else if (arg == "-X") {
        x_arguments.push_back(*value);
      } else if (arg == "--input") {
        size_t equals = value->find('=');
        if (equals == std::string::npos || equals == 0) {
          error = fmt::format("`--input` takes NAME=FILE.jsonl, not `{}`", *value);
          return std::nullopt;
        }
        options.inputs.emplace_back(value->substr(0, equals), value->substr(equals + 1));
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
        options.progress_given = true;
      } else if (arg == "--metrics-address") {
        options.metrics_address = parse_metrics_address(*value, error);
        if (!options.metrics_address) return std::nullopt;
      } else if (arg == "--state-cache-mb") {
        auto mib = parse_bounded_number(*value, kMinStateCacheMiB, kMaxStateCacheMiB);
        if (!mib) {
          error = fmt::format("`--state-cache-mb` takes a whole number of MiB from {} to {}, not `{}`",
                              kMinStateCacheMiB, kMaxStateCacheMiB, *value);
          return std::nullopt;
        }
        options.state_cache_mib = *mib;
      } else if (arg == "--end-of-input-step") {
        auto entries = parse_end_of_input_step(*value, error);
        if (!entries) return std::nullopt;
        options.end_of_input_step = *entries;
      } else if (arg == "--changelog") {
        if (*value != "on" && *value != "off") {
          error = fmt::format("`--changelog` takes on or off, not `{}`", *value);
          return std::nullopt;
        }
        options.changelog = *value == "on";
      } else if (arg == "--on-lost-state") {
        if (*value != "stop" && *value != "reprocess") {
          error = fmt::format("`--on-lost-state` takes stop or reprocess, not `{}`", *value);
          return std::nullopt;
        }
        options.on_lost_state = *value == "reprocess" ? LostState::Reprocess : LostState::Stop;
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
  if (options.app_id.empty()) {
    options.app_id = std::filesystem::path(options.app).stem().string();
    std::string problem = app_id_problem(options.app_id);
    if (!problem.empty()) {
      error = fmt::format("the application's file name gives the app id `{}`: {}", options.app_id, problem);
      return std::nullopt;
    }
  }
  if (!collect_kafka_properties(config_files, x_arguments, options.kafka_properties, error)) return std::nullopt;
  if (options.state_dir.empty()) options.state_dir = ".flow-state/" + options.app_id;
  if (options.threads == 0) options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return options;
}

std::optional<std::string> parse_metrics_address(const std::string& text, std::string& error) {
  size_t colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  std::string port = colon == std::string::npos ? text : text.substr(colon + 1);
  if (!parse_bounded_number(port, 0, 65535)) {
    error = fmt::format("`--metrics-address` takes PORT, :PORT or HOST:PORT with a port from 0 to 65535, not `{}`",
                        text);
    return std::nullopt;
  }
  return fmt::format("{}:{}", host.empty() ? "127.0.0.1" : host, port);
}

std::optional<LogLevel> parse_log_level(const std::string& text) {
  static const std::map<std::string, LogLevel> levels = {{"error", LogLevel::Error}, {"warn", LogLevel::Warn},
                                                         {"info", LogLevel::Info},   {"debug", LogLevel::Debug},
                                                         {"trace", LogLevel::Trace}};
  auto it = levels.find(text);
  return it == levels.end() ? std::nullopt : std::optional<LogLevel>(it->second);
}

std::optional<int64_t> parse_bounded_number(const std::string& text, int64_t min, int64_t max) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  // from_chars takes a leading `-`; a count never has one.
  if (text.empty() || text.front() == '-') return std::nullopt;
  auto [at, problem] = std::from_chars(text.data(), end, value);
  if (problem != std::errc() || at != end || value < min || value > max) return std::nullopt;
  return value;
}

std::optional<int> parse_threads(const std::string& text, std::string& error) {
  auto threads = parse_bounded_number(text, 1, kMaxThreads);
  if (!threads) {
    error = fmt::format("`--threads` takes a whole number from 1 to {}, not `{}` (more threads than the "
                        "application's tasks sit idle: `flowc explain` shows its tasks)",
                        kMaxThreads, text);
    return std::nullopt;
  }
  return static_cast<int>(*threads);
}

std::optional<int64_t> parse_end_of_input_step(const std::string& text, std::string& error) {
  auto entries = parse_bounded_number(text, 1, kMaxEndOfInputStep);
  if (!entries)
    error = fmt::format("`--end-of-input-step` takes a whole number of entries from 1 to {}, not `{}`",
                        kMaxEndOfInputStep, text);
  return entries;
}

std::string app_id_problem(const std::string& app_id) {
  if (app_id.empty()) return "an app id cannot be empty";
  if (app_id == "." || app_id == "..") return "an app id cannot be `.` or `..`; choose one with `--app-id ID`";
  if (app_id.size() > kMaxAppIdLength)
    return fmt::format("an app id has at most {} characters; choose a shorter one", kMaxAppIdLength);
  for (char c : app_id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return "an app id (the Kafka consumer group and the name of its state folder) takes letters, digits, `.`, "
             "`_` and `-` only; choose one with `--app-id ID`";
  return "";
}

bool collect_kafka_properties(const std::vector<std::string>& config_files,
                              const std::vector<std::string>& x_arguments, KafkaProperties& out, std::string& error) {
  for (const auto& file : config_files)
    if (!read_properties_file(file, out, error)) return false;
  for (const auto& argument : x_arguments)
    if (!parse_property_argument(argument, out, error)) return false;
  return true;
}

}  // namespace flow::runtime
