// Restart from a checkpoint: `flowrun run` twice on the same state directory against one Kafka
// cluster (the embedded one, kept alive by the test between the runs). The second run must read
// only what the first did not (offsets resume from the checkpoint) and must see the keyed state
// the first run committed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/kafka/embedded_kafka.hpp"
#include "runtime/kafka/kafka_client.hpp"
#include "tools/flowrun/application.hpp"

using namespace flow::runtime;

namespace {

const char* kApp = R"(source clicks from kafka "clicks" as json { user: string, url: string } with (partitions = 2);
sink log to kafka "log" as json;
sink thirds to kafka "thirds" as json;
query copy { from clicks | select user, url | into log }
query every_third {
    from clicks
    | key by user
    | process state { clicks: int = 0 } {
        on event {
            state.clicks += 1
            if state.clicks == 3 {
                emit { user: key, clicks: state.clicks }
                clear state
            }
        }
    }
    | into thirds
}
)";

void produce(Producer& producer, const std::vector<std::pair<std::string, std::string>>& clicks) {
  for (const auto& [user, url] : clicks) {
    std::string value = R"({"user":")" + user + R"(","url":")" + url + R"("})";
    REQUIRE(producer.produce("clicks", -1, user.data(), user.size(), value.data(), value.size()));
  }
  REQUIRE(producer.flush(10'000));
}

//! One embedded Kafka with the app's topics, a folder holding kApp, and the options of a run.
struct Cluster {
  EmbeddedKafka kafka;
  std::filesystem::path directory;
  RunOptions options;
  std::unique_ptr<Producer> producer;

  explicit Cluster(const std::string& folder)
      : directory(std::filesystem::temp_directory_path() / (folder + std::to_string(getpid()))) {
    for (auto [topic, partitions] : {std::pair{"clicks", 2}, {"log", 1}, {"thirds", 1}})
      REQUIRE(kafka.create_topic(topic, partitions).empty());
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    std::ofstream(directory / "app.flow") << kApp;
    options.app = (directory / "app.flow").string();
    options.brokers = kafka.bootstrap_servers();
    options.until_idle = true;
    options.threads = 1;
    options.state_dir = (directory / "state").string();
    options.log_level = LogLevel::Error;
    std::string error;
    producer = Producer::create(kafka.bootstrap_servers(), {}, error);
    REQUIRE(producer);
  }
  //! The changelog topic of `app_id`'s keyed state (the mock has no CreateTopics for flowrun to
  //! create it with; `flowrun run --embedded-kafka` creates it through the mock's own call).
  void changelog(const std::string& app_id) { REQUIRE(kafka.create_topic(app_id + "-clicks-changelog", 2).empty()); }
};

}  // namespace

TEST_CASE("runtime: a restart resumes from the checkpointed offsets with the committed keyed state") {
  Cluster cluster("flow-restart-");
  auto& [kafka, directory, options, producer] = cluster;
  options.app_id = "restart";
  cluster.changelog("restart");
  std::string error;
  produce(*producer, {{"ann", "/a"}, {"ann", "/b"}, {"bob", "/a"}});
  REQUIRE(run_application(options) == 0);
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 3);
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "thirds", error).empty());  // ann has 2 clicks in state

  produce(*producer, {{"ann", "/c"}, {"bob", "/b"}});
  REQUIRE(run_application(options) == 0);
  // The log holds each click once: the second run did not read the first run's records again.
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 5);
  // ann's third click came in the second run: her first two were in the committed state.
  auto thirds = read_topic(kafka.bootstrap_servers(), {}, "thirds", error);
  REQUIRE(thirds.size() == 1);
  CHECK(thirds.front().value == R"({"user":"ann","clicks":3})");
  CHECK(thirds.front().key == "ann");
  std::filesystem::remove_all(directory);
}

TEST_CASE("runtime: a lost state directory is restored from the changelog, without one it stops, or reprocesses") {
  // Keyed state is backed by a changelog topic: a second state directory for the same app id (a
  // new machine) is restored from it and goes on exactly where the first one was.
  Cluster cluster("flow-lost-state-");
  auto& [kafka, directory, options, producer] = cluster;
  options.app_id = "restored";
  cluster.changelog("restored");
  std::string error;
  produce(*producer, {{"ann", "/a"}, {"ann", "/b"}, {"bob", "/a"}});
  REQUIRE(run_application(options) == 0);
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 3);
  options.state_dir = (directory / "new-machine").string();
  produce(*producer, {{"ann", "/c"}});
  REQUIRE(run_application(options) == 0);
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 4);  // nothing reprocessed
  auto thirds = read_topic(kafka.bootstrap_servers(), {}, "thirds", error);
  REQUIRE(thirds.size() == 1);  // ann's first two clicks came back with the state
  CHECK(thirds.front().value == R"({"user":"ann","clicks":3})");
  std::filesystem::remove_all(directory);
}

TEST_CASE("runtime: a lost state directory restores a store shared by a query's tasks from its changelog") {
  // A field-grouped aggregate keeps one store for all the query's tasks (its own changelog, one
  // partition) beside the tasks' stores of offsets: both come back.
  Cluster cluster("flow-lost-shared-");
  auto& [kafka, directory, options, producer] = cluster;
  std::ofstream(directory / "per_url.flow") << R"(source clicks from kafka "clicks" as json { user: string, url: string } with (partitions = 2);
sink log to kafka "log" as json;
query per_url {
    from clicks
    | group by url
    | aggregate count() as n timeout 1h in processing time
    | emit changes
    | into log
}
)";
  options.app = (directory / "per_url.flow").string();
  options.app_id = "shared";
  cluster.changelog("shared");
  REQUIRE(kafka.create_topic("shared-query-per_url-changelog", 1).empty());
  std::string error;
  produce(*producer, {{"ann", "/a"}, {"bob", "/a"}, {"cid", "/b"}});
  // A run that is stopped, not ended by --until-idle (whose end would time out every group).
  options.until_idle = false;
  int first = -1;
  std::thread running([&] { first = run_application(options); });
  // (Its launch first waits for the instances' group, which the mock cannot list: up to 20 s.)
  for (int i = 0; i < 1200 && read_topic(kafka.bootstrap_servers(), {}, "log", error).size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  request_stop();
  running.join();
  clear_stop_request();
  REQUIRE(first == 0);
  REQUIRE(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 3);
  options.until_idle = true;
  options.state_dir = (directory / "new-machine").string();
  produce(*producer, {{"dan", "/a"}});
  REQUIRE(run_application(options) == 0);
  auto log = read_topic(kafka.bootstrap_servers(), {}, "log", error);
  std::vector<std::string> a;
  for (const auto& record : log)
    if (record.value.find(R"("url":"/a")") != std::string::npos && record.value.find(R"("n":)") != std::string::npos)
      a.push_back(record.value);
  REQUIRE(!a.empty());
  CHECK(a.back() == R"({"url":"/a","n":3})");  // the first run's two clicks on /a came back
  std::filesystem::remove_all(directory);
}

TEST_CASE("runtime: without a changelog a lost state directory stops a stateful application, a stateless one resumes from the group") {
  // Checkpoints also commit their offsets to the consumer group (the app id). A second state
  // directory for the same app id has no checkpoint while the group has offsets: with no
  // changelog the state of `every_third` is gone, so the run stops with the reason instead of
  // counting from zero — unless `--on-lost-state reprocess` asks for exactly that.
  Cluster cluster("flow-lost-state-off-");
  auto& [kafka, directory, options, producer] = cluster;
  std::ofstream(directory / "copy.flow") << R"(source clicks from kafka "clicks" as json { user: string, url: string } with (partitions = 2);
sink log to kafka "log" as json;
query copy { from clicks | select user, url | into log }
)";

  options.app_id = "lost";
  options.changelog = false;
  std::string error;
  produce(*producer, {{"ann", "/a"}, {"ann", "/b"}, {"bob", "/a"}});
  REQUIRE(run_application(options) == 0);
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 3);

  options.state_dir = (directory / "another-state").string();
  CHECK(run_application(options) == 1);  // stopped: the group is at offsets this directory lacks
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 3);  // nothing reprocessed

  options.on_lost_state = LostState::Reprocess;
  REQUIRE(run_application(options) == 0);  // asked for: everything again, from empty state
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 6);

  // Stateless: nothing to lose, so a new state directory resumes where the group is.
  options.app = (directory / "copy.flow").string();
  options.app_id = "copy";
  options.on_lost_state = LostState::Stop;
  options.state_dir = (directory / "copy-state").string();
  REQUIRE(run_application(options) == 0);
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 9);  // a first run: all 3
  produce(*producer, {{"cid", "/c"}});
  options.state_dir = (directory / "copy-state-2").string();
  REQUIRE(run_application(options) == 0);
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 10);  // only the new one
  std::filesystem::remove_all(directory);
}

TEST_CASE("runtime: a state an --until-idle run closed stops a later run that has new records for it") {
  // The end of an --until-idle run moves event time to the end and commits that: its timeouts
  // fired (every key's state dropped). New records would start their keys again — a count back
  // at 1 within its timeout — so the run stops with the reason; with nothing new it runs.
  Cluster cluster("flow-closed-state-");
  auto& [kafka, directory, options, producer] = cluster;
  std::ofstream(directory / "counts.flow") << R"(source clicks from kafka "clicks" as json { user: string, url: string, ts: timestamp }
    with (partitions = 2, event_time = ts, watermark = 1s);
sink log to kafka "log" as json;
query counts {
    from clicks
    | key by user
    | process state { n: int = 0 } timeout 1h {
        on event {
            state.n += 1
            emit { user: key, n: state.n }
        }
    }
    | into log
}
)";
  options.app = (directory / "counts.flow").string();
  options.app_id = "closed";
  cluster.changelog("closed");
  cluster.changelog("closed-2");
  auto click = [&](const std::string& user, const std::string& ts) {
    std::string value = R"({"user":")" + user + R"(","url":"/","ts":")" + ts + R"("})";
    REQUIRE(producer->produce("clicks", -1, user.data(), user.size(), value.data(), value.size()));
    REQUIRE(producer->flush(10'000));
  };
  std::string error;
  click("ann", "2026-01-01T00:00:01Z");
  click("ann", "2026-01-01T00:00:02Z");
  REQUIRE(run_application(options) == 0);
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 2);
  REQUIRE(run_application(options) == 0);  // nothing new: nothing to find closed
  click("ann", "2026-01-01T00:00:03Z");
  CHECK(run_application(options) == 1);  // stopped before reading it
  CHECK(read_topic(kafka.bootstrap_servers(), {}, "log", error).size() == 2);
  options.app_id = "closed-2";  // a new app id reads everything again, from its own state
  options.state_dir = (directory / "state-2").string();
  REQUIRE(run_application(options) == 0);
  auto log = read_topic(kafka.bootstrap_servers(), {}, "log", error);
  REQUIRE(log.size() == 5);
  CHECK(log.back().value == R"({"user":"ann","n":3})");
  std::filesystem::remove_all(directory);
}
