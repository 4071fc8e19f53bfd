// The code cache's entries and the shared object's trailer against damage: every way an entry or
// an object can be cut, garbled or swapped is refused with its reason, and a program whose cache
// entry is bad is compiled again, runs right, and leaves a good entry behind.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/codegen/cache_entry.hpp"
#include "compiler/codegen/codegen.hpp"
#include "compiler/codegen/shared_object_trailer.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"
#include "tests/unit/support/checked_plan.hpp"

using namespace flow;
using namespace flow::compiler;

namespace {

std::string decode_error(std::string_view entry, std::string_view key) {
  std::string why;
  auto object = codegen::decode_cache_entry(entry, key, why);
  return object ? std::string("accepted") : why;
}

std::string trailer_error(std::string_view file) {
  std::string why;
  auto object = codegen::check_shared_object_trailer(file, why);
  return object ? std::string("accepted") : why;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

TEST_CASE("code cache entry: a whole entry gives back its object, every damage is refused with its reason") {
  std::string object = "\x7f" "ELF" + std::string(96, 'o');  // 100 bytes
  std::string entry = codegen::encode_cache_entry("key of program a", object);
  std::string why;
  auto decoded = codegen::decode_cache_entry(entry, "key of program a", why);
  REQUIRE(decoded);
  CHECK(*decoded == object);
  CHECK(entry.size() == codegen::kCacheEntryHeaderSize + object.size());

  CHECK(decode_error("", "key of program a") == "it is empty");
  CHECK(decode_error(entry.substr(0, 40), "key of program a") ==
        "it is truncated: 40 bytes, shorter than its 64-byte header");
  CHECK(decode_error(entry.substr(0, entry.size() - 1), "key of program a") ==
        "it is truncated: its header announces 100 bytes of machine code, the file holds 99");
  CHECK(decode_error(entry + "x", "key of program a") ==
        "it holds 101 bytes of machine code, its header announces 100");
  CHECK(decode_error(object, "key of program a") ==
        "it does not start with flow's cache header (garbled, or written by an older flow)");
  CHECK(decode_error(entry, "key of program b") == "it holds the machine code of another program (its key differs)");
  CHECK(decode_error(codegen::encode_cache_entry("key of program a", ""), "key of program a") ==
        "it holds no machine code");
  std::string later = entry;
  later[8] = 2;  // the format version
  CHECK(decode_error(later, "key of program a") == "it is in cache format 2, this flow reads format 1");
  std::string reserved = entry;
  reserved[13] = 1;
  CHECK(decode_error(reserved, "key of program a") == "its header is garbled");
  // Any one byte of the object altered, any bit of it: the checksum catches it.
  for (size_t at = codegen::kCacheEntryHeaderSize; at < entry.size(); ++at)
    for (int bit = 0; bit < 8; ++bit) {
      std::string altered = entry;
      altered[at] = static_cast<char>(altered[at] ^ (1 << bit));
      CHECK(decode_error(altered, "key of program a") ==
            "its checksum does not match its contents (the machine code was altered or damaged)");
    }
  // The file name depends on the whole key: two keys, two names.
  CHECK(codegen::cache_entry_name("key of program a") != codegen::cache_entry_name("key of program b"));
  CHECK(codegen::cache_entry_name("key of program a").size() == std::string("flow-.o").size() + 32);
}

TEST_CASE("shared object trailer: flowc's object passes, a truncated, flipped, appended or foreign file does not") {
  std::string object = "\x7f" "ELF a shared object, as the linker wrote it";
  std::string file = object + codegen::shared_object_trailer(object);
  REQUIRE(file.size() == object.size() + codegen::kSharedObjectTrailerSize);
  std::string why;
  auto checked = codegen::check_shared_object_trailer(file, why);
  REQUIRE(checked);
  CHECK(*checked == object);

  const std::string foreign =
      "is not an application built by `flowc build`, or it is damaged: it does not end with flowc's trailer";
  CHECK(trailer_error(object) == foreign);
  CHECK(trailer_error(file.substr(0, 20)) == foreign);
  CHECK(trailer_error(file.substr(0, file.size() - 1)) == foreign);
  CHECK(trailer_error(file + "x") == foreign);
  CHECK(trailer_error("") == foreign + " (it is empty)");
  CHECK(trailer_error(object.substr(1) + codegen::shared_object_trailer(object)) ==
        "is damaged: flowc wrote 44 bytes before its trailer, the file holds 43");
  std::string later = file;
  later[file.size() - 16] = 2;  // the trailer's format version
  CHECK(trailer_error(later) ==
        "was built by another version of flowc (its trailer is in format 2, this flowrun reads format 1)");
  for (size_t at = 0; at < object.size(); ++at) {
    std::string flipped = file;
    flipped[at] = static_cast<char>(~flipped[at]);
    CHECK(trailer_error(flipped) == "is damaged: its checksum does not match its contents");
  }
}

TEST_CASE("code cache: a bad entry is discarded with a warning, the plan compiled again, the entry rewritten") {
  plan::Plan plan = testing::checked_plan(R"(
source clicks from kafka "clicks" as json { user: string, bytes: int } with (partitions = 1);
sink out to stdout;
query big { from clicks | where bytes > 10 | select user, bytes * 2 as twice | into out }
)");
  namespace fs = std::filesystem;
  fs::path directory = fs::temp_directory_path() / ("flow-cache-damage-" + std::to_string(getpid()));
  fs::remove_all(directory);
  std::string key = codegen::object_cache_key(plan);
  fs::path entry = directory / codegen::cache_entry_name(key);
  std::string error;
  REQUIRE(codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error, directory.string()));
  REQUIRE(fs::exists(entry));
  const std::string good = read_file(entry);

  struct Damage {
    const char* name;
    std::string bytes;
    std::string reason;
  };
  std::string altered = good;
  altered[altered.size() / 2] = static_cast<char>(~altered[altered.size() / 2]);
  std::vector<Damage> damages = {
      {"truncated", good.substr(0, good.size() / 2), "it is truncated: its header announces"},
      {"empty", "", "it is empty"},
      {"garbled", std::string(good.size(), '\x5a'), "it does not start with flow's cache header"},
      {"another program's", codegen::encode_cache_entry("another key", good.substr(codegen::kCacheEntryHeaderSize)),
       "it holds the machine code of another program"},
      {"altered", altered, "its checksum does not match its contents"},
      // Whole, this program's, and still not an object the JIT can link: discarded when it fails.
      {"unlinkable", codegen::encode_cache_entry(key, "not an object file"), "its machine code cannot be linked"},
  };
  for (const Damage& damage : damages) {
    CAPTURE(damage.name);
    write_file(entry, damage.bytes);
    auto program = codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error, directory.string());
    INFO(error);
    REQUIRE(program);
    CHECK_FALSE(program->timings().cache_hit);
    REQUIRE(program->cache_warnings().size() == 1);
    const std::string& warning = program->cache_warnings().front();
    CHECK(warning.find("code cache entry `" + entry.string() + "` discarded: " + damage.reason) == 0);
    CHECK(warning.ends_with("; compiling again"));

    // The recompiled code runs right.
    const plan::SourcePlan& source = plan.sources.front();
    auto decoder = runtime::make_decoder(source.schema, physical::needed_fields(plan, "clicks"), 1 << 20);
    auto encoder = runtime::make_encoder(plan.queries.front().operators.back()->output);
    const flow_encoder* encoders[] = {encoder.get()};
    std::string value = R"({"user":"ann","bytes":21})";
    flow_record record{value.data(), static_cast<int64_t>(value.size()), nullptr, 0, 100, 5000};
    runtime::RecordingHost host;
    program->batch_function("clicks")(host.task(), decoder.get(), encoders, &record, 1);
    REQUIRE(host.emitted.size() == 1);
    CHECK(host.emitted[0].value == R"({"user":"ann","twice":42})");

    // The entry was written again, whole: the next compilation loads it without a word.
    CHECK(read_file(entry) == good);
    auto again = codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error, directory.string());
    REQUIRE(again);
    CHECK(again->timings().cache_hit);
    CHECK(again->cache_warnings().empty());
  }
  // No temporary file is left beside the entry.
  size_t files = 0;
  for ([[maybe_unused]] const auto& file : fs::directory_iterator(directory)) ++files;
  CHECK(files == 1);
  fs::remove_all(directory);
}

TEST_CASE("code cache: a cache that cannot be written says so, and the program still runs") {
  plan::Plan plan = testing::checked_plan(R"(
source clicks from kafka "clicks" as json { user: string, bytes: int } with (partitions = 1);
sink out to stdout;
query big { from clicks | where bytes > 10 | select user | into out }
)");
  namespace fs = std::filesystem;
  fs::path directory = fs::temp_directory_path() / ("flow-cache-file-" + std::to_string(getpid()));
  fs::remove_all(directory);
  write_file(directory, "a file where the cache directory should be");
  std::string error;
  auto program = codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error, directory.string());
  INFO(error);
  REQUIRE(program);
  CHECK(static_cast<bool>(program->batch_function("clicks")));
  REQUIRE(program->cache_warnings().size() == 1);
  const std::string& warning = program->cache_warnings().front();
  CHECK(warning.find("code cache entry `" + directory.string() + "/flow-") == 0);
  CHECK(warning.find("` not written (cannot create `" + directory.string() + "`: ") != std::string::npos);
  CHECK(warning.ends_with("; the next start compiles again"));
  fs::remove(directory);
}
