// Kafka message keys of output records (runtime/codec/message_key.hpp).
#include <doctest/doctest.h>

#include "runtime/codec/message_key.hpp"

using flow::runtime::eval::Value;
using flow::compiler::plan::Type;
using flow::compiler::plan::TypeKind;
using flow::runtime::message_key;

TEST_CASE("codec: message keys: a string's bytes, a number's text, a group of fields as a JSON object") {
  CHECK(message_key(Value::string("ann")) == "ann");
  CHECK(message_key(Value::integer(-42)) == "-42");
  CHECK(message_key(Value::timestamp(1000)) == "1000");
  CHECK(message_key(Value::boolean(true)) == "1");
  CHECK(message_key(Value::floating(0.1)) == "0.1");
  CHECK(message_key(Value::null()).empty());
  // Two groups that share a field have different keys; strings are escaped, null and bools are
  // JSON words inside the object.
  Value ann = Value::record({"user", "url"}, {Value::string("ann"), Value::string("/a")});
  Value bob = Value::record({"user", "url"}, {Value::string("bob"), Value::string("/a")});
  CHECK(message_key(ann) == R"({"user":"ann","url":"/a"})");
  CHECK(message_key(ann) != message_key(bob));
  CHECK(message_key(Value::record({"q", "n", "ok", "x"}, {Value::string("a\"b"), Value::integer(3), Value::boolean(false),
                                                         Value::null()})) == R"({"q":"a\"b","n":3,"ok":false,"x":null})");
  // From a flow_value: the same text.
  std::string text = "cid";
  CHECK(message_key(flow_value{static_cast<int64_t>(reinterpret_cast<intptr_t>(text.data())), 3, 0},
                    Type::scalar(TypeKind::String)) == "cid");
  CHECK(message_key(flow_value{7, 0, 0}, Type::scalar(TypeKind::Int)) == "7");
  CHECK(message_key(flow_value{0, 0, 1}, Type::scalar(TypeKind::Int)).empty());
}

TEST_CASE("codec: message keys escape a group's strings as record values are escaped, invalid UTF-8 as U+FFFD") {
  // One escaper (runtime/codec/json_string.hpp) for values and keys: the same string reads the same.
  Value key = Value::record({"user", "note"}, {Value::string("a\xff" "b"), Value::string("tab\there \xe2\x82\xac")});
  CHECK(message_key(key) == "{\"user\":\"a\xEF\xBF\xBD" "b\",\"note\":\"tab\\there \xe2\x82\xac\"}");
}
