// The JSON encoder (runtime/codec/json_codec.hpp): exact output for every type, string escaping,
// floats, a full arena, and encode -> decode round trips of random values.
#include <doctest/doctest.h>

#include "runtime/eval/value.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"
#include "runtime/codec/json_codec.hpp"

namespace {

using flow::compiler::plan::Field;
using flow::compiler::plan::Schema;
using flow::compiler::plan::Type;
using flow::compiler::plan::TypeKind;

Field field(std::string name, TypeKind kind, bool nullable = false) {
  return {std::move(name), Type::scalar(kind, nullable)};
}

flow_value null_value() { return {0, 0, 1}; }
flow_value int_value(int64_t x) { return {x, 0, 0}; }
flow_value float_value(double x) { return {std::bit_cast<int64_t>(x), 0, 0}; }
flow_value bool_value(bool x) { return {x ? 1 : 0, 0, 0}; }
flow_value string_value(std::string_view s) {
  return {static_cast<int64_t>(reinterpret_cast<intptr_t>(s.data())), static_cast<int64_t>(s.size()), 0};
}

//! Encodes `values` with a fresh encoder for `schema` into an arena of `arena_bytes`.
std::string encode(const Schema& schema, const std::vector<flow_value>& values, std::size_t arena_bytes = 4096) {
  const flow::runtime::EncoderPtr encoder = flow::runtime::make_encoder(schema);
  std::vector<char> buffer(arena_bytes);
  flow_arena arena;
  flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
  const flow_str json = flow_json_encode(encoder.get(), values.data(), &arena);
  REQUIRE(arena.out_of_space == 0);
  CHECK(arena.used == json.len);
  return std::string(json.data, static_cast<std::size_t>(json.len));
}

std::string encode_string(std::string_view s) { return encode({field("s", TypeKind::String)}, {string_value(s)}); }
std::string encode_float(double x) { return encode({field("f", TypeKind::Float)}, {float_value(x)}); }

}  // namespace

TEST_CASE("codec: encodes every scalar type, in schema order") {
  const Schema schema = {field("user", TypeKind::String),        field("bytes", TypeKind::Int),
                         field("ratio", TypeKind::Float),        field("ok", TypeKind::Bool),
                         field("ts", TypeKind::Timestamp),       field("delay", TypeKind::Duration),
                         field("coupon", TypeKind::String, true)};
  const std::vector<flow_value> values = {
      string_value("u12345"),   int_value(-5123), float_value(0.25), bool_value(true),
      int_value(1763892000123), int_value(30000), null_value()};
  CHECK(encode(schema, values) ==
        R"({"user":"u12345","bytes":-5123,"ratio":0.25,"ok":true,"ts":1763892000123,"delay":30000,"coupon":null})");
  CHECK(encode({field("n", TypeKind::Int)}, {int_value(std::numeric_limits<int64_t>::min())}) ==
        R"({"n":-9223372036854775808})");
  CHECK(encode({field("b", TypeKind::Bool)}, {bool_value(false)}) == R"({"b":false})");
  CHECK(encode({}, {}) == "{}");
}

TEST_CASE("codec: null is null whatever the type") {
  for (TypeKind kind :
       {TypeKind::Bool, TypeKind::Int, TypeKind::Float, TypeKind::String, TypeKind::Timestamp, TypeKind::Duration})
    CHECK(encode({field("v", kind, true)}, {null_value()}) == R"({"v":null})");
}

TEST_CASE("codec: string escaping") {
  CHECK(encode_string("") == R"({"s":""})");
  CHECK(encode_string("plain text") == R"({"s":"plain text"})");
  CHECK(encode_string("say \"hi\"") == R"({"s":"say \"hi\""})");
  CHECK(encode_string("back\\slash/") == R"({"s":"back\\slash/"})");
  CHECK(encode_string("a\nb\tc\rd\be\ff") == R"({"s":"a\nb\tc\rd\be\ff"})");
  CHECK(encode_string(std::string_view("\0\x01\x1f", 3)) == R"({"s":"\u0000\u0001\u001f"})");
  CHECK(encode_string("\x7f") == "{\"s\":\"\x7f\"}");  // DEL needs no escape
  // Valid UTF-8 goes through as it is, U+2028 included.
  CHECK(encode_string("caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80 \xE2\x80\xA8") ==
        "{\"s\":\"caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80 \xE2\x80\xA8\"}");
  // Invalid UTF-8 becomes U+FFFD, one per bad byte, so the output stays valid.
  CHECK(encode_string("a\xC3(b") == "{\"s\":\"a\xEF\xBF\xBD(b\"}");
  CHECK(encode_string("\xFF\xFE") == "{\"s\":\"\xEF\xBF\xBD\xEF\xBF\xBD\"}");
  CHECK(encode_string("\xED\xA0\x80") == "{\"s\":\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"}");
  CHECK(encode_string("end\xE2\x82") == "{\"s\":\"end\xEF\xBF\xBD\xEF\xBF\xBD\"}");
  // A NULL or negative-length string is the empty string, as flow_str says.
  CHECK(encode({field("s", TypeKind::String)}, {flow_value{0, 5, 0}}) == R"({"s":""})");
}

TEST_CASE("codec: floats in their shortest round-trip form") {
  CHECK(encode_float(0.1) == R"({"f":0.1})");
  CHECK(encode_float(5.0) == R"({"f":5.0})");
  CHECK(encode_float(-0.0) == R"({"f":-0.0})");
  CHECK(encode_float(0.0) == R"({"f":0.0})");
  CHECK(encode_float(1.5e-7) == R"({"f":1.5e-07})");
  CHECK(encode_float(1e300) == R"({"f":1e+300})");
  CHECK(encode_float(123456789.125) == R"({"f":123456789.125})");
  CHECK(encode_float(std::numeric_limits<double>::max()) == R"({"f":1.7976931348623157e+308})");
  CHECK(encode_float(-2.2250738585072014e-308) == R"({"f":-2.2250738585072014e-308})");
  CHECK(encode_float(std::numeric_limits<double>::quiet_NaN()) == R"({"f":null})");
  CHECK(encode_float(std::numeric_limits<double>::infinity()) == R"({"f":null})");
  CHECK(encode_float(-std::numeric_limits<double>::infinity()) == R"({"f":null})");
}

TEST_CASE("codec: an arena too small for the object") {
  const flow::runtime::EncoderPtr encoder = flow::runtime::make_encoder({field("s", TypeKind::String)});
  const std::vector<flow_value> values = {string_value("a string longer than the arena")};
  char buffer[32];
  flow_arena arena;
  flow_arena_init(&arena, buffer, sizeof buffer);
  arena.used = 4;  // something already there stays
  const flow_str json = flow_json_encode(encoder.get(), values.data(), &arena);
  CHECK(json.len == 0);
  CHECK(json.data != nullptr);
  CHECK(arena.out_of_space == 1);
  CHECK(arena.used == 4);

  flow_arena_init(&arena, buffer, sizeof buffer);
  const std::vector<flow_value> fits = {string_value("exactly 32 bytes, with k")};
  const flow_str exact = flow_json_encode(encoder.get(), fits.data(), &arena);
  CHECK(std::string_view(exact.data, static_cast<std::size_t>(exact.len)) == R"({"s":"exactly 32 bytes, with k"})");
  CHECK(arena.used == 32);
  CHECK(arena.out_of_space == 0);
}

TEST_CASE("codec: lists of scalars are written from evaluated values and flow_values, records and nested lists are refused") {
  using flow::runtime::eval::Value;
  auto encoder = flow::runtime::make_encoder(
      {field("user", TypeKind::String), {"pages", Type::list(Type::scalar(TypeKind::String), 20)}});
  std::vector<char> buffer(256);
  flow_arena arena;
  flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
  flow_str json = flow::runtime::encode_values(
      encoder.get(), {Value::string("ann"), Value::list({Value::string("/a"), Value::string("q\"")})}, &arena);
  CHECK(std::string(json.data, static_cast<size_t>(json.len)) == R"({"user":"ann","pages":["/a","q\""]})");
  flow_arena_reset(&arena);
  json = flow::runtime::encode_values(encoder.get(), {Value::string("bob"), Value::null()}, &arena);
  CHECK(std::string(json.data, static_cast<size_t>(json.len)) == R"({"user":"bob","pages":null})");
  // From flow_values: a list points at its elements (an empty list at none); a null list is null.
  std::string text = "cid", page = "/b";
  auto address = [](const void* p) { return static_cast<int64_t>(reinterpret_cast<intptr_t>(p)); };
  flow_value pages[2] = {{address(page.data()), 2, 0}, {0, 0, 1}};
  flow_value fields[2] = {{address(text.data()), 3, 0}, {address(pages), 2, 0}};
  flow_arena_reset(&arena);
  json = flow_json_encode(encoder.get(), fields, &arena);
  CHECK(std::string(json.data, static_cast<size_t>(json.len)) == R"({"user":"cid","pages":["/b",null]})");
  fields[1] = {0, 0, 0};
  json = flow_json_encode(encoder.get(), fields, &arena);
  CHECK(std::string(json.data, static_cast<size_t>(json.len)) == R"({"user":"cid","pages":[]})");
  fields[1] = {0, 0, 1};
  json = flow_json_encode(encoder.get(), fields, &arena);
  CHECK(std::string(json.data, static_cast<size_t>(json.len)) == R"({"user":"cid","pages":null})");
  CHECK_THROWS_AS(flow::runtime::make_encoder({{"r", Type::record({field("x", TypeKind::Int)})}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(flow::runtime::make_encoder({{"l", Type::list(Type::list(Type::scalar(TypeKind::Int), 2), 2)}}),
                  std::invalid_argument);
}

namespace {

//! A random string of up to 24 characters from every UTF-8 length, with the characters JSON
//! escapes (quotes, backslashes, control characters) over-represented.
std::string random_string(std::mt19937_64& random) {
  std::string out;
  const int length = static_cast<int>(random() % 25);
  for (int i = 0; i < length; ++i) {
    char32_t c = 0;
    switch (random() % 7) {
      case 0: c = static_cast<char32_t>(random() % 0x20); break;
      case 1: c = random() % 2 ? U'"' : U'\\'; break;
      case 2: c = static_cast<char32_t>(0x20 + random() % 0x60); break;
      case 3: c = static_cast<char32_t>(0x80 + random() % 0x780); break;
      case 4:
        do c = static_cast<char32_t>(0x800 + random() % 0xF800);
        while (c >= 0xD800 && c <= 0xDFFF);
        break;
      default: c = static_cast<char32_t>(0x10000 + random() % 0x100000); break;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

double random_double(std::mt19937_64& random) {
  for (;;) {
    double x;
    switch (random() % 3) {
      case 0: x = std::bit_cast<double>(random()); break;  // any finite double
      case 1: x = static_cast<double>(static_cast<int64_t>(random() % 2'000'001) - 1'000'000); break;
      default: x = static_cast<double>(static_cast<int64_t>(random() % 200'001) - 100'000) / 1000.0; break;
    }
    if (std::isfinite(x)) return x;
  }
}

}  // namespace

TEST_CASE("codec: encode then decode gives back the same values") {
  Schema schema;
  for (TypeKind kind :
       {TypeKind::Bool, TypeKind::Int, TypeKind::Float, TypeKind::String, TypeKind::Timestamp, TypeKind::Duration})
    for (bool nullable : {false, true})
      schema.push_back(field(Type::scalar(kind).to_string() + (nullable ? "_or_null" : ""), kind, nullable));
  const flow::runtime::EncoderPtr encoder = flow::runtime::make_encoder(schema);
  const flow::runtime::DecoderPtr decoder =
      flow::runtime::make_decoder(schema, std::vector<bool>(schema.size(), true), 1 << 16);
  std::vector<char> encode_buffer(1 << 16);
  std::vector<char> decode_buffer(1 << 16);
  flow_arena encode_arena;
  flow_arena decode_arena;
  flow_arena_init(&encode_arena, encode_buffer.data(), static_cast<int64_t>(encode_buffer.size()));
  flow_arena_init(&decode_arena, decode_buffer.data(), static_cast<int64_t>(decode_buffer.size()));

  std::mt19937_64 random(20261123);
  const std::vector<int64_t> edge_ints = {0, -1, 1, std::numeric_limits<int64_t>::min(),
                                          std::numeric_limits<int64_t>::max()};
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> strings(schema.size());
    std::vector<flow_value> values(schema.size());
    for (std::size_t i = 0; i < schema.size(); ++i) {
      const Type& type = schema[i].type;
      if (type.nullable && random() % 4 == 0) {
        values[i] = null_value();
        continue;
      }
      switch (type.kind) {
        case TypeKind::Bool: values[i] = bool_value(random() % 2 == 1); break;
        case TypeKind::Float: values[i] = float_value(random_double(random)); break;
        case TypeKind::String:
          strings[i] = random_string(random);
          values[i] = string_value(strings[i]);
          break;
        default:
          values[i] =
              int_value(random() % 8 == 0 ? edge_ints[random() % edge_ints.size()] : static_cast<int64_t>(random()));
          break;
      }
    }
    flow_arena_reset(&encode_arena);
    flow_arena_reset(&decode_arena);
    const flow_str json = flow_json_encode(encoder.get(), values.data(), &encode_arena);
    REQUIRE(encode_arena.out_of_space == 0);
    const std::string text(json.data, static_cast<std::size_t>(json.len));
    CAPTURE(text);

    std::vector<flow_value> decoded(schema.size());
    flow_str detail;
    REQUIRE(flow_json_decode(decoder.get(), text.data(), static_cast<int64_t>(text.size()), decoded.data(),
                             &decode_arena, &detail) == FLOW_DECODE_OK);
    for (std::size_t i = 0; i < schema.size(); ++i) {
      CAPTURE(schema[i].name);
      REQUIRE(decoded[i].is_null == values[i].is_null);
      if (values[i].is_null) continue;
      if (schema[i].type.kind == TypeKind::String) {
        const std::string back(reinterpret_cast<const char*>(static_cast<intptr_t>(decoded[i].bits)),
                               static_cast<std::size_t>(decoded[i].len));
        CHECK(back == strings[i]);
      } else {
        CHECK(decoded[i].bits == values[i].bits);  // doubles bit for bit, -0.0 included
      }
    }
  }
}

TEST_CASE("codec: an evaluated record of another shape than the sink's is refused, never read past its end") {
  using flow::runtime::eval::Value;
  auto encoder = flow::runtime::make_encoder({field("user", TypeKind::String), field("n", TypeKind::Int)});
  std::vector<char> buffer(256);
  flow_arena arena;
  flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
  // An aggregate's row of one field reaching a sink of two (an operator skipped): refused.
  CHECK_THROWS_AS(flow::runtime::encode_values(encoder.get(), {Value::string("ann")}, &arena), std::logic_error);
  CHECK_THROWS_AS(flow::runtime::encode_values(encoder.get(), {Value::string("ann"), Value::integer(1), Value::integer(2)}, &arena),
                  std::logic_error);
  flow_str json = flow::runtime::encode_values(encoder.get(), {Value::string("ann"), Value::integer(3)}, &arena);
  CHECK(std::string(json.data, static_cast<size_t>(json.len)) == R"({"user":"ann","n":3})");
}
