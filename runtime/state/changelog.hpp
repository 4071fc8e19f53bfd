// A state store's changelog: a compacted Kafka topic that holds every commit of the store, so that
// a task that starts without its state directory (a lost disk, a new machine) restores it from
// Kafka instead of starting empty. Partition p is the store of task p of its task group (a store
// shared by the job's tasks has one partition).
//
// Records: a LevelDB key of the store and its value after the commit (state, offsets, counts —
// state_store.hpp), the value prefixed by a format byte (1); a delete is a tombstone (null value).
// Each commit ends with a marker record, key `c`, whose value names what the store's state is of
// (the topics its tasks read): a changelog another program left under the same app id is
// refused at a restore instead of taken for this one's state. A commit goes to the changelog before LevelDB
// takes it (commit_log.hpp), and the store keeps with it the changelog position after it. So at the
// next open:
//   - a store with nothing on disk and a changelog with records is **restored**: the records up to
//     the last marker, in order (a compacted topic keeps each key's last value; a tombstone's
//     absence is an absence);
//   - records past the kept position are a commit the changelog got and LevelDB did not (a crash
//     in between): **repaired** — each key they name is written again with the store's committed
//     value (or a tombstone), then a marker, so the changelog's last word for every key is the
//     committed one, whatever compaction keeps;
//   - a store with state but no kept position (written before it had a changelog), or one ahead of
//     the changelog (the topic was recreated), is **written whole** to it.
// Records past the last marker at a restore are such a commit too: left out, and repaired.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/kafka/kafka_client.hpp"
#include "runtime/state/commit_log.hpp"
#include "runtime/state/state_store.hpp"

namespace flow::runtime {

//! What bringing a store and its changelog into step did at open.
struct ChangelogSync {
  enum class Action { None, Restored, Repaired, Written };
  Action action = Action::None;
  int64_t records = 0;  //!< read from the changelog (restored) or written to it (repaired, written)
  int64_t left_out = 0;  //!< restored: records past the last marker (a commit that did not land)
  double seconds = 0;
  //! "restored 1,204 records from changelog `T` partition 0 in 0.2 s (6,020 records/s)"; empty for None.
  std::string describe(const std::string& topic, int32_t partition) const;
};

class Changelog final : public CommitLog {
 public:
  //! `identity`: what the store's state is of (for example `topics clicks,orders`).
  Changelog(Producer& producer, std::string topic, int32_t partition, std::string identity)
      : producer_(producer), topic_(std::move(topic)), partition_(partition), identity_(std::move(identity)) {}

  void add(std::string_view key, const std::string_view* value) override;
  std::string seal(std::string& position) override;
  bool acknowledged() const override { return in_flight_.load() == 0; }
  std::string wait() override;

  //! Before `store` is used: restores it, repairs the changelog or writes the store to it (see
  //! above), reading the partition through `reader` (a consumer that joins no group). An error text,
  //! empty on success; `done` says what happened.
  std::string sync(StateStore& store, rd_kafka_t* reader, ChangelogSync& done);

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }

  //! How long a commit may wait for Kafka to acknowledge its changelog records.
  static constexpr int kAckTimeoutMs = 30'000;

 private:
  //! Reads [from, to) of the partition, handing each record to `take`. An error text.
  std::string read(rd_kafka_t* reader, int64_t from, int64_t to,
                   const std::function<std::string(const rd_kafka_message_t&)>& take);
  //! Writes each key's committed value (or a tombstone) and a marker, and keeps the position.
  std::string rewrite(StateStore& store, const std::vector<std::string>& keys);
  //! Writes every committed entry and a marker, and keeps the position.
  std::string write_whole(StateStore& store);
  //! Seals what was added, waits for Kafka, and keeps the position in `store` (rewrite, write_whole).
  std::string seal_and_keep(StateStore& store);

  Producer& producer_;
  std::string topic_;
  int32_t partition_;
  std::string identity_;
  std::atomic<int64_t> in_flight_{0};
  int64_t next_offset_ = 0;  //!< where the next record lands (known once sync has run)
  int64_t added_ = 0;        //!< records of the commit under way
  bool failed_ = false;      //!< a record of the commit under way was refused by the producer
  std::string value_;        //!< a record's value being built: the format byte, then the value
};

}  // namespace flow::runtime
