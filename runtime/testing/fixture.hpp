// A fixture: the records `flowrun test` loads into each source (input/<source>.jsonl) and what
// each sink and dead-letter topic must then hold (expected/<sink>.jsonl,
// expected/<source>.dead_letters.jsonl). An input line `@advance processing time DURATION` splits
// the run into phases: everything before it is processed, then the processing-time clock moves
// by DURATION (timeouts `in processing time` fire) before the rest is loaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/physical/physical_plan.hpp"

namespace flow::runtime::testing {

struct FixturePhase {
  std::map<std::string, std::vector<std::string>> records;  //!< per source name: JSON lines
  int64_t then_advance_ms = 0;  //!< processing time to add after the phase (0: none)
};

struct Fixture {
  std::string directory;
  std::vector<FixturePhase> phases;  //!< at least one
  int64_t input_records = 0;         //!< non-empty record lines over every phase
};

//! Reads `directory`/input/*.jsonl for the plan's sources. False and `error` (naming the file
//! and line) for an unknown source file or a bad directive.
bool load_fixture(const compiler::physical::PhysicalPlan& plan, const std::string& directory, Fixture& fixture,
                  std::string& error);

//! The milliseconds of a duration written as in the language (`500ms`, `30s`, `31m`, `2h`, `1d`).
std::optional<int64_t> parse_duration_ms(const std::string& text);

//! The expected file of a sink, of a source's dead letters, and of its late records (its `late`
//! topic; each as a dead letter is, the error being the `flow.error` header).
std::string expected_sink_path(const std::string& directory, const std::string& sink);
std::string expected_dead_letters_path(const std::string& directory, const std::string& source);
std::string expected_late_path(const std::string& directory, const std::string& source);

//! A dead letter as its expected file holds it: {"value": the record's text, "error": the
//! reason}. Bytes that are not UTF-8 are written `\xNN` in the value.
std::string dead_letter_json(const std::string& value, const std::string& error);

}  // namespace flow::runtime::testing
