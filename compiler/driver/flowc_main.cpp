// flowc: the flow compiler's command line — check and format `.flow` files.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"
#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/driver/check_file.hpp"
#include "compiler/driver/command_line.hpp"
#include "compiler/explain/explain.hpp"
#include "compiler/format/formatter.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/planner.hpp"
#include "compiler/syntax/parser.hpp"

namespace {

using namespace flow;
using namespace flow::compiler;

constexpr std::string_view kUsage =
    "usage: flowc <command> [options] FILE...\n"
    "\n"
    "commands:\n"
    "  check FILE...            parse and check files (syntax, names, types, streaming\n"
    "                           rules); print diagnostics\n"
    "  explain FILE [--query NAME] [--format text|json|dot] [--ir]\n"
    "                           print the checked plan: operators and their schemas, keyed\n"
    "                           state, tasks and core budget (json: the plan as the runtime\n"
    "                           reads it; dot: a Graphviz graph; --ir: the optimised\n"
    "                           LLVM IR of the generated code)\n"
    "  build FILE [-o OUT.so]   compile ahead of time: a shared object holding the machine\n"
    "                           code (for this machine's CPU), the plan and the source, run\n"
    "                           with `flowrun run OUT.so` (default OUT: the file's name, .so)\n"
    "  fmt [--write|--check] FILE...\n"
    "                           print files in canonical layout (comments kept);\n"
    "                           --write rewrites them, --check exits 1 if one would change\n"
    "\n"
    "options:\n"
    "  --allow-unbounded-state  report state that can grow without bound as a warning,\n"
    "                           not an error (check, explain)\n"
    "  --color=auto|always|never  colour diagnostics (default: auto, on a terminal)\n"
    "  -h, --help               print this help\n"
    "  -V, --version            print the version\n"
    "\n"
    "exit status: 0 clean, 1 the files have errors (or need formatting with --check), 2 usage error\n";

struct Options {
  std::string command;
  std::vector<std::string> files;
  bool write = false;
  bool check_only = false;
  bool allow_unbounded_state = false;
  std::optional<std::string> query;
  std::string format = "text";
  bool ir = false;
  std::string output;  //!< build -o
  driver::ColourChoice colour = driver::ColourChoice::Auto;
};

using ParsedFile = CheckedFile;

//! Reads and parses `path`; with `plan`, also builds the checked plan when the syntax is clean.
ParsedFile parse_file(const std::string& path, const Options& options, bool plan) {
  return check_file(path, plan, {options.allow_unbounded_state});
}

void print_diagnostics(const ParsedFile& parsed, const std::string&, bool colour) {
  fmt::print(stderr, "{}", parsed.rendered(colour));
}

int run_check(const Options& options) {
  bool colour = driver::use_colour(options.colour);
  size_t errors = 0, warnings = 0;
  for (const auto& path : options.files) {
    ParsedFile parsed = parse_file(path, options, true);
    print_diagnostics(parsed, path, colour);
    errors += parsed.diagnostics.error_count();
    warnings += parsed.diagnostics.warning_count();
  }
  if (errors > 0) {
    fmt::print(stderr, "flowc: {} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings,
               warnings == 1 ? "" : "s");
    return driver::kExitFailure;
  }
  if (warnings > 0) fmt::print(stderr, "flowc: {} warning{}\n", warnings, warnings == 1 ? "" : "s");
  return driver::kExitOk;
}

int run_fmt(const Options& options) {
  bool colour = driver::use_colour(options.colour);
  int status = driver::kExitOk;
  for (const auto& path : options.files) {
    ParsedFile parsed = parse_file(path, options, false);
    if (parsed.diagnostics.has_errors()) {
      print_diagnostics(parsed, path, colour);
      fmt::print(stderr, "flowc: not formatting `{}`: it has errors\n", path);
      status = driver::kExitFailure;
      continue;
    }
    std::string formatted = format::format_program(parsed.program, *parsed.file);
    if (options.check_only) {
      if (formatted != parsed.file->text()) {
        fmt::print(stderr, "flowc: `{}` is not formatted (run `flowc fmt --write {}`)\n", path, path);
        status = driver::kExitFailure;
      }
    } else if (options.write) {
      if (formatted != parsed.file->text()) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << formatted;
        if (!out) {
          fmt::print(stderr, "flowc: cannot write `{}`\n", path);
          status = driver::kExitFailure;
        }
      }
    } else {
      fmt::print("{}", formatted);
    }
  }
  return status;
}

int run_explain(const Options& options) {
  if (options.files.size() != 1) return driver::usage_error("flowc", "`explain` takes one file", kUsage);
  const std::string& path = options.files.front();
  ParsedFile parsed = parse_file(path, options, true);
  print_diagnostics(parsed, path, driver::use_colour(options.colour));
  if (parsed.diagnostics.has_errors()) {
    fmt::print(stderr, "flowc: cannot explain `{}`: it has errors\n", path);
    return driver::kExitFailure;
  }
  const plan::Plan& plan = *parsed.plan;
  if (options.query) {
    bool found = false;
    for (const auto& query : plan.queries) found |= query.name == *options.query;
    if (!found) {
      fmt::print(stderr, "flowc: `{}` has no query `{}`\n", path, *options.query);
      return driver::kExitFailure;
    }
  }
  explain::ExplainOptions explain_options{options.query};
  if (options.ir) {
    try {
      fmt::print("{}", codegen::emit_ir(plan));
    } catch (const std::exception& e) {
      fmt::print(stderr, "flowc: cannot generate code for `{}`: {}\n", path, e.what());
      return driver::kExitFailure;
    }
    return driver::kExitOk;
  }
  if (options.format == "json")
    fmt::print("{}", physical::plan_and_physical_json(plan));
  else if (options.format == "dot")
    fmt::print("{}", explain::explain_dot(plan, explain_options));
  else
    fmt::print("{}", explain::explain_text(plan, explain_options));
  return driver::kExitOk;
}

int run_build(const Options& options) {
  if (options.files.size() != 1) return driver::usage_error("flowc", "`build` takes one file", kUsage);
  const std::string& path = options.files.front();
  ParsedFile parsed = parse_file(path, options, true);
  print_diagnostics(parsed, path, driver::use_colour(options.colour));
  if (parsed.diagnostics.has_errors()) {
    fmt::print(stderr, "flowc: cannot build `{}`: it has errors\n", path);
    return driver::kExitFailure;
  }
  std::string output = options.output;
  if (output.empty()) output = std::filesystem::path(path).stem().string() + ".so";
  auto start = std::chrono::steady_clock::now();
  std::string error, evaluated;
  if (!codegen::build_shared_object(*parsed.plan, output, error, &evaluated)) {
    fmt::print(stderr, "flowc: cannot build `{}`: {}\n", path, error);
    return driver::kExitFailure;
  }
  fmt::print(stderr, "{}", codegen::evaluated_handler_notes("flowc", evaluated));
  fmt::print(stderr, "flowc: built `{}` in {:.0f} ms (run it with `flowrun run {} …`)\n", output,
             std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(), output);
  return driver::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    bool colour_valid = true;
    if (arg == "-h" || arg == "--help") {
      fmt::print("flowc {} — the flow compiler\n\n{}", driver::version(), kUsage);
      return driver::kExitOk;
    } else if (arg == "-V" || arg == "--version") {
      fmt::print("flowc {}\n", driver::version());
      return driver::kExitOk;
    } else if (driver::parse_colour_flag(arg, options.colour, colour_valid)) {
      if (!colour_valid) return driver::usage_error("flowc", fmt::format("invalid value in `{}`", arg), kUsage);
    } else if (arg == "--write" && options.command == "fmt") {
      options.write = true;
    } else if (arg == "--check" && options.command == "fmt") {
      options.check_only = true;
    } else if (arg == "--ir" && options.command == "explain") {
      options.ir = true;
    } else if (arg == "-o" && options.command == "build") {
      if (i + 1 >= args.size()) return driver::usage_error("flowc", "`-o` needs a value", kUsage);
      options.output = std::string(args[++i]);
    } else if (arg == "--allow-unbounded-state" && (options.command == "check" || options.command == "explain")) {
      options.allow_unbounded_state = true;
    } else if ((arg == "--query" || arg == "--format") && options.command == "explain") {
      if (i + 1 >= args.size()) return driver::usage_error("flowc", fmt::format("`{}` needs a value", arg), kUsage);
      std::string value(args[++i]);
      if (arg == "--query") {
        options.query = value;
      } else if (value == "text" || value == "json" || value == "dot") {
        options.format = value;
      } else {
        return driver::usage_error("flowc", fmt::format("unknown format `{}`: use text, json or dot", value), kUsage);
      }
    } else if (arg.starts_with("-") && arg != "-") {
      return driver::usage_error("flowc", fmt::format("unknown option `{}`", arg), kUsage);
    } else if (options.command.empty()) {
      if (arg != "check" && arg != "fmt" && arg != "explain" && arg != "build")
        return driver::usage_error("flowc", fmt::format("unknown command `{}`", arg), kUsage);
      options.command = arg;
    } else {
      options.files.emplace_back(arg);
    }
  }
  if (options.command.empty()) return driver::usage_error("flowc", "no command given", kUsage);
  if (options.files.empty()) return driver::usage_error("flowc", "no input file", kUsage);
  if (options.write && options.check_only)
    return driver::usage_error("flowc", "`--write` and `--check` exclude each other", kUsage);
  if (options.command == "explain") return run_explain(options);
  if (options.command == "build") return run_build(options);
  return options.command == "check" ? run_check(options) : run_fmt(options);
}
