// Watermarks over partitions (runtime/tasks/partition_watermarks): a partition that has delivered
// nothing holds its source back until judged caught up; a table's partition is released whenever
// it is read to its end, so a table updated rarely does not hold back every record joined with it.
#include <doctest/doctest.h>

#include "runtime/tasks/partition_watermarks.hpp"

using flow::runtime::PartitionWatermarks;

TEST_CASE("partition watermarks: a stream's partition that delivered holds its watermark, a table's read to its end does not") {
  PartitionWatermarks marks;
  marks.reset({2, 2}, {0, 0}, {false, true});  // source 0: a stream, source 1: a table
  marks.delivered(0, 0, 500);
  CHECK(marks.watermark(0) == INT64_MIN);  // partition 1 has delivered nothing and is not caught up
  marks.delivered(0, 1, 300);
  CHECK(marks.watermark(0) == 300);
  marks.mark_caught_up(0, 1);  // a stream's partition that delivered keeps holding at its time
  CHECK(marks.watermark(0) == 300);

  marks.delivered(1, 0, 100);
  marks.delivered(1, 1, 200);
  CHECK(marks.watermark(1) == 100);
  marks.mark_caught_up(1, 0);  // read to its end: its rows up to now have all arrived
  CHECK(marks.watermark(1) == 200);
  marks.mark_caught_up(1, 1);
  CHECK(marks.watermark(1) == INT64_MAX);  // holds nothing back
  marks.delivered(1, 0, 900);  // a new row holds it again, at its own time
  CHECK(marks.watermark(1) == 900);
  marks.hold();  // more input is being produced: no table partition counts as read to its end
  CHECK_FALSE(marks.caught_up(1, 1));
}
