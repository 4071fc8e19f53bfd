// The changelog topics of an application's state stores (state/changelog.hpp): their names, and
// making sure each exists, compacted, with a partition per task of its store — created at launch
// when missing, checked when present.
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>
#include <string>

namespace flow::runtime {

//! Creates a topic: the embedded Kafka's own way (librdkafka's mock has no CreateTopics). An
//! error text, empty on success.
using CreateTopic = std::function<std::string(const std::string& topic, int partitions)>;

//! `APP_ID-SOURCE-changelog`: the store of the tasks of a task group, named by its first source
//! (as the tasks' folders are, `SOURCE-P`); partition p is task p's.
std::string task_changelog_topic(const std::string& app_id, const std::string& first_source);
//! `APP_ID-query-STORE-changelog`: a store shared by a query's tasks (its folder `query-STORE`).
std::string shared_changelog_topic(const std::string& app_id, const std::string& store);

//! Makes sure `topic` exists with `partitions` partitions and `cleanup.policy=compact` (not
//! `compact,delete`: retention would delete a key's only value): created
//! (by `create`, or CreateTopics when null) when missing; when present, its partitions are checked,
//! and its cleanup policy when `describes_configs`. An error text, empty on success.
std::string ensure_changelog_topic(rd_kafka_t* rk, const std::string& topic, int partitions, bool describes_configs,
                                   const CreateTopic& create);

}  // namespace flow::runtime
