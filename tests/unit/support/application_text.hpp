// For unit tests that run the examples: an application's text, and the string literals in it
// (random records use them so that the application's comparisons are sometimes true).
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace flow::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

//! The examples' source: FLOW_SOURCE_DIR/examples/NAME/NAME.flow.
inline std::string example_text(const std::string& name) {
  return read_file(std::string(FLOW_SOURCE_DIR) + "/examples/" + name + "/" + name + ".flow");
}

//! The string literals of a flow text (without escapes, which the examples do not use).
inline std::vector<std::string> string_literals(const std::string& text) {
  std::vector<std::string> literals;
  std::regex literal("\"([^\"\\\\]*)\"");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), literal); it != std::sregex_iterator(); ++it)
    literals.push_back((*it)[1].str());
  return literals;
}

}  // namespace flow::testing
