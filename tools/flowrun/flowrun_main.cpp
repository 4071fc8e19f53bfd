// flowrun: the runtime launcher's command line.
#include <fmt/format.h>

#include <csignal>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/driver/command_line.hpp"
#include "tools/flowrun/application.hpp"
#include "runtime/launcher/run_options.hpp"
#include "tools/flowrun/test_command.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: flowrun run APP.flow (--embedded-kafka | --brokers LIST) [options]\n"
    "       flowrun test APP.flow [--fixtures DIR] [--update] [--partitions 1,N]\n"
    "\n"
    "commands:\n"
    "  run APP.flow             run an application against Kafka (or APP.so, built by\n"
    "                           `flowc build`: checked, loaded, nothing compiled)\n"
    "  test APP.flow            run the application on its fixtures (input/, expected/) and\n"
    "                           compare every sink and dead-letter topic; exit 1 on a difference\n"
    "\n"
    "run options:\n"
    "  --brokers LIST           Kafka bootstrap servers (host:port,...)\n"
    "  --embedded-kafka         start an in-process Kafka (librdkafka's mock cluster) with every\n"
    "                           topic created at its declared partition count\n"
    "  --input NAME=FILE.jsonl  produce a file to a source's topic first (embedded or brokers);\n"
    "                           one JSON value per line, keyed by the source's key field if any\n"
    "  --until-idle             stop once every partition is read to its end; at the end, event\n"
    "                           time moves to the end so windows close and timeouts fire\n"
    "  --show-output            at the end, print every sink topic and dead-letter topic\n"
    "  --app-id ID              consumer group and state namespace (default: the file's name);\n"
    "                           letters, digits, '.', '_' and '-', at most 200 characters\n"
    "  --state-dir DIR          keyed state and checkpoints (default: .flow-state/APP_ID)\n"
    "  --threads N              worker threads, 1 to 1024 (default: cores); more than the tasks\n"
    "                           sit idle (`flowc explain` shows the tasks)\n"
    "  --config FILE            librdkafka properties file, as kcat's -F: key=value lines,\n"
    "                           # comments; read before every -X, so -X wins\n"
    "  -X key=value             librdkafka property, as in kcat; a later one wins\n"
    "  -X key=@FILE             the value read from FILE (keeps secrets off the command line);\n"
    "                           only the values of known harmless keys are ever printed\n"
    "  --log-level LEVEL        error, warn, info (default), debug or trace\n"
    "  --progress text|json     progress lines as text or JSON (default: a live status block\n"
    "                           on a terminal, text lines otherwise)\n"
    "  --state-cache-mb N       memory for keyed state, in MiB (default 1024): LevelDB's block\n"
    "                           cache and write buffers and the cache of committed entries of\n"
    "                           every store; past it entries are evicted and read from disk\n"
    "  --end-of-input-step N    at the end of input (--until-idle), the timeouts and windows\n"
    "                           a stage expires between two commits (default 100000)\n"
    "  --metrics-address [HOST:]PORT\n"
    "                           serve /metrics (Prometheus text format) on PORT of HOST\n"
    "                           (default host 127.0.0.1: loopback unless asked; port 0: any)\n"
    "  --changelog on|off       back keyed state with compacted topics APP_ID-STORE-changelog,\n"
    "                           so a lost --state-dir is restored from Kafka (default on)\n"
  "  --on-lost-state stop|reprocess\n"
  "                           when a stateful task has no local checkpoint and no changelog\n"
  "                           holds its state, but the consumer group (the app id) committed\n"
  "                           offsets (a lost --state-dir): stop (default), or reprocess from\n"
  "                           the oldest record with empty state\n"
  "  --on-retention-gap stop|skip\n"
  "                           when retention deleted records after a partition's checkpoint\n"
  "                           before they were read: stop (default), or skip them (counted)\n"
    "\n"
    "test options (also --threads, --config, -X, --log-level, --end-of-input-step):\n"
    "  --fixtures DIR           the folder holding input/ and expected/ (default: the file's)\n"
    "  --update                 write expected/ from this run, for review\n"
    "  --partitions 1,N         run at each partition count (1 to 1024); every run must match\n"
    "                           expected/\n"
    "\n"
    "  -h, --help               print this help\n"
    "  -V, --version            print the version\n";

void on_signal(int) { flow::runtime::request_stop(); }

}  // namespace

int main(int argc, char** argv) {
  using namespace flow;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return driver::usage_error("flowrun", "no command given", kUsage);
  for (const std::string& arg : args) {
    if (arg == "-h" || arg == "--help") {
      fmt::print("flowrun {} — the flow runtime launcher\n\n{}", driver::version(), kUsage);
      return driver::kExitOk;
    }
    if (arg == "-V" || arg == "--version") {
      fmt::print("flowrun {}\n", driver::version());
      return driver::kExitOk;
    }
  }
  const std::string& command = args.front();
  if (command == "test") {
    std::string error;
    auto options = runtime::testing::parse_test_options(std::vector<std::string>(args.begin() + 1, args.end()), error);
    if (!options) return driver::usage_error("flowrun", error, kUsage);
    return runtime::testing::run_test(*options);
  }
  if (command != "run") {
    if (command.starts_with("-")) return driver::usage_error("flowrun", fmt::format("unknown option `{}`", command), kUsage);
    return driver::usage_error("flowrun", fmt::format("unknown command `{}`", command), kUsage);
  }
  std::string error;
  auto options = runtime::parse_run_options(std::vector<std::string>(args.begin() + 1, args.end()), error);
  if (!options) return driver::usage_error("flowrun", error, kUsage);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return runtime::run_application(*options);
}
