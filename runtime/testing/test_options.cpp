// Command-line parsing for `flowrun test`, with a message naming the flag for each mistake (the
// caller prints usage and exits 2).
#include "runtime/testing/test_options.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <thread>

namespace flow::runtime::testing {

namespace {

//! The most partitions `--partitions` takes per run: each is a task on the embedded Kafka.
constexpr int64_t kMaxPartitions = 1024;

std::optional<int> positive(const std::string& text) {
  auto value = parse_bounded_number(text, 1, kMaxPartitions);
  return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

}  // namespace

std::optional<TestOptions> parse_test_options(const std::vector<std::string>& args, std::string& error) {
  TestOptions options;
  std::vector<std::string> config_files, x_arguments;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--update") {
      options.update = true;
      continue;
    }
    if (arg == "--fixtures" || arg == "--partitions" || arg == "--threads" || arg == "--log-level" || arg == "-X" ||
        arg == "--config" || arg == "--end-of-input-step") {
      if (i + 1 >= args.size()) {
        error = fmt::format("`{}` needs a value", arg);
        return std::nullopt;
      }
      const std::string& value = args[++i];
      if (arg == "--fixtures") {
        options.fixtures = value;
      } else if (arg == "--partitions") {
        size_t start = 0;
        while (start <= value.size()) {
          size_t comma = value.find(',', start);
          std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          auto count = positive(item);
          if (!count) {
            error = fmt::format(
                "`--partitions` takes positive counts up to {} separated by commas (like 1,4), not `{}`",
                kMaxPartitions, value);
            return std::nullopt;
          }
          options.partitions.push_back(*count);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      } else if (arg == "--threads") {
        auto threads = parse_threads(value, error);
        if (!threads) return std::nullopt;
        options.threads = *threads;
      } else if (arg == "--end-of-input-step") {
        auto entries = parse_end_of_input_step(value, error);
        if (!entries) return std::nullopt;
        options.end_of_input_step = *entries;
      } else if (arg == "--log-level") {
        auto level = parse_log_level(value);
        if (!level) {
          error = fmt::format("`--log-level` takes error, warn, info, debug or trace, not `{}`", value);
          return std::nullopt;
        }
        options.log_level = *level;
      } else if (arg == "--config") {
        config_files.push_back(value);
      } else {
        x_arguments.push_back(value);
      }
      continue;
    }
    if (arg.starts_with("-")) {
      error = fmt::format("unknown option `{}`", arg);
      return std::nullopt;
    }
    if (!options.app.empty()) {
      error = fmt::format("unexpected argument `{}`: `test` takes one application", arg);
      return std::nullopt;
    }
    options.app = arg;
  }
  if (options.app.empty()) {
    error = "no application given";
    return std::nullopt;
  }
  if (options.fixtures.empty()) {
    options.fixtures = std::filesystem::path(options.app).parent_path().string();
    if (options.fixtures.empty()) options.fixtures = ".";
  }
  if (!collect_kafka_properties(config_files, x_arguments, options.kafka_properties, error)) return std::nullopt;
  if (options.threads == 0) options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return options;
}

}  // namespace flow::runtime::testing
