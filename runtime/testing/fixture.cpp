// Reading a fixture's input files into phases; the expected files' names and dead-letter lines.
#include "runtime/testing/fixture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace flow::runtime::testing {

namespace {

constexpr std::string_view kAdvanceDirective = "@advance processing time ";

//! Length of the valid UTF-8 sequence at `text[i]`, or 0 when the byte does not start one.
size_t utf8_sequence(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  if (length == 2 && lead < 0xC2) return 0;  // overlong
  return length;
}

void append_json_string(std::string_view text, std::string& out) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    size_t length = utf8_sequence(text, i);
    if (length == 0) {
      out += fmt::format("\\\\x{:02x}", static_cast<unsigned char>(c));
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  out += '"';
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

bool load_fixture(const compiler::plan::Plan& plan, const std::string& directory, Fixture& fixture,
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

std::string dead_letter_json(const std::string& value, const std::string& error) {
  std::string out = "{\"value\":";
  append_json_string(value, out);
  out += ",\"error\":";
  append_json_string(error, out);
  out += '}';
  return out;
}

}  // namespace flow::runtime::testing
