// Damaged state bytes are a damaged store, never a crash: the value codec's reader against
// hostile input (runtime/state/value_codec.hpp). The libFuzzer target tests/fuzz/value_codec_fuzzer
// runs the same reader over arbitrary bytes.
#include <doctest/doctest.h>

#include <string>

#include "runtime/state/value_codec.hpp"

using namespace flow::runtime;
using eval::Value;

TEST_CASE("state: lists nested a million deep are StateCorruption, not a stack overflow") {
  // Before the bound, reading these bytes recursed once per level and overflowed the stack.
  std::string deep;
  for (int i = 0; i < 1'000'000; ++i) deep += "\x07\x01";  // a list of one: another list…
  append_value(deep, Value::null());
  REQUIRE(static_cast<uint8_t>(deep[0]) == static_cast<uint8_t>(flow::runtime::eval::ValueKind::List));
  ValueReader reader(deep);
  CHECK_THROWS_WITH_AS(reader.value(), "state: values nested more than 64 deep", StateCorruption);

  // As deep as allowed still reads.
  Value nested = Value::integer(7);
  for (int i = 0; i < ValueReader::kMaxNesting; ++i) nested = Value::list({nested});
  std::string bytes;
  append_value(bytes, nested);
  ValueReader ok(bytes);
  CHECK(ok.value() == nested);
  CHECK(ok.at_end());
}
