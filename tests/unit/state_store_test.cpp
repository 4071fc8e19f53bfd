// Unit tests of the state store (LevelDB with a write-back cache, committed with the source
// offsets in one batch) and of the binary form of state values.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "runtime/state/state_store.hpp"
#include "runtime/state/value_codec.hpp"

using flow::runtime::eval::Value;
using namespace flow::runtime;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "flow-state-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::unique_ptr<StateStore> open_store(const std::string& path) {
  std::string error;
  auto store = StateStore::open(path, error);
  INFO(error);
  REQUIRE(store != nullptr);
  return store;
}

Value round_trip(const Value& value) {
  std::string bytes;
  append_value(bytes, value);
  ValueReader reader(bytes);
  Value out = reader.value();
  CHECK(reader.at_end());
  return out;
}

}  // namespace

TEST_CASE("state: values round-trip through their binary form, compactly") {
  std::vector<Value> values = {
      Value::null(),
      Value::boolean(true),
      Value::integer(std::numeric_limits<int64_t>::min()),
      Value::integer(-1),
      Value::floating(-0.0),
      Value::floating(std::numeric_limits<double>::infinity()),
      Value::string(std::string("a\0b\xff", 4)),
      Value::timestamp(-60'000),
      Value::duration(1'800'000),
      Value::list({Value::string("x"), Value::null()}),
      Value::record({"user", "n"}, {Value::string("ann"), Value::integer(3)}),
  };
  for (const Value& value : values) CHECK(round_trip(value) == value);
  std::string small;
  append_value(small, Value::integer(5));
  CHECK(small.size() == 2);  // a tag and a one-byte varint

  // Keys are canonical: values the language groups together encode alike.
  std::string negative_zero, zero, nan_a, nan_b;
  append_key_value(negative_zero, Value::floating(-0.0));
  append_key_value(zero, Value::floating(0.0));
  append_key_value(nan_a, Value::floating(std::nan("1")));
  append_key_value(nan_b, Value::floating(-std::nan("2")));
  CHECK(negative_zero == zero);
  CHECK(nan_a == nan_b);

  // Ordered bytes sort like the numbers.
  CHECK(ordered_bytes(-1) < ordered_bytes(0));
  CHECK(ordered_bytes(std::numeric_limits<int64_t>::min()) < ordered_bytes(-1));
  CHECK(read_ordered(ordered_bytes(-123456789)) == -123456789);

  std::string cut;
  append_value(cut, Value::string("hello"));
  cut.pop_back();
  ValueReader reader(cut);
  CHECK_THROWS_AS(reader.value(), StateCorruption);
}

TEST_CASE("state: the store reads its pending changes, and a commit makes exactly them durable") {
  TempDir dir;
  {
    auto store = open_store(dir.path);
    store->put("a", "1");
    store->put("b", "2");
    CHECK(store->get("a") == "1");
    REQUIRE(store->commit({}).empty());
    store->put("a", "changed");
    store->erase("b");
    store->put("c", "3");
    CHECK(store->get("a") == "changed");
    CHECK_FALSE(store->get("b").has_value());
    // Not committed: lost when the store closes, as in a crash.
  }
  auto store = open_store(dir.path);
  CHECK(store->get("a") == "1");
  CHECK(store->get("b") == "2");
  CHECK_FALSE(store->get("c").has_value());
  store->erase("a");
  REQUIRE(store->commit({}).empty());
  CHECK_FALSE(store->get("a").has_value());  // not the value cached when it was read
}

TEST_CASE("state: committed offsets round-trip and are written with the state") {
  TempDir dir;
  {
    auto store = open_store(dir.path);
    CHECK(store->committed_offsets().empty());
    store->put("k", "v");
    REQUIRE(store->commit({{"clicks/0", 42}, {"clicks/1", 7}}).empty());
    REQUIRE(store->commit({{"clicks/0", 50}}).empty());
    store->put("k", "uncommitted");
  }
  auto store = open_store(dir.path);
  CHECK(store->committed_offsets() == std::map<std::string, int64_t>{{"clicks/0", 50}, {"clicks/1", 7}});
  CHECK(store->get("k") == "v");
}

TEST_CASE("state: a scan merges pending changes over committed entries, in key order") {
  TempDir dir;
  auto store = open_store(dir.path);
  store->put("p1", "committed");
  store->put("p2", "committed, then erased");
  store->put("p4", "committed, then changed");
  store->put("q", "outside");
  REQUIRE(store->commit({}).empty());
  store->erase("p2");
  store->put("p3", "pending");
  store->put("p4", "changed");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"p1", "committed"}, {"p3", "pending"}, {"p4", "changed"}};
  CHECK(store->scan("p", "q") == expected);
  CHECK(store->scan("p", "q", 2).size() == 2);
  CHECK(store->scan("p3", std::nullopt).back() == std::pair<std::string, std::string>{"q", "outside"});
}

TEST_CASE("state: the store counts its keys and bytes, across a restart") {
  TempDir dir;
  {
    auto store = open_store(dir.path);
    store->put("one", "12345");
    store->put("two", "1");
    store->put("two", "12");
    CHECK(store->keys() == 2);
    CHECK(store->bytes() == 3 + 5 + 3 + 2);
    REQUIRE(store->commit({}).empty());
    store->erase("one");
    CHECK(store->keys() == 1);
    CHECK(store->bytes() == 3 + 2);
  }
  auto store = open_store(dir.path);
  CHECK(store->keys() == 2);  // the erase was not committed
  CHECK(store->bytes() == 3 + 5 + 3 + 2);
}

TEST_CASE("state: a store in use by another process cannot be opened, and the error says so") {
  TempDir dir;
  auto first = open_store(dir.path);
  std::string error;
  auto second = StateStore::open(dir.path, error);
  CHECK(second == nullptr);
  CHECK(error.find(dir.path) != std::string::npos);
  CHECK(error.find("another flowrun") != std::string::npos);
}
