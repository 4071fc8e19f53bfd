// One running instance per application id, until instances share work (issue 18): a second
// flowrun with the same --app-id would read every partition again and write every output twice,
// so it stops at launch and says which instance already runs.
//
// Each instance is a member of the consumer group `<app-id>.instances`, subscribed to the
// application's source topics, its partitions assigned and paused (it reads nothing; the job
// reads through its own consumer, and offsets still go to the group `<app-id>`). Once its first
// assignment came — the group has settled with it — the guard lists the group's members; any
// other is another instance. Members are named (client.id) by host and state directory.
//
// Dynamic membership, not static: an instance that stops (or is refused) leaves the group at
// once, so it never keeps another from starting. One killed with -9 stays a member until its
// session times out (kSessionTimeoutMs); the group cannot settle before that, so its restart
// waits up to those seconds for its first assignment — and then finds itself alone. Two started
// at the same moment both stop.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/kafka/kafka_properties.hpp"

namespace flow::runtime {

class InstanceGuard {
 public:
  //! The group's session timeout: how long a killed instance stays a member (the broker's
  //! smallest by default, group.min.session.timeout.ms).
  static constexpr int kSessionTimeoutMs = 6000;

  //! Joins `<app_id>.instances` and checks that no other instance is a member. Null and `error`
  //! when another one is; a guard with a `warning` when the group could not be joined or listed
  //! in time (the run goes on: a cluster may forbid groups, and the job does not need one).
  static std::unique_ptr<InstanceGuard> join(const std::string& brokers, const KafkaProperties& properties,
                                             const std::string& app_id, const std::string& state_dir,
                                             const std::vector<std::string>& topics, std::string& error);
  //! Leaves the group.
  ~InstanceGuard();
  InstanceGuard(const InstanceGuard&) = delete;
  InstanceGuard& operator=(const InstanceGuard&) = delete;

  //! Why the check could not be made (empty when it was).
  const std::string& warning() const { return warning_; }
  //! This instance's name in the group: `flowrun@HOST:STATE_DIR`.
  const std::string& name() const { return name_; }

 private:
  InstanceGuard() = default;
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque);
  //! The other members' names (their client ids), or `error` when the group cannot be listed.
  std::vector<std::string> other_members(std::string& error) const;

  rd_kafka_t* consumer_ = nullptr;
  std::string group_, name_, warning_;
  std::atomic<int> assignments_{0};
  std::atomic<bool> stop_{false};
  std::thread poller_;  //!< serves the group (rebalances) while the job runs
};

}  // namespace flow::runtime
