// One running instance per application id (instance_guard.hpp).
#include "runtime/launcher/instance_guard.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "runtime/kafka/kafka_client.hpp"

namespace flow::runtime {

namespace {

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "unknown-host";
  return host;
}

}  // namespace

void InstanceGuard::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                                 void* opaque) {
  auto* guard = static_cast<InstanceGuard*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, partitions);
    rd_kafka_pause_partitions(rk, partitions);  // membership only: the job reads the records
    guard->assignments_.fetch_add(1);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

std::unique_ptr<InstanceGuard> InstanceGuard::join(const std::string& brokers, const KafkaProperties& properties,
                                                   const std::string& app_id, const std::string& state_dir,
                                                   const std::vector<std::string>& topics, std::string& error) {
  std::unique_ptr<InstanceGuard> guard(new InstanceGuard());
  guard->group_ = app_id + ".instances";
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::weakly_canonical(state_dir, ec);
  guard->name_ = fmt::format("flowrun@{}:{}", host_name(), ec ? state_dir : dir.string());
  rd_kafka_conf_t* conf = make_kafka_conf(brokers, properties, error);
  if (!conf) return nullptr;
  char message[512];
  auto set = [&](const char* key, const std::string& value) {
    if (rd_kafka_conf_set(conf, key, value.c_str(), message, sizeof message) != RD_KAFKA_CONF_OK)
      error = fmt::format("cannot set {}: {}", key, message);
  };
  set("group.id", guard->group_);
  set("client.id", guard->name_);
  set("session.timeout.ms", std::to_string(kSessionTimeoutMs));
  set("heartbeat.interval.ms", "1000");
  set("enable.auto.commit", "false");
  set("partition.assignment.strategy", "range");
  if (!error.empty()) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  rd_kafka_conf_set_opaque(conf, guard.get());
  rd_kafka_conf_set_rebalance_cb(conf, &InstanceGuard::on_rebalance);
  guard->consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
  if (!guard->consumer_) {
    error = fmt::format("cannot create the instance group's consumer: {}", message);
    return nullptr;
  }
  rd_kafka_topic_partition_list_t* subscription = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& topic : topics) rd_kafka_topic_partition_list_add(subscription, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t subscribed = rd_kafka_subscribe(guard->consumer_, subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (subscribed) {
    guard->warning_ = fmt::format("cannot join group `{}` ({}), so another instance with --app-id `{}` would go "
                                  "unnoticed",
                                  guard->group_, rd_kafka_err2str(subscribed), app_id);
    return guard;
  }
  // Served on the guard's own thread: rebalances come through the consumer's poll.
  guard->poller_ = std::thread([g = guard.get()] {
    while (!g->stop_.load()) {
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(g->consumer_, 100)) rd_kafka_message_destroy(m);
    }
  });
  // The first assignment: the group has settled with this instance in it (after a kill -9 of
  // an instance, once its old membership has timed out).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (guard->assignments_.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (guard->assignments_.load() == 0) {
    guard->warning_ = fmt::format("group `{}` gave this instance no assignment within 20 s, so another instance "
                                  "with --app-id `{}` would go unnoticed",
                                  guard->group_, app_id);
    return guard;
  }
  std::string list_error;
  std::vector<std::string> others = guard->other_members(list_error);
  if (!list_error.empty()) {
    guard->warning_ = fmt::format("cannot list group `{}` ({}), so another instance with --app-id `{}` would go "
                                  "unnoticed",
                                  guard->group_, list_error, app_id);
    return guard;
  }
  if (!others.empty()) {
    std::string names;
    for (const auto& other : others) names += (names.empty() ? "`" : ", `") + other + "`";
    error = fmt::format(
        "another instance of application `{}` is running: {} (members of group `{}`; this one is `{}`). "
        "Instances that share an --app-id do not share the work yet, so this one would read every partition "
        "again and write every output twice; stop the other one, or give this one its own --app-id",
        app_id, names, guard->group_, guard->name_);
    return nullptr;
  }
  return guard;
}

std::vector<std::string> InstanceGuard::other_members(std::string& error) const {
  std::vector<std::string> others;
  const rd_kafka_group_list* list = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_list_groups(consumer_, group_.c_str(), &list, 10'000);
  if (err) {
    error = rd_kafka_err2str(err);
    return others;
  }
  for (int g = 0; g < list->group_cnt; ++g) {
    const rd_kafka_group_info& group = list->groups[g];
    if (group.err) {
      error = rd_kafka_err2str(group.err);
      break;
    }
    for (int m = 0; m < group.member_cnt; ++m) {
      std::string client = group.members[m].client_id ? group.members[m].client_id : "";
      if (client != name_) others.push_back(client);
    }
  }
  rd_kafka_group_list_destroy(list);
  return others;
}

InstanceGuard::~InstanceGuard() {
  stop_.store(true);
  if (poller_.joinable()) poller_.join();
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
}

}  // namespace flow::runtime
