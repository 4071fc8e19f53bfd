// The options of `flowrun test`, parsed from the command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/kafka_client.hpp"
#include "runtime/launcher/run_options.hpp"

namespace flow::runtime::testing {

struct TestOptions {
  std::string app;                   //!< APP.flow
  std::string fixtures;              //!< --fixtures DIR (default: the application's folder)
  bool update = false;               //!< --update: write the expected files from this run
  std::vector<int> partitions;       //!< --partitions 1,N (default: as declared)
  int threads = 0;                   //!< --threads (default: cores)
  //! --end-of-input-step, as flowrun run's (run_options.hpp).
  int64_t end_of_input_step = static_cast<int64_t>(StatefulOperator::kDefaultEndOfInputStep);
  LogLevel log_level = LogLevel::Warn;
  KafkaProperties kafka_properties;  //!< --config FILE, then -X key=value (a later one wins)
};

//! Parses `flowrun test` arguments (after the command); on error returns nothing and sets `error`.
std::optional<TestOptions> parse_test_options(const std::vector<std::string>& args, std::string& error);

}  // namespace flow::runtime::testing
