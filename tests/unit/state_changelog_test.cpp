// A state store's changelog on the embedded Kafka (runtime/state/changelog.hpp): a store rebuilt
// from it holds exactly what the lost one had committed, whatever a crash between the changelog
// and LevelDB left in the topic.
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>

#include <map>
#include <optional>
#include <string>

#include "runtime/kafka/embedded_kafka.hpp"
#include "runtime/kafka/kafka_client.hpp"
#include "runtime/state/changelog.hpp"
#include "support/temp_store.hpp"

using namespace flow::runtime;
using flow::testing::TempStore;

namespace {

constexpr const char* kTopic = "app-clicks-changelog";

//! One embedded Kafka with a 2-partition changelog topic, a producer and a reader.
struct Setup {
  EmbeddedKafka kafka;
  std::unique_ptr<Producer> producer;
  rd_kafka_t* reader = nullptr;

  Setup() {
    REQUIRE(kafka.create_topic(kTopic, 2).empty());
    std::string error;
    producer = Producer::create(kafka.bootstrap_servers(), {}, error);
    REQUIRE_MESSAGE(producer, error);
    char message[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", kafka.bootstrap_servers().c_str(), message, sizeof message);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", message, sizeof message);
    rd_kafka_conf_set(conf, "group.id", "changelog-test", message, sizeof message);  // assign() needs one
    reader = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
    REQUIRE(reader);
  }
  ~Setup() {
    rd_kafka_consumer_close(reader);
    rd_kafka_destroy(reader);
  }

  //! Attaches a changelog on partition 1 to `store` and syncs; what the sync did.
  ChangelogSync attach(StateStore& store, std::unique_ptr<Changelog>& log, const std::string& identity = "topics clicks") {
    log = std::make_unique<Changelog>(*producer, kTopic, 1, identity);
    ChangelogSync done;
    std::string error = log->sync(store, reader, done);
    REQUIRE_MESSAGE(error.empty(), error);
    store.set_commit_log(log.get());
    return done;
  }

  //! A record written straight to the changelog partition, as a commit that reached Kafka and
  //! not LevelDB would have left it (value none: a tombstone).
  void stray(const std::string& key, std::optional<std::string> value) {
    std::string bytes = value ? std::string(1, '\1') + *value : "";
    REQUIRE(producer->produce(kTopic, 1, key.data(), key.size(), value ? bytes.data() : nullptr, bytes.size()));
    REQUIRE(producer->flush(10'000));
  }
};

//! Every committed LevelDB entry of the store (state, offsets, counts), the log position aside.
std::map<std::string, std::string> contents(StateStore& store) {
  std::map<std::string, std::string> out;
  store.for_each_raw([&](std::string_view key, std::string_view value) { out[std::string(key)] = value; });
  return out;
}

}  // namespace

TEST_CASE("changelog: a lost store is restored from its changelog exactly as last committed") {
  Setup setup;
  TempStore first;
  std::unique_ptr<Changelog> log;
  CHECK(setup.attach(*first.store, log).action == ChangelogSync::Action::None);  // new store, empty changelog
  first.store->put("ann", "1");
  first.store->put("bob", "7");
  first.store->put("cid", "2");
  REQUIRE(first.store->commit({{"clicks/1", 3}}).empty());
  first.store->put("ann", "2");
  first.store->erase("bob");
  REQUIRE(first.store->commit({{"clicks/1", 5}}).empty());
  first.store->put("dan", "9");  // never committed: lost with the store, and not in the changelog
  std::map<std::string, std::string> committed = contents(*first.store);
  CHECK(committed.count("ubob") == 0);

  TempStore second;  // a new machine: nothing on disk
  std::unique_ptr<Changelog> second_log;
  ChangelogSync done = setup.attach(*second.store, second_log);
  CHECK(done.action == ChangelogSync::Action::Restored);
  CHECK(done.left_out == 0);
  CHECK(done.records > 0);
  CHECK(contents(*second.store) == committed);
  CHECK(second.store->committed_offsets() == std::map<std::string, int64_t>{{"clicks/1", 5}});
  CHECK(second.store->get("ann") == "2");
  CHECK_FALSE(second.store->get("bob"));
  CHECK(second.store->keys() == 2);

  // The restored store goes on committing to the changelog, and a third restore sees that too.
  second.store->put("eve", "4");
  REQUIRE(second.store->commit({{"clicks/1", 6}}).empty());
  TempStore third;
  std::unique_ptr<Changelog> third_log;
  CHECK(setup.attach(*third.store, third_log).action == ChangelogSync::Action::Restored);
  CHECK(contents(*third.store) == contents(*second.store));
  CHECK(third.store->get("eve") == "4");
}

TEST_CASE("changelog: a commit the changelog got and LevelDB did not is repaired at the next open") {
  Setup setup;
  TempStore store;
  std::unique_ptr<Changelog> log;
  setup.attach(*store.store, log);
  store.store->put("ann", "1");
  store.store->put("bob", "1");
  REQUIRE(store.store->commit({{"clicks/1", 2}}).empty());
  // A crash after the changelog took the next commit's records, before its marker and LevelDB.
  setup.stray("uann", "5");
  setup.stray("ucid", "1");
  setup.stray("ubob", std::nullopt);
  std::map<std::string, std::string> committed = contents(*store.store);

  store.open();  // the restart: LevelDB as of the last commit
  ChangelogSync done = setup.attach(*store.store, log);
  CHECK(done.action == ChangelogSync::Action::Repaired);
  CHECK(done.records == 4);  // the three keys as committed, and a marker
  CHECK(contents(*store.store) == committed);

  // The changelog's last word for every key is the committed one: a restore holds no `cid`, ann at 1.
  TempStore lost;
  std::unique_ptr<Changelog> lost_log;
  CHECK(setup.attach(*lost.store, lost_log).action == ChangelogSync::Action::Restored);
  CHECK(contents(*lost.store) == committed);
  CHECK(lost.store->get("ann") == "1");
  CHECK(lost.store->get("bob") == "1");
  CHECK_FALSE(lost.store->get("cid"));
}

TEST_CASE("changelog: records past the last commit are left out of a restore, and written again as committed") {
  Setup setup;
  TempStore store;
  std::unique_ptr<Changelog> log;
  setup.attach(*store.store, log);
  store.store->put("ann", "1");
  REQUIRE(store.store->commit({{"clicks/1", 1}}).empty());
  std::map<std::string, std::string> committed = contents(*store.store);
  setup.stray("uann", "2");  // the crash, and then the disk was lost too
  setup.stray("ubob", "1");

  TempStore lost;
  std::unique_ptr<Changelog> lost_log;
  ChangelogSync done = setup.attach(*lost.store, lost_log);
  CHECK(done.action == ChangelogSync::Action::Restored);
  CHECK(done.left_out == 2);
  CHECK(contents(*lost.store) == committed);
  CHECK_FALSE(lost.store->get("bob"));

  TempStore again;  // the tail was written again as committed: a later restore agrees
  std::unique_ptr<Changelog> again_log;
  ChangelogSync second = setup.attach(*again.store, again_log);
  CHECK(second.left_out == 0);
  CHECK(contents(*again.store) == committed);
}

TEST_CASE("changelog: a store with state the changelog does not hold is written to it whole") {
  Setup setup;
  TempStore store;
  store.store->put("ann", "3");  // committed before the store had a changelog
  store.store->put("bob", "1");
  REQUIRE(store.store->commit({{"clicks/1", 4}}).empty());
  std::unique_ptr<Changelog> log;
  ChangelogSync done = setup.attach(*store.store, log);
  CHECK(done.action == ChangelogSync::Action::Written);
  CHECK(done.records == 5);  // two keys, the offset, the counts, a marker
  CHECK(setup.attach(*store.store, log).action == ChangelogSync::Action::None);  // in step now

  TempStore lost;
  std::unique_ptr<Changelog> lost_log;
  CHECK(setup.attach(*lost.store, lost_log).action == ChangelogSync::Action::Restored);
  CHECK(contents(*lost.store) == contents(*store.store));
  CHECK(lost.store->committed_offsets() == std::map<std::string, int64_t>{{"clicks/1", 4}});
}

TEST_CASE("changelog: a record of an unknown format stops the restore with its offset") {
  Setup setup;
  std::string key = "uann", value = "\x07garbage";
  REQUIRE(setup.producer->produce(kTopic, 1, key.data(), key.size(), value.data(), value.size()));
  REQUIRE(setup.producer->flush(10'000));
  TempStore lost;
  Changelog log(*setup.producer, kTopic, 1, "topics clicks");
  ChangelogSync done;
  std::string error = log.sync(*lost.store, setup.reader, done);
  CHECK(error.find("offset 0: a record of an unknown format") != std::string::npos);
}

TEST_CASE("changelog: the state of another program under the same app id is refused at a restore") {
  Setup setup;
  TempStore store;
  std::unique_ptr<Changelog> log;
  setup.attach(*store.store, log, "topics old-clicks");
  store.store->put("ann", "1");
  REQUIRE(store.store->commit({{"old-clicks/1", 1}}).empty());
  TempStore other;
  Changelog other_log(*setup.producer, kTopic, 1, "topics clicks");
  ChangelogSync done;
  std::string error = other_log.sync(*other.store, setup.reader, done);
  CHECK(error.find("holds the state of another program: its commits are of `topics old-clicks`, this store's of "
                   "`topics clicks`") != std::string::npos);
  CHECK_FALSE(other.store->get("ann"));
}

TEST_CASE("changelog: a commit with nothing changed sends nothing") {
  Setup setup;
  TempStore store;
  std::unique_ptr<Changelog> log;
  setup.attach(*store.store, log);
  store.store->put("ann", "1");
  REQUIRE(store.store->commit({{"clicks/1", 1}}).empty());
  int64_t low = 0, high = 0;
  REQUIRE(rd_kafka_query_watermark_offsets(setup.reader, kTopic, 1, &low, &high, 10'000) == 0);
  REQUIRE(store.store->commit({{"clicks/1", 1}}).empty());  // same offsets, no change
  int64_t after = 0;
  REQUIRE(rd_kafka_query_watermark_offsets(setup.reader, kTopic, 1, &low, &after, 10'000) == 0);
  CHECK(after == high);
}

namespace {

//! A commit log that keeps what it is handed and acknowledges when told to.
struct HeldLog final : CommitLog {
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
  int64_t sealed = 0;
  bool acked = false;
  void add(std::string_view key, const std::string_view* value) override {
    records.emplace_back(std::string(key), value ? std::optional<std::string>(std::string(*value)) : std::nullopt);
  }
  std::string seal(std::string& position) override {
    position = std::to_string(++sealed);
    acked = false;
    return "";
  }
  bool acknowledged() const override { return acked; }
  std::string wait() override {
    acked = true;
    return "";
  }
};

}  // namespace

TEST_CASE("changelog: between a prepared commit and its write the store reads, scans and evicts as if it were written") {
  TempStore temp;
  StateStore& store = *temp.store;
  HeldLog log;
  store.set_commit_log(&log);
  store.put("a", "1");
  store.put("b", "1");
  store.put("c", "1");
  REQUIRE(store.commit({{"t/0", 1}}).empty());
  store.put("a", "2");
  store.erase("b");
  store.put("d", "2");
  REQUIRE(store.prepare_commit({{"t/0", 2}}).empty());
  CHECK(store.commit_prepared());
  CHECK_FALSE(log.acknowledged());
  // Changes after the prepare are the next commit's; reads see the newest values.
  store.put("a", "3");
  store.put("e", "3");
  CHECK(store.get("a") == "3");
  CHECK_FALSE(store.get("b"));
  CHECK(store.get("d") == "2");
  std::vector<std::pair<std::string, std::string>> all = store.scan("", std::nullopt);
  CHECK(all == std::vector<std::pair<std::string, std::string>>{{"a", "3"}, {"c", "1"}, {"d", "2"}, {"e", "3"}});
  CHECK(store.keys() == 4);

  // Not written yet: a crash now leaves LevelDB at the previous commit.
  REQUIRE(log.wait().empty());
  REQUIRE(store.finish_commit().empty());
  CHECK_FALSE(store.commit_prepared());
  CHECK(store.committed_offsets() == std::map<std::string, int64_t>{{"t/0", 2}});
  CHECK(store.read_raw("ua") == "2");  // the prepared value, not the later one
  CHECK_FALSE(store.read_raw("ub"));
  CHECK(store.read_raw("ud") == "2");
  CHECK_FALSE(store.read_raw("ue"));
  CHECK(store.get("a") == "3");  // the later change is still pending
  CHECK_FALSE(store.get("b"));
  REQUIRE(store.commit({{"t/0", 3}}).empty());
  temp.open();
  CHECK(temp.store->get("a") == "3");
  CHECK(temp.store->get("e") == "3");
  CHECK_FALSE(temp.store->get("b"));
  CHECK(temp.store->keys() == 4);
}

TEST_CASE("changelog: a crash between a prepared commit and its write leaves the store at the commit before") {
  TempStore temp;
  HeldLog log;
  temp.store->set_commit_log(&log);
  temp.store->put("a", "1");
  REQUIRE(temp.store->commit({{"t/0", 1}}).empty());
  temp.store->put("a", "2");
  temp.store->put("b", "2");
  REQUIRE(temp.store->prepare_commit({{"t/0", 2}}).empty());
  temp.open();  // the crash: the prepared batch was never written
  CHECK(temp.store->get("a") == "1");
  CHECK_FALSE(temp.store->get("b"));
  CHECK(temp.store->committed_offsets() == std::map<std::string, int64_t>{{"t/0", 1}});
  CHECK(temp.store->log_position() == "1");  // the first commit's; the log has records past it
}

TEST_CASE("changelog: entries of a prepared commit are not evicted before it is written") {
  TempStore temp;
  temp.store.reset();
  std::string error;
  StateStoreOptions options;
  options.cache_bytes = 4096;  // a few entries
  temp.store = StateStore::open(temp.directory + "/small", error, options);
  REQUIRE(temp.store);
  HeldLog log;
  temp.store->set_commit_log(&log);
  for (int i = 0; i < 200; ++i) temp.store->put("k" + std::to_string(i), "old");
  REQUIRE(temp.store->commit({}).empty());
  for (int i = 0; i < 200; ++i) temp.store->put("k" + std::to_string(i), "new");
  REQUIRE(temp.store->prepare_commit({}).empty());
  // Reads of other keys would evict clean entries past the budget; the prepared ones stay.
  for (int i = 200; i < 400; ++i) CHECK_FALSE(temp.store->get("k" + std::to_string(i)));
  for (int i = 0; i < 200; ++i) CHECK(temp.store->get("k" + std::to_string(i)) == "new");
  REQUIRE(temp.store->finish_commit().empty());
  for (int i = 0; i < 200; ++i) CHECK(temp.store->get("k" + std::to_string(i)) == "new");
}

TEST_CASE("changelog: a commit without the log drops the kept position, so the log later gets the store whole") {
  Setup setup;
  TempStore store;
  std::unique_ptr<Changelog> log;
  setup.attach(*store.store, log);
  store.store->put("ann", "1");
  REQUIRE(store.store->commit({{"clicks/1", 1}}).empty());
  store.store->set_commit_log(nullptr);  // a run with --changelog off
  store.store->put("ann", "2");
  REQUIRE(store.store->commit({{"clicks/1", 2}}).empty());
  CHECK_FALSE(store.store->log_position());
  CHECK(setup.attach(*store.store, log).action == ChangelogSync::Action::Written);
  TempStore lost;
  std::unique_ptr<Changelog> lost_log;
  CHECK(setup.attach(*lost.store, lost_log).action == ChangelogSync::Action::Restored);
  CHECK(lost.store->get("ann") == "2");  // not the 1 the changelog held before
}
