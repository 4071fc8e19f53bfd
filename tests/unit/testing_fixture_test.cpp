// Fixture files: input per source, phases split by `@advance processing time`, dead-letter lines.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "runtime/testing/fixture.hpp"
#include "support/checked_plan.hpp"

using namespace flow::runtime::testing;
namespace fs = std::filesystem;

namespace {

const char* kApp = R"(
source clicks from kafka "clicks" as json { user: string } with (partitions = 2);
source orders from kafka "orders" as json { user: string } with (partitions = 2);
sink out to stdout;
query q { from clicks | into out }
query r { from orders | into out }
)";

struct FixtureDir {
  fs::path path = fs::temp_directory_path() / ("flow-fixture-test-" + std::to_string(::getpid()));
  FixtureDir() { fs::create_directories(path / "input"); }
  ~FixtureDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) { std::ofstream(path / "input" / name) << text; }
};

}  // namespace

TEST_CASE("durations are written as in the language") {
  CHECK(parse_duration_ms("500ms") == 500);
  CHECK(parse_duration_ms("31m") == 31 * 60'000);
  CHECK(parse_duration_ms("2h") == 7'200'000);
  CHECK_FALSE(parse_duration_ms("m").has_value());
  CHECK_FALSE(parse_duration_ms("5 minutes").has_value());
}

TEST_CASE("input lines split into phases at `@advance processing time`") {
  auto plan = flow::compiler::testing::checked_physical_plan(kApp);
  FixtureDir dir;
  dir.write("clicks.jsonl", "{\"user\":\"a\"}\n\n@advance processing time 6m\n{\"user\":\"b\"}\n{\"user\":\"c\"}\n");
  dir.write("orders.jsonl", "{\"user\":\"x\"}\n");
  Fixture fixture;
  std::string error;
  REQUIRE(load_fixture(plan, dir.path.string(), fixture, error));
  CHECK(fixture.input_records == 4);
  REQUIRE(fixture.phases.size() == 2);
  CHECK(fixture.phases[0].then_advance_ms == 360'000);
  CHECK(fixture.phases[0].records["clicks"].size() == 1);
  CHECK(fixture.phases[0].records["orders"].size() == 1);
  CHECK(fixture.phases[1].records["clicks"].size() == 2);
  CHECK(fixture.phases[1].then_advance_ms == 0);
}

TEST_CASE("a bad directive, or an input file for no source, is an error naming the file and line") {
  auto plan = flow::compiler::testing::checked_physical_plan(kApp);
  Fixture fixture;
  std::string error;
  {
    FixtureDir dir;
    dir.write("clicks.jsonl", "{\"user\":\"a\"}\n@advance 6m\n");
    CHECK_FALSE(load_fixture(plan, dir.path.string(), fixture, error));
    CHECK(error.find("clicks.jsonl:2: `@advance 6m` is not a fixture directive") != std::string::npos);
  }
  {
    FixtureDir dir;
    dir.write("click.jsonl", "{}\n");
    CHECK_FALSE(load_fixture(plan, dir.path.string(), fixture, error));
    CHECK(error.find("`click` is not a source of the application (its sources: `clicks`, `orders`)") !=
          std::string::npos);
  }
  {
    FixtureDir dir;
    dir.write("clicks.jsonl", "@advance processing time 6m\n");
    dir.write("orders.jsonl", "@advance processing time 7m\n");
    CHECK_FALSE(load_fixture(plan, dir.path.string(), fixture, error));
  }
}

TEST_CASE("a dead letter's line keeps its bytes, invalid UTF-8 written as \\xNN") {
  CHECK(dead_letter_json("{\"a\":1}", "malformed JSON: x") ==
        R"({"value":"{\"a\":1}","error":"malformed JSON: x"})");
  CHECK(dead_letter_json("caf\xc3\xa9 \xff", "e") == R"({"value":"café \\xff","error":"e"})");
}
