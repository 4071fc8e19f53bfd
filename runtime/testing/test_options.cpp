// Command-line parsing for `flowrun test`, with a message naming the flag for each mistake (the
// caller prints usage and exits 2).
#include "runtime/testing/test_options.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <thread>

namespace flow::runtime::testing {

namespace {

std::optional<int> positive(const std::string& text) {
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int value = std::stoi(text);
  return value > 0 ? std::optional<int>(value) : std::nullopt;
}

}  // namespace

std::optional<TestOptions> parse_test_options(const std::vector<std::string>& args, std::string& error) {
  TestOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--update") {
      options.update = true;
      continue;
    }
    if (arg == "--fixtures" || arg == "--partitions" || arg == "--threads" || arg == "--log-level" || arg == "-X") {
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
            error = fmt::format("`--partitions` takes positive counts separated by commas (like 1,4), not `{}`", value);
            return std::nullopt;
          }
          options.partitions.push_back(*count);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      } else if (arg == "--threads") {
        auto threads = positive(value);
        if (!threads) {
          error = fmt::format("`--threads` takes a positive number, not `{}`", value);
          return std::nullopt;
        }
        options.threads = *threads;
      } else if (arg == "--log-level") {
        auto level = parse_log_level(value);
        if (!level) {
          error = fmt::format("`--log-level` takes error, warn, info, debug or trace, not `{}`", value);
          return std::nullopt;
        }
        options.log_level = *level;
      } else {
        size_t equals = value.find('=');
        if (equals == std::string::npos || equals == 0) {
          error = fmt::format("`-X` takes key=value, not `{}`", value);
          return std::nullopt;
        }
        options.kafka_properties.emplace_back(value.substr(0, equals), value.substr(equals + 1));
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
  if (options.threads == 0) options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return options;
}

}  // namespace flow::runtime::testing
