// A state store's changelog (changelog.hpp).
#include "runtime/state/changelog.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>
#include <thread>
#include <utility>

#include "runtime/state/value_codec.hpp"

namespace flow::runtime {

namespace {

constexpr char kFormat = 1;             //!< the first byte of every value
constexpr std::string_view kMarkerKey = "c";  //!< no LevelDB key of a store starts with `c`

using Clock = std::chrono::steady_clock;

std::string encode_position(int64_t offset) {
  std::string bytes;
  append_ordered(bytes, offset);
  return bytes;
}

std::string_view key_of(const rd_kafka_message_t& m) {
  return m.key ? std::string_view(static_cast<const char*>(m.key), m.key_len) : std::string_view();
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string ChangelogSync::describe(const std::string& topic, int32_t partition) const {
  if (action == Action::None) return "";
  std::string rate = seconds > 0 ? fmt::format(" ({} records/s)", with_commas(static_cast<int64_t>(records / seconds))) : "";
  switch (action) {
    case Action::Restored:
      return fmt::format("restored {} records from changelog `{}` partition {} in {:.1f} s{}{}", with_commas(records),
                         topic, partition, seconds, rate,
                         left_out ? fmt::format("; {} records past its last commit left out (a commit that did not "
                                                "land) and written again as committed",
                                                with_commas(left_out))
                                  : "");
    case Action::Repaired:
      return fmt::format("changelog `{}` partition {} held a commit the state directory did not (a crash in between): "
                         "{} records written again as committed",
                         topic, partition, with_commas(records));
    case Action::Written:
      return fmt::format("wrote the state to changelog `{}` partition {}: {} records in {:.1f} s (the changelog did not "
                         "hold it)",
                         topic, partition, with_commas(records), seconds);
    case Action::None: break;
  }
  return "";
}

void Changelog::add(std::string_view key, const std::string_view* value) {
  const char* bytes = nullptr;
  size_t size = 0;
  if (value) {
    value_.assign(1, kFormat);
    value_.append(*value);
    bytes = value_.data();
    size = value_.size();
  }
  if (!producer_.produce(topic_, partition_, key.data(), key.size(), bytes, size, {}, &in_flight_)) failed_ = true;
  ++added_;
}

std::string Changelog::seal(std::string& position) {
  std::string_view marker(identity_);
  add(kMarkerKey, &marker);
  if (std::exchange(failed_, false))
    return fmt::format("cannot write to changelog `{}` partition {}: {}", topic_, partition_, producer_.failure());
  // An idempotent producer writes each record once, in order, and nothing else writes this
  // partition: the next commit starts right after this one.
  next_offset_ += std::exchange(added_, 0);
  position = encode_position(next_offset_);
  return "";
}

std::string Changelog::wait() {
  // Polling serves the delivery reports of every record of the producer (the callbacks are
  // thread-safe), this changelog's among them.
  auto deadline = Clock::now() + std::chrono::milliseconds(kAckTimeoutMs);
  while (in_flight_.load() > 0 && Clock::now() < deadline) rd_kafka_poll(producer_.handle(), 1);
  if (in_flight_.load() > 0)
    return fmt::format("Kafka did not acknowledge changelog `{}` partition {} within {} s; stopping before the commit",
                       topic_, partition_, kAckTimeoutMs / 1000);
  if (producer_.failed_deliveries() > 0)
    return fmt::format("Kafka did not acknowledge a record of changelog `{}` partition {} ({}); stopping before the "
                       "commit",
                       topic_, partition_, producer_.delivery_failure());
  return "";
}

std::string Changelog::read(rd_kafka_t* reader, int64_t from, int64_t to,
                            const std::function<std::string(const rd_kafka_message_t&)>& take) {
  if (from >= to) return "";
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition_)->offset = from;
  rd_kafka_resp_err_t err = rd_kafka_assign(reader, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return fmt::format("cannot read changelog `{}` partition {}: {}", topic_, partition_, rd_kafka_err2str(err));
  std::string problem;
  auto last_record = Clock::now();
  while (problem.empty()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(reader, 200);
    if (!m) {
      if (Clock::now() - last_record > std::chrono::milliseconds(kAckTimeoutMs))
        problem = fmt::format("reading changelog `{}` partition {}: no record for {} s before its end (offset {})",
                              topic_, partition_, kAckTimeoutMs / 1000, to);
      continue;
    }
    last_record = Clock::now();
    bool end = false;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      end = true;  // compaction leaves gaps: the end is where the partition ends
    } else if (m->err) {
      problem = fmt::format("reading changelog `{}` partition {}: {}", topic_, partition_, rd_kafka_message_errstr(m));
    } else if (m->rkt && m->partition == partition_ && topic_ == rd_kafka_topic_name(m->rkt)) {
      problem = take(*m);
      end = m->offset + 1 >= to;
    }
    rd_kafka_message_destroy(m);
    if (end) break;
  }
  rd_kafka_assign(reader, nullptr);
  return problem;
}

std::string Changelog::rewrite(StateStore& store, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    std::optional<std::string> value = store.read_raw(key);
    std::string_view bytes = value ? std::string_view(*value) : std::string_view();
    add(key, value ? &bytes : nullptr);
  }
  return seal_and_keep(store);
}

std::string Changelog::write_whole(StateStore& store) {
  store.for_each_raw([&](std::string_view key, std::string_view value) { add(key, &value); });
  return seal_and_keep(store);
}

std::string Changelog::seal_and_keep(StateStore& store) {
  std::string position;
  std::string problem = seal(position);
  if (problem.empty()) problem = wait();
  if (!problem.empty()) return problem;
  return store.write_raw({}, position, true);
}

std::string Changelog::sync(StateStore& store, rd_kafka_t* reader, ChangelogSync& done) {
  auto started = Clock::now();
  int64_t low = 0, high = 0;
  // A topic just created (by this launch, or by one killed a moment ago) has no leader for a
  // moment: those answers are retried, for as long as a commit may wait.
  auto deadline = started + std::chrono::milliseconds(kAckTimeoutMs);
  for (;;) {
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(reader, topic_.c_str(), partition_, &low, &high, kAckTimeoutMs);
    if (!err) break;
    bool transient = err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                     err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                     err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    if (!transient || Clock::now() > deadline)
      return fmt::format("cannot read the offsets of changelog `{}` partition {}: {}", topic_, partition_,
                         rd_kafka_err2str(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  next_offset_ = high;
  std::optional<int64_t> position;
  if (std::optional<std::string> kept = store.log_position()) position = read_ordered(*kept);
  auto finish = [&](ChangelogSync::Action action, int64_t records) {
    done.action = action;
    done.records = records;
    done.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return std::string();
  };

  if (store.empty_on_disk()) {
    if (high <= low) return finish(ChangelogSync::Action::None, 0);
    // Compaction keeps the log's start at 0; only a deletion (retention under a `delete` policy,
    // DeleteRecords) moves it, and what it deleted may be a key's only value.
    if (low > 0)
      return fmt::format("changelog `{}` partition {} starts at offset {}: its first records were deleted, so a "
                         "restore would miss the state they held. Restore the state directory, or run with "
                         "`--changelog off --on-lost-state reprocess` to start over from the oldest input record",
                         topic_, partition_, low);
    // Restore: commit by commit, each applied when its marker comes; what follows the last
    // marker did not land.
    std::vector<std::pair<std::string, std::optional<std::string>>> pending;
    int64_t records = 0;
    std::string problem = read(reader, low, high, [&](const rd_kafka_message_t& m) -> std::string {
      ++records;
      std::string_view key = key_of(m);
      if (key == kMarkerKey) {
        std::string_view of = m.payload ? std::string_view(static_cast<const char*>(m.payload), m.len) : "";
        if (of.empty() || of.substr(1) != identity_)
          return fmt::format("changelog `{}` partition {} holds the state of another program: its commits are of `{}`, "
                             "this store's of `{}` (an app id used by two programs?). Give this one its own --app-id, "
                             "or delete the changelog topic to start this store empty",
                             topic_, partition_, of.empty() ? "" : of.substr(1), identity_);
        std::string applied = store.write_raw(pending, encode_position(m.offset + 1), false);
        pending.clear();
        return applied;
      }
      if (!m.payload) {
        pending.emplace_back(std::string(key), std::nullopt);
        return "";
      }
      std::string_view value(static_cast<const char*>(m.payload), m.len);
      if (value.empty() || value[0] != kFormat)
        return fmt::format("changelog `{}` partition {} offset {}: a record of an unknown format (not written by "
                           "this version of flowrun?)",
                           topic_, partition_, m.offset);
      pending.emplace_back(std::string(key), std::string(value.substr(1)));
      return "";
    });
    if (!problem.empty()) {
      // Nothing of a restore that stopped part way stays: the next open restores again.
      std::string cleared = store.clear_raw();
      return cleared.empty() ? problem : problem + "; " + cleared;
    }
    done.left_out = static_cast<int64_t>(pending.size());
    if (pending.empty()) {
      problem = store.write_raw({}, encode_position(high), true);
      if (!problem.empty()) return problem;
      return finish(ChangelogSync::Action::Restored, records);
    }
    std::set<std::string> tail;
    for (auto& change : pending) tail.insert(std::move(change.first));
    problem = rewrite(store, std::vector<std::string>(tail.begin(), tail.end()));
    if (!problem.empty()) return problem;
    return finish(ChangelogSync::Action::Restored, records);
  }

  if (!position || *position > high || *position < low) {
    int64_t before = next_offset_;
    std::string problem = write_whole(store);
    if (!problem.empty()) return problem;
    return finish(ChangelogSync::Action::Written, next_offset_ - before);
  }
  if (*position < high) {
    std::set<std::string> tail;
    std::string problem = read(reader, *position, high, [&](const rd_kafka_message_t& m) {
      if (key_of(m) != kMarkerKey) tail.insert(std::string(key_of(m)));
      return std::string();
    });
    if (!problem.empty()) return problem;
    int64_t before = next_offset_;
    problem = rewrite(store, std::vector<std::string>(tail.begin(), tail.end()));
    if (!problem.empty()) return problem;
    return finish(ChangelogSync::Action::Repaired, next_offset_ - before);
  }
  return finish(ChangelogSync::Action::None, 0);
}

}  // namespace flow::runtime
