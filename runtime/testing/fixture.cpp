// Reading a fixture's input files into phases; the expected files' names and dead-letter lines.
#include "runtime/testing/fixture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "runtime/codec/json_string.hpp"
#include "runtime/codec/utf8_check.hpp"

namespace flow::runtime::testing {

namespace {

constexpr std::string_view kAdvanceDirective = "@advance processing time ";

//! `text` with every byte that is not part of a valid UTF-8 sequence written as `\xNN`.
std::string printable_utf8(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    int length = utf8_sequence_length(reinterpret_cast<const unsigned char*>(text.data()) + i, text.size() - i);
    if (length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
      ++i;
    } else {
      out.append(text.substr(i, static_cast<size_t>(length)));
      i += static_cast<size_t>(length);
    }
  }
  return out;
}

}  // namespace

std::optional<int64_t> parse_duration_ms(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  int64_t amount = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  static const std::map<std::string, int64_t> units = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  auto it = units.find(unit);
  if (it == units.end()) return std::nullopt;
  return amount * it->second;
}

bool load_fixture(const compiler::physical::PhysicalPlan& plan, const std::string& directory, Fixture& fixture,
                  std::string& error) {
  namespace fs = std::filesystem;
  fixture.directory = directory;
  fixture.phases.assign(1, FixturePhase{});
  fs::path input = fs::path(directory) / "input";
  std::error_code ec;
  if (!fs::is_directory(input, ec)) return true;  // no input: the application still runs
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(input, ec))
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::string source = file.stem().string();
    if (!plan.find_source(source)) {
      std::string names;
      for (const auto& s : plan.sources) names += fmt::format("{}`{}`", names.empty() ? "" : ", ", s.name);
      error = fmt::format("{}: `{}` is not a source of the application (its sources: {})", file.string(), source,
                          names);
      return false;
    }
    std::ifstream in(file);
    if (!in) {
      error = fmt::format("{}: cannot read it", file.string());
      return false;
    }
    size_t phase = 0;
    std::string line;
    for (int line_number = 1; std::getline(in, line); ++line_number) {
      if (line.starts_with("@")) {
        auto duration = line.starts_with(kAdvanceDirective)
                            ? parse_duration_ms(line.substr(kAdvanceDirective.size()))
                            : std::nullopt;
        if (!duration || *duration <= 0) {
          error = fmt::format("{}:{}: `{}` is not a fixture directive; write `@advance processing time 31m` "
                              "(a duration in ms, s, m, h or d)",
                              file.string(), line_number, line);
          return false;
        }
        // The n-th directive of every input file ends the same phase: they must agree.
        if (phase + 1 >= fixture.phases.size()) fixture.phases.resize(phase + 2);
        int64_t& advance = fixture.phases[phase].then_advance_ms;
        if (advance != 0 && advance != *duration) {
          error = fmt::format("{}:{}: this is directive {} of the file, and another input file advances "
                              "processing time by a different duration there",
                              file.string(), line_number, phase + 1);
          return false;
        }
        advance = *duration;
        ++phase;
        continue;
      }
      if (line.empty()) continue;
      fixture.phases[phase].records[source].push_back(line);
      ++fixture.input_records;
    }
  }
  return true;
}

std::string expected_sink_path(const std::string& directory, const std::string& sink) {
  return (std::filesystem::path(directory) / "expected" / (sink + ".jsonl")).string();
}

std::string expected_dead_letters_path(const std::string& directory, const std::string& source) {
  return (std::filesystem::path(directory) / "expected" / (source + ".dead_letters.jsonl")).string();
}

std::string expected_late_path(const std::string& directory, const std::string& source) {
  return (std::filesystem::path(directory) / "expected" / (source + ".late.jsonl")).string();
}

std::string dead_letter_json(const std::string& value, const std::string& error) {
  std::string out = "{\"value\":";
  append_json_string(printable_utf8(value), out);
  out += ",\"error\":";
  append_json_string(printable_utf8(error), out);
  out += '}';
  return out;
}

}  // namespace flow::runtime::testing
