// flowrun: the runtime launcher's command line.
#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "compiler/driver/command_line.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: flowrun <command> [options] APP.flow\n"
    "\n"
    "commands:\n"
    "  run APP.flow             run an application against Kafka\n"
    "  test APP.flow            run an application's fixtures on the embedded Kafka\n"
    "\n"
    "options:\n"
    "  -h, --help               print this help\n"
    "  -V, --version            print the version\n"
    "\n"
    "note: this build does not run applications yet: code generation and the runtime\n"
    "(partitioned readers, keyed state, sinks) are still being built. `run` and `test`\n"
    "say so and exit 1.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace flow;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  std::string_view command;
  for (std::string_view arg : args) {
    if (arg == "-h" || arg == "--help") {
      fmt::print("flowrun {} — the flow runtime launcher\n\n{}", driver::version(), kUsage);
      return driver::kExitOk;
    }
    if (arg == "-V" || arg == "--version") {
      fmt::print("flowrun {}\n", driver::version());
      return driver::kExitOk;
    }
    if (arg.starts_with("-")) return driver::usage_error("flowrun", fmt::format("unknown option `{}`", arg), kUsage);
    if (command.empty()) {
      if (arg != "run" && arg != "test")
        return driver::usage_error("flowrun", fmt::format("unknown command `{}`", arg), kUsage);
      command = arg;
    }
  }
  if (command.empty()) return driver::usage_error("flowrun", "no command given", kUsage);
  fmt::print(stderr,
             "flowrun: `{}` is not available in this build: the runtime is not built yet.\n"
             "Use `flowc check APP.flow` to check an application.\n",
             command);
  return driver::kExitFailure;
}
