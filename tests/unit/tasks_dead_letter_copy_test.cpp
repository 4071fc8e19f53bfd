// A dead letter fits its topic: a record larger than the dead-letter topic's limit goes there as
// a truncated copy (runtime/tasks/dead_letter_copy.hpp), never refused (which stopped every run).
#include <doctest/doctest.h>

#include "runtime/tasks/dead_letter_copy.hpp"

using flow::runtime::DeadLetterCopy;
using flow::runtime::fit_dead_letter;
using flow::runtime::kDeadLetterFramingBytes;

TEST_CASE("dead letters: a record that fits goes whole, one that does not is cut to what fits") {
  constexpr int64_t limit = 1'048'588;  // Kafka's default max.message.bytes
  DeadLetterCopy whole = fit_dead_letter(500, 10, 200, limit);
  CHECK(whole.value_bytes == 500);
  CHECK(whole.keeps_key);
  CHECK_FALSE(whole.truncated);

  DeadLetterCopy cut = fit_dead_letter(10 * 1024 * 1024, 10, 200, limit);
  CHECK(cut.truncated);
  CHECK(cut.keeps_key);
  CHECK(cut.value_bytes == limit - kDeadLetterFramingBytes - 200 - 10);
  CHECK(cut.value_bytes + 10 + 200 + kDeadLetterFramingBytes <= limit);

  // Exactly at the limit still fits; one byte more does not.
  int64_t room = limit - kDeadLetterFramingBytes - 200;
  CHECK_FALSE(fit_dead_letter(room - 10, 10, 200, limit).truncated);
  CHECK(fit_dead_letter(room - 9, 10, 200, limit).truncated);
}

TEST_CASE("dead letters: a key too large to leave room for the value is dropped, and nothing goes negative") {
  DeadLetterCopy copy = fit_dead_letter(100, 999'000, 100, 1'000'000);
  CHECK(copy.truncated);
  CHECK_FALSE(copy.keeps_key);
  CHECK(copy.value_bytes == 100);  // without the key the whole value fits
  DeadLetterCopy tiny = fit_dead_letter(5'000, 0, 100, 500);
  CHECK(tiny.truncated);
  CHECK(tiny.value_bytes == 0);
}
