// Unit tests of where a partition's reading starts (runtime/launcher/start_offset.hpp): a
// checkpoint below the low watermark (retention deleted records before they were read) stops the
// run, or with `--on-retention-gap skip` goes on and counts them.
#include <doctest/doctest.h>

#include "runtime/launcher/start_offset.hpp"

using namespace flow::runtime;

TEST_CASE("start offset: the checkpoint when the topic still holds it, the oldest record on a first run") {
  std::string error;
  auto at_checkpoint = start_offset("events", 2, 40, 10, 50, RetentionGap::Stop, error);
  REQUIRE(at_checkpoint);
  CHECK(at_checkpoint->offset == 40);
  CHECK(at_checkpoint->skipped == 0);
  auto at_low = start_offset("events", 2, 10, 10, 50, RetentionGap::Stop, error);
  REQUIRE(at_low);
  CHECK(at_low->offset == 10);
  auto first_run = start_offset("events", 2, std::nullopt, 7, 50, RetentionGap::Stop, error);
  REQUIRE(first_run);
  CHECK(first_run->offset == 7);
  CHECK(first_run->skipped == 0);
  CHECK(error.empty());
}

TEST_CASE("start offset: a checkpoint below the low watermark stops the run with what was lost") {
  std::string error;
  CHECK(!start_offset("events", 2, 10, 15, 50, RetentionGap::Stop, error));
  CHECK(error.find("topic `events` partition 2: the checkpoint resumes at offset 10 but the oldest record the topic "
                   "still holds is at offset 15 (its low watermark): retention deleted 5 records") == 0);
  CHECK(error.find("--on-retention-gap skip") != std::string::npos);
}

TEST_CASE("start offset: with --on-retention-gap skip, reading goes on at the low watermark, the gap counted") {
  std::string error;
  auto start = start_offset("events", 2, 10, 15, 50, RetentionGap::Skip, error);
  REQUIRE(start);
  CHECK(start->offset == 15);
  CHECK(start->skipped == 5);
  CHECK(error.empty());
}

TEST_CASE("start offset: a checkpoint beyond the topic's end stops the run, whatever --on-retention-gap says") {
  std::string error;
  auto at_end = start_offset("events", 0, 11, 0, 11, RetentionGap::Stop, error);
  REQUIRE(at_end);
  CHECK(at_end->offset == 11);
  for (RetentionGap gap : {RetentionGap::Stop, RetentionGap::Skip}) {
    error.clear();
    CHECK(!start_offset("events", 0, 11, 0, 3, gap, error));
    CHECK(error.find("topic `events` partition 0: the checkpoint resumes at offset 11 but the topic ends at offset 3: "
                     "it holds fewer records than the application has read") == 0);
  }
}

TEST_CASE("start offset: without a checkpoint, the group's offset is resumed, refused or ignored as the task needs") {
  std::string error, warning;
  const std::string task = "clicks-0", dir = "/state", group = "app";
  // A checkpoint of its own, or no group offset: as it is.
  CHECK(*flow::runtime::resume_from(40, 90, "t", 0, {task, dir, group, true, LostState::Stop}, error, warning) == 40);
  CHECK(!flow::runtime::resume_from(std::nullopt, std::nullopt, "t", 0, {task, dir, group, true, LostState::Stop},
                                    error, warning)
             ->has_value());
  // No state to lose: where the group is.
  CHECK(*flow::runtime::resume_from(std::nullopt, 90, "t", 0, {task, dir, group, false, LostState::Stop}, error,
                                    warning) == 90);
  // State lost: stopped with the reason, or from the oldest record with a warning.
  CHECK(!flow::runtime::resume_from(std::nullopt, 90, "t", 3, {task, dir, group, true, LostState::Stop}, error,
                                    warning));
  CHECK(error.find("`/state` holds no checkpoint for topic `t` partition 3, but consumer group `app` committed "
                   "offset 90") != std::string::npos);
  auto reprocess =
      flow::runtime::resume_from(std::nullopt, 90, "t", 3, {task, dir, group, true, LostState::Reprocess}, error,
                                 warning);
  REQUIRE(reprocess);
  CHECK(!reprocess->has_value());
  CHECK(warning.find("reprocessing from the oldest record") != std::string::npos);
}
