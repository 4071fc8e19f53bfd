// Unit tests of the state store (LevelDB with a write-back cache, committed with the source
// offsets in one batch) and of the binary form of state values.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include <malloc.h>

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

std::unique_ptr<StateStore> open_store(const std::string& path, StateStoreOptions options = {}) {
  std::string error;
  auto store = StateStore::open(path, error, options);
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

TEST_CASE("state: keys added new, rewritten, erased and added again between commits keep their values and counts") {
  TempDir dir;
  {
    auto store = open_store(dir.path);
    store->put("kept", "1");
    REQUIRE(store->commit({}).empty());
    store->put_new("gone", "abc");        // comes and goes between two commits
    store->put("gone", "abcd");           // still new: rewritten before any commit
    store->erase("gone");
    store->erase("kept");                 // committed: the erase must reach LevelDB
    store->put_new("kept", "22");         // and it is back, with another value
    store->put_new("back", "x");
    store->erase("back");
    store->put_new("back", "yy");         // new again after its erase: kept
    CHECK_FALSE(store->get("gone"));
    CHECK(store->get("kept") == "22");
    CHECK(store->get("back") == "yy");
    CHECK(store->keys() == 2);
    CHECK(store->bytes() == 4 + 2 + 4 + 2);
    auto all = store->scan("", std::nullopt);
    REQUIRE(all.size() == 2);
    CHECK(all[0].first == "back");
    CHECK(all[1].first == "kept");
    REQUIRE(store->commit({}).empty());
    store->put_new("late", "z");          // after the commit: fresh again, then erased
    store->erase("late");
    store->erase("kept");
    REQUIRE(store->commit({}).empty());
  }
  auto store = open_store(dir.path);
  CHECK_FALSE(store->get("gone"));
  CHECK_FALSE(store->get("late"));
  CHECK_FALSE(store->get("kept"));
  CHECK(store->get("back") == "yy");
  CHECK(store->keys() == 1);
  CHECK(store->bytes() == 4 + 2);
  CHECK(store->scan("", std::nullopt).size() == 1);
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

namespace {

//! The store's write-ahead logs (`NNNNNN.log`): where a closed store's last commits are.
std::vector<std::filesystem::path> write_ahead_logs(const std::string& directory) {
  std::vector<std::filesystem::path> logs;
  for (const auto& entry : std::filesystem::directory_iterator(directory))
    if (entry.path().extension() == ".log" && entry.path().filename() != "LOG") logs.push_back(entry.path());
  return logs;
}

//! A store with `commits` commits of 10 keys each, the offset of `t/0` at the commit's number.
void write_commits(const std::string& directory, int commits) {
  auto store = open_store(directory);
  for (int c = 1; c <= commits; ++c) {
    for (int k = 0; k < 10; ++k) store->put("key-" + std::to_string(c) + "-" + std::to_string(k), "value");
    REQUIRE(store->commit({{"t/0", c}}).empty());
  }
}

}  // namespace

TEST_CASE("state: a flipped byte in the write-ahead log stops the open, naming the store and what to do") {
  TempDir dir;
  std::string store_dir = dir.path + "/task-0";
  write_commits(store_dir, 20);
  auto logs = write_ahead_logs(store_dir);
  REQUIRE(logs.size() == 1);
  {
    // A byte of the first commit's payload (7 bytes of record header, 12 of batch header): the
    // later commits are intact, so dropping this one would lose its state with no replay.
    std::fstream log(logs[0], std::ios::in | std::ios::out | std::ios::binary);
    log.seekg(24);
    char byte = 0;
    log.get(byte);
    log.seekp(24);
    log.put(static_cast<char>(byte ^ 0x20));
  }
  std::string error;
  auto store = StateStore::open(store_dir, error);
  CHECK(store == nullptr);
  CHECK(error.find("the state store in `" + store_dir + "` is damaged") != std::string::npos);
  CHECK(error.find("restore `" + store_dir + "` from a backup, or delete the state directory `" + dir.path + "`") !=
        std::string::npos);
}

TEST_CASE("state: a write-ahead log cut short by a crash opens at its last whole commit") {
  TempDir dir;
  write_commits(dir.path, 20);
  auto logs = write_ahead_logs(dir.path);
  REQUIRE(logs.size() == 1);
  // kill -9 in the middle of a commit's write: the file ends inside the last commit.
  std::filesystem::resize_file(logs[0], std::filesystem::file_size(logs[0]) - 10);
  auto store = open_store(dir.path);
  CHECK(store->committed_offsets() == std::map<std::string, int64_t>{{"t/0", 19}});
  CHECK(store->keys() == 190);
  CHECK(store->get("key-19-9") == "value");
  CHECK(!store->get("key-20-0"));
}

TEST_CASE("state: a store whose CURRENT file is gone is not taken for a new one") {
  TempDir dir;
  write_commits(dir.path, 3);
  std::filesystem::remove(dir.path + "/CURRENT");
  std::string error;
  auto store = StateStore::open(dir.path, error);
  CHECK(store == nullptr);
  CHECK(error.find("the state store in `" + dir.path + "` is damaged: it holds LevelDB files") != std::string::npos);
  CHECK(error.find("but no `CURRENT` file") != std::string::npos);
  CHECK(write_ahead_logs(dir.path).size() == 1);  // nothing deleted: the store can still be restored
  // An empty directory (or one a first open left before writing CURRENT) is a new store.
  TempDir fresh;
  std::filesystem::create_directories(fresh.path + "/new");
  CHECK(StateStore::open(fresh.path + "/new", error) != nullptr);
}

TEST_CASE("state: a flipped byte in a table file is an error when read, not a missing value") {
  TempDir dir;
  write_commits(dir.path, 3);
  {
    auto store = open_store(dir.path);
    store->put("needle", "a value written once, 0123456789");
    REQUIRE(store->commit({}).empty());
  }
  open_store(dir.path);  // the reopen moves the log's commits into a table file
  // One letter of the value, in the table file that holds it as it is: the block still decodes,
  // so only its checksum tells that the value is not what was written.
  bool flipped = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
    if (entry.path().extension() != ".ldb") continue;
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    size_t at = bytes.find("written once");
    if (at == std::string::npos) continue;
    file.seekp(static_cast<std::streamoff>(at));
    file.put('W');
    flipped = true;
  }
  REQUIRE(flipped);
  std::string error;
  auto store = StateStore::open(dir.path, error);
  INFO(error);
  if (store) {  // the open read other blocks: the read of the value's block fails
    CHECK_THROWS_AS(store->get("needle"), StateCorruption);
    try {
      store->get("needle");
    } catch (const StateCorruption& e) {
      error = e.what();
    }
  }
  CHECK(error.find("the state store in `" + dir.path + "` is damaged") != std::string::npos);
  CHECK(error.find("or delete the state directory") != std::string::npos);
}

TEST_CASE("state: the cache of committed entries stays within its memory budget, and evicted entries read from disk") {
  TempDir dir;
  StateStoreOptions options;
  options.cache_bytes = int64_t{1} << 20;
  auto store = open_store(dir.path, options);
  auto key_of = [](int i) { return "user-with-a-longer-name-" + std::to_string(i); };
  auto value_of = [](int i) { return std::string(40, static_cast<char>('a' + i % 26)) + std::to_string(i); };
  constexpr int kKeys = 60'000;  // about 13 MB in memory: thirteen budgets
  for (int i = 0; i < kKeys; ++i) {
    store->put(key_of(i), value_of(i));
    if (i % 1000 == 999) {
      REQUIRE(store->commit({}).empty());
      CHECK(store->cache_memory() <= options.cache_bytes);
    }
  }
  REQUIRE(store->commit({}).empty());
  CHECK(store->cache_memory() <= options.cache_bytes);
  CHECK(store->cache_memory() >= options.cache_bytes / 2);  // evicts a quarter, not everything
  CHECK(store->keys() == static_cast<size_t>(kKeys));
  int wrong = 0;
  for (int i = 0; i < kKeys; ++i) wrong += store->get(key_of(i)) != value_of(i);
  CHECK(wrong == 0);
  // Reads alone evict too, past a quarter more than the budget.
  CHECK(store->cache_memory() <= options.cache_bytes + options.cache_bytes / 4);
  REQUIRE(store->commit({}).empty());
  CHECK(store->cache_memory() <= options.cache_bytes);
}

TEST_CASE("state: an entry read between commits outlasts the entries no one read when the cache evicts") {
  TempDir dir;
  StateStoreOptions options;
  options.cache_bytes = int64_t{1} << 20;
  auto store = open_store(dir.path, options);
  // Ten hot keys read before every commit among a stream of cold ones: once the first evictions
  // have marked what they saw, every later one keeps the hot keys (evicting in the table's order
  // would drop about a quarter of them each time, and their next reads would go to disk).
  for (int i = 0; i < 10; ++i) store->put("hot-" + std::to_string(i), "h");
  int evictions_seen = 0, hot_misses = 0;
  for (int round = 0; round < 300; ++round) {
    for (int i = 0; i < 300; ++i) store->put("cold-key-of-round-" + std::to_string(round) + "-" + std::to_string(i), "c");
    int64_t misses = store->cache_misses();
    for (int i = 0; i < 10; ++i) CHECK(store->get("hot-" + std::to_string(i)) == "h");
    if (round >= 100) hot_misses += static_cast<int>(store->cache_misses() - misses);
    int64_t before = store->cache_memory();
    REQUIRE(store->commit({}).empty());
    if (round >= 100 && store->cache_memory() < before) ++evictions_seen;
  }
  CHECK(evictions_seen >= 10);  // the test saw the cache evict, many times
  CHECK(hot_misses == 0);
  CHECK(store->cache_memory() <= options.cache_bytes);
}

TEST_CASE("state: the cache's memory estimate is close to what malloc hands out for it") {
  TempDir dir;
  StateStoreOptions options;
  options.cache_bytes = int64_t{1} << 30;  // no eviction
  auto store = open_store(dir.path, options);
  // Keys past std::string's inline buffer, absent (read, not written: LevelDB keeps nothing).
  size_t before = mallinfo2().uordblks;
  for (int i = 0; i < 200'000; ++i) CHECK_FALSE(store->get("a-key-longer-than-sixteen-" + std::to_string(i)));
  auto allocated = static_cast<double>(mallinfo2().uordblks - before);
  auto estimated = static_cast<double>(store->cache_memory());
  INFO("allocated " << allocated << " bytes, estimated " << estimated);
  CHECK(estimated > 0.75 * allocated);
  CHECK(estimated < 1.25 * allocated);
}

TEST_CASE("state: a write through the entry a read found is the write by key, also after the cache evicted it") {
  TempDir dir;
  StateStoreOptions options;
  options.cache_bytes = int64_t{1} << 20;
  auto store = open_store(dir.path, options);
  std::string value;
  StateStore::EntryRef ref;
  // An absent key, then present: the counts as for put.
  CHECK_FALSE(store->get_into("user-with-a-long-name-1", value, ref));
  store->put_read(ref, "user-with-a-long-name-1", "first", std::nullopt);
  CHECK(store->get("user-with-a-long-name-1") == "first");
  CHECK(store->keys() == 1);
  CHECK(store->bytes() == static_cast<int64_t>(std::string("user-with-a-long-name-1first").size()));
  REQUIRE(store->commit({}).empty());
  // After a commit the reference is old: the write goes by key and is still right.
  store->put_read(ref, "user-with-a-long-name-1", "second", 5);
  CHECK(store->get("user-with-a-long-name-1") == "second");
  // Read, then make the cache evict (reads of other keys past its budget), then write.
  REQUIRE(store->get_into("user-with-a-long-name-1", value, ref));
  CHECK(value == "second");
  REQUIRE(store->commit({}).empty());
  REQUIRE(store->get_into("user-with-a-long-name-1", value, ref));
  for (int i = 0; i < 20'000; ++i) store->get("another-key-read-to-fill-the-cache-" + std::to_string(i));
  store->put_read(ref, "user-with-a-long-name-1", "third", 6);
  CHECK(store->get("user-with-a-long-name-1") == "third");
  CHECK(store->keys() == 1);
  REQUIRE(store->commit({}).empty());
  store.reset();
  store = open_store(dir.path, options);
  CHECK(store->get("user-with-a-long-name-1") == "third");
  CHECK(store->keys() == 1);
  CHECK(store->bytes() == static_cast<int64_t>(std::string("user-with-a-long-name-1third").size()));
}

TEST_CASE("state: a store that started empty answers keys it does not hold without LevelDB, until it evicts") {
  TempDir dir;
  StateStoreOptions options;
  options.cache_bytes = int64_t{1} << 20;
  auto store = open_store(dir.path, options);
  for (int i = 0; i < 1000; ++i) store->put("key-" + std::to_string(i), "v" + std::to_string(i));
  REQUIRE(store->commit({}).empty());
  for (int i = 0; i < 2000; ++i) CHECK(store->get("key-" + std::to_string(i)) == (i < 1000 ? std::optional("v" + std::to_string(i)) : std::nullopt));
  CHECK(store->cache_misses() == 0);  // every key it has is cached: LevelDB was never asked
  // Past the budget it evicts; from then on a key it does not hold is read from LevelDB.
  for (int i = 0; i < 20'000; ++i) store->put("more-keys-to-fill-the-cache-" + std::to_string(i), "w");
  REQUIRE(store->commit({}).empty());
  int64_t misses = store->cache_misses();
  int wrong = 0;
  for (int i = 0; i < 1000; ++i) wrong += store->get("key-" + std::to_string(i)) != "v" + std::to_string(i);
  CHECK(wrong == 0);
  CHECK(store->cache_misses() > misses);
  // Reopened with state, it reads from LevelDB from the start.
  store.reset();
  store = open_store(dir.path, options);
  CHECK(store->get("key-7") == "v7");
  CHECK(store->cache_misses() == 1);
}
