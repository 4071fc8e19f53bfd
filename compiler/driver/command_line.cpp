// Shared command-line helpers for flowc and flowrun.
#include "compiler/driver/command_line.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#ifndef FLOW_VERSION
#define FLOW_VERSION "0.0.0"
#endif

namespace flow::driver {

std::string_view version() { return FLOW_VERSION; }

bool parse_colour_flag(std::string_view arg, ColourChoice& choice, bool& valid) {
  for (std::string_view prefix : {"--color=", "--colour="}) {
    if (!arg.starts_with(prefix)) continue;
    std::string_view when = arg.substr(prefix.size());
    valid = true;
    if (when == "auto") choice = ColourChoice::Auto;
    else if (when == "always") choice = ColourChoice::Always;
    else if (when == "never") choice = ColourChoice::Never;
    else valid = false;
    return true;
  }
  return false;
}

bool use_colour(ColourChoice choice) {
  if (choice != ColourChoice::Auto) return choice == ColourChoice::Always;
  if (std::getenv("NO_COLOR")) return false;
  return isatty(fileno(stderr));
}

int usage_error(std::string_view program, std::string_view message, std::string_view usage) {
  fmt::print(stderr, "{}: {}\n\n{}", program, message, usage);
  return kExitUsage;
}

}  // namespace flow::driver
