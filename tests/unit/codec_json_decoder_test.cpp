// The JSON decoder (runtime/codec/json_codec.hpp): every type, nulls and missing fields, wrong
// types, malformed and oversize records, invalid UTF-8, that only needed fields are read, and that
// a record's verdict depends on its bytes alone, not on the records one decoder read before.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <cstring>
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

//! One decode's outcome, with string values copied while the record is still alive.
struct Decoded {
  int32_t reason = -1;
  std::string detail;
  std::vector<flow_value> values;
  std::vector<std::string> strings;  // the value of every string field; empty for the others

  bool is_null(std::size_t i) const { return values.at(i).is_null != 0; }
  int64_t integer(std::size_t i) const { return values.at(i).bits; }
  double real(std::size_t i) const {
    double d;
    std::memcpy(&d, &values.at(i).bits, sizeof d);
    return d;
  }
  const std::string& text(std::size_t i) const { return strings.at(i); }
};

std::string string_of(const flow_value& value) {
  if (value.bits == 0 || value.len <= 0) return {};
  return {reinterpret_cast<const char*>(static_cast<intptr_t>(value.bits)), static_cast<std::size_t>(value.len)};
}

//! A decoder with its own arena.
class Harness {
 public:
  explicit Harness(Schema schema, std::vector<bool> needed = {}, int64_t max_record_bytes = 1 << 20,
                   std::size_t arena_bytes = 1 << 16)
      : schema_(std::move(schema)), arena_buffer_(arena_bytes) {
    if (needed.empty()) needed.assign(schema_.size(), true);
    decoder_ = flow::runtime::make_decoder(schema_, std::move(needed), max_record_bytes);
    flow_arena_init(&arena_, arena_buffer_.data(), static_cast<int64_t>(arena_bytes));
  }

  Decoded decode(std::string_view json) {
    flow_arena_reset(&arena_);
    Decoded out;
    out.values.assign(schema_.size(), flow_value{7, 7, 0});  // garbage the decoder must overwrite
    flow_str detail{"garbage", 7};
    out.reason = flow_json_decode(decoder_.get(), json.data(), static_cast<int64_t>(json.size()), out.values.data(),
                                  &arena_, &detail);
    out.detail.assign(detail.data, static_cast<std::size_t>(detail.len));
    for (std::size_t i = 0; i < schema_.size(); ++i) {
      const bool text = schema_[i].type.kind == TypeKind::String && !out.is_null(i);
      out.strings.push_back(text ? string_of(out.values[i]) : std::string());
    }
    return out;
  }

  flow_arena& arena() { return arena_; }

 private:
  Schema schema_;
  flow::runtime::DecoderPtr decoder_;
  std::vector<char> arena_buffer_;
  flow_arena arena_{};
};

Harness one_field(TypeKind kind, bool nullable = false) { return Harness({field("v", kind, nullable)}); }

constexpr int64_t int_max = std::numeric_limits<int64_t>::max();
constexpr int64_t int_min = std::numeric_limits<int64_t>::min();

}  // namespace

TEST_CASE("codec: decodes every scalar type") {
  Harness h({field("user", TypeKind::String), field("bytes", TypeKind::Int), field("ratio", TypeKind::Float),
             field("ok", TypeKind::Bool), field("ts", TypeKind::Timestamp), field("delay", TypeKind::Duration),
             field("coupon", TypeKind::String, true)});
  const Decoded d = h.decode(
      R"({"user":"u12345","bytes":5123,"ratio":0.25,"ok":true,"ts":1763892000123,"delay":-30000,"coupon":"X"})");
  REQUIRE(d.reason == FLOW_DECODE_OK);
  CHECK(d.detail.empty());
  CHECK(d.text(0) == "u12345");
  CHECK(d.integer(1) == 5123);
  CHECK(d.real(2) == 0.25);
  CHECK(d.integer(3) == 1);
  CHECK(d.integer(4) == 1763892000123);
  CHECK(d.integer(5) == -30000);
  CHECK(d.text(6) == "X");
  for (std::size_t i = 0; i < 7; ++i) CHECK_FALSE(d.is_null(i));

  const Decoded e = h.decode(R"({"user":"","bytes":-0,"ratio":-3,"ok":false,"ts":0,"delay":0,"coupon":null})");
  REQUIRE(e.reason == FLOW_DECODE_OK);
  CHECK(e.text(0).empty());
  CHECK_FALSE(e.is_null(0));
  CHECK(e.integer(1) == 0);
  CHECK(e.real(2) == -3.0);
  CHECK(e.integer(3) == 0);
  CHECK(e.is_null(6));
  CHECK(e.values[6].bits == 0);
  CHECK(e.values[6].len == 0);
}

TEST_CASE("codec: int and float limits") {
  Harness ints = one_field(TypeKind::Int);
  CHECK(ints.decode(R"({"v":9223372036854775807})").integer(0) == int_max);
  CHECK(ints.decode(R"({"v":-9223372036854775808})").integer(0) == int_min);
  Harness floats = one_field(TypeKind::Float);
  CHECK(floats.decode(R"({"v":1.7976931348623157e308})").real(0) == std::numeric_limits<double>::max());
  CHECK(floats.decode(R"({"v":5e-324})").real(0) == std::numeric_limits<double>::denorm_min());
  CHECK(floats.decode(R"({"v":1e-400})").real(0) == 0.0);                           // underflow is zero, not an error
  CHECK(floats.decode(R"({"v":9007199254740993})").real(0) == 9007199254740992.0);  // nearest double
  CHECK(floats.decode(R"({"v":123456789012345678901234567890})").reason == FLOW_DECODE_OK);
}

TEST_CASE("codec: numbers out of range") {
  for (const char* json :
       {R"({"v":9223372036854775808})", R"({"v":-9223372036854775809})", R"({"v":123456789012345678901234567890})"}) {
    CAPTURE(json);
    const Decoded d = one_field(TypeKind::Int).decode(json);
    CHECK(d.reason == FLOW_DECODE_OUT_OF_RANGE);
    CHECK(d.detail.find("field `v`") != std::string::npos);
    CHECK(d.detail.find("does not fit a 64-bit integer") != std::string::npos);
  }
  CHECK(one_field(TypeKind::Timestamp).decode(R"({"v":99999999999999999999})").reason == FLOW_DECODE_OUT_OF_RANGE);
  CHECK(one_field(TypeKind::Duration).decode(R"({"v":-99999999999999999999})").reason == FLOW_DECODE_OUT_OF_RANGE);
  const Decoded big = one_field(TypeKind::Float).decode(R"({"v":-1e400})");
  CHECK(big.reason == FLOW_DECODE_OUT_OF_RANGE);
  CHECK(big.detail == "field `v`: `-1e400` does not fit a 64-bit float");
}

TEST_CASE("codec: absent and null fields") {
  Harness h({field("a", TypeKind::Int, true), field("b", TypeKind::String, true), field("c", TypeKind::Int)});
  const Decoded d = h.decode(R"({"c":1})");
  REQUIRE(d.reason == FLOW_DECODE_OK);
  CHECK(d.is_null(0));
  CHECK(d.is_null(1));
  CHECK(d.values[0].bits == 0);
  CHECK(d.integer(2) == 1);
  CHECK(h.decode(R"({"a":null,"b":null,"c":2})").is_null(1));

  const Decoded missing = h.decode(R"({"a":1})");
  CHECK(missing.reason == FLOW_DECODE_MISSING_FIELD);
  CHECK(missing.detail == "field `c` is missing, and its type `int` is not nullable");
  const Decoded null = h.decode(R"({"c":null})");
  CHECK(null.reason == FLOW_DECODE_MISSING_FIELD);
  CHECK(null.detail == "field `c` is null, and its type `int` is not nullable");
  CHECK(h.decode("{}").reason == FLOW_DECODE_MISSING_FIELD);
  for (TypeKind kind : {TypeKind::Bool, TypeKind::Float, TypeKind::String, TypeKind::Timestamp, TypeKind::Duration})
    CHECK(one_field(kind).decode(R"({"v":null})").reason == FLOW_DECODE_MISSING_FIELD);
}

TEST_CASE("codec: a value of the wrong type names the field") {
  Harness h({field("bytes", TypeKind::Int)});
  const Decoded d = h.decode(R"({"bytes":"5123"})");
  CHECK(d.reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(d.detail == "field `bytes`: expected an integer, found a string");
  CHECK(h.decode(R"({"bytes":[1]})").detail == "field `bytes`: expected an integer, found an array");
  CHECK(h.decode(R"({"bytes":{"n":1}})").detail == "field `bytes`: expected an integer, found an object");
  CHECK(h.decode(R"({"bytes":true})").detail == "field `bytes`: expected an integer, found a boolean");

  // An int never takes a float, even an integral one: no silent truncation.
  const Decoded fraction = h.decode(R"({"bytes":5.0})");
  CHECK(fraction.reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(fraction.detail == "field `bytes`: expected an integer, found `5.0`");
  CHECK(h.decode(R"({"bytes":1e3})").reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(h.decode(R"({"bytes":-0.5})").reason == FLOW_DECODE_WRONG_TYPE);

  CHECK(one_field(TypeKind::Float).decode(R"({"v":"1.5"})").detail == "field `v`: expected a number, found a string");
  CHECK(one_field(TypeKind::Bool).decode(R"({"v":1})").detail ==
        "field `v`: expected `true` or `false`, found a number");
  CHECK(one_field(TypeKind::Bool).decode(R"({"v":"true"})").reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(one_field(TypeKind::String).decode(R"({"v":5})").detail == "field `v`: expected a string, found a number");
  CHECK(one_field(TypeKind::String).decode(R"({"v":null})").reason == FLOW_DECODE_MISSING_FIELD);
  CHECK(one_field(TypeKind::Duration).decode(R"({"v":"30s"})").reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(one_field(TypeKind::Timestamp).decode(R"({"v":true})").detail ==
        "field `v`: expected a timestamp (integer milliseconds or an RFC 3339 string), found a boolean");
  CHECK(one_field(TypeKind::Timestamp).decode(R"({"v":1763892000123.5})").reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(one_field(TypeKind::Int, true).decode(R"({"v":"1"})").reason == FLOW_DECODE_WRONG_TYPE);  // null is not "1"
}

TEST_CASE("codec: strings and their escapes") {
  Harness h = one_field(TypeKind::String);
  CHECK(h.decode(R"({"v":"a\nb"})").text(0) == "a\nb");
  CHECK(h.decode(R"({"v":"say \"hi\""})").text(0) == "say \"hi\"");
  CHECK(h.decode(R"({"v":"back\\slash\/"})").text(0) == "back\\slash/");
  CHECK(h.decode(R"({"v":"\t\r\b\f"})").text(0) == "\t\r\b\f");
  CHECK(h.decode(R"({"v":"caf\u00e9"})").text(0) == "caf\xC3\xA9");
  CHECK(h.decode(R"({"v":"\u65e5\u672c"})").text(0) == "\xE6\x97\xA5\xE6\x9C\xAC");
  CHECK(h.decode(R"({"v":"\ud83d\ude00!"})").text(0) == "\xF0\x9F\x98\x80!");  // a surrogate pair
  CHECK(h.decode(R"({"v":"\u0000"})").text(0) == std::string("\0", 1));
  CHECK(h.decode("{\"v\":\"h\xC3\xA9llo \xF0\x9F\x98\x80\"}").text(0) == "h\xC3\xA9llo \xF0\x9F\x98\x80");

  const Decoded bad = h.decode(R"({"v":"\q"})");
  CHECK(bad.reason == FLOW_DECODE_MALFORMED_JSON);
  CHECK(bad.detail == "field `v`: the string has an invalid escape sequence");
  CHECK(h.decode(R"({"v":"\u12"})").reason == FLOW_DECODE_MALFORMED_JSON);
}

TEST_CASE("codec: a string without escapes points into the record, one with escapes into the arena") {
  Harness h({field("a", TypeKind::String), field("b", TypeKind::String)});
  const std::string json = R"({"a":"plain","b":"esc\naped"})";
  const Decoded d = h.decode(json);
  REQUIRE(d.reason == FLOW_DECODE_OK);
  const auto* a = reinterpret_cast<const char*>(static_cast<intptr_t>(d.values[0].bits));
  const auto* b = reinterpret_cast<const char*>(static_cast<intptr_t>(d.values[1].bits));
  CHECK(a == json.data() + 6);
  CHECK(b >= h.arena().buffer);
  CHECK(b < h.arena().buffer + h.arena().used);
  CHECK(h.arena().used == 8);  // the unescaped string and nothing else
}

TEST_CASE("codec: an arena too small for an unescaped string sets out_of_space") {
  Harness h({field("v", TypeKind::String)}, {}, 1 << 20, 4);
  const Decoded d = h.decode(R"({"v":"longer\nthan four"})");
  CHECK(d.reason == FLOW_DECODE_OK);
  CHECK(d.text(0).empty());
  CHECK(h.arena().out_of_space == 1);
  // A failure's detail that does not fit is empty; the reason is still right.
  const Decoded failed = h.decode(R"({"v":1})");
  CHECK(failed.reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(failed.detail.empty());
}

TEST_CASE("codec: malformed JSON") {
  Harness h({field("n", TypeKind::Int, true)});
  const std::vector<std::string_view> malformed = {
      "",                         // empty
      "   \n",                    // only blanks
      R"({"n":1)",                // truncated
      R"({"n":)",                 // truncated after the colon
      R"({"n")",                  // truncated after the key
      R"({"n":1,)",               // truncated after a comma
      R"({"s":"abc)",             // truncated inside a string
      R"({"n":1,"m":{"a":[1,2)",  // truncated inside a skipped value
      R"({)",
      R"([1,2])",  // not an object
      R"(42)",
      R"("text")",
      R"(null)",
      R"(true)",
      R"({"n":1} x)",       // trailing garbage
      R"({"n":1}{"n":2})",  // two objects
      R"({"n":1},)",
      R"({"n" 1})",        // missing colon
      R"({"n":1 "m":2})",  // missing comma
      R"({n:1})",          // unquoted key
      R"({"n":1,})",       // trailing comma
      R"({"n":01})",       // a needed number that is not JSON
      R"({"n":12x})",
      R"({"n":-})",
      R"({"n":nul})",
      "{\"s\":\"a\x01z\"}",  // an unescaped control character, even in a field not needed
  };
  for (std::string_view json : malformed) {
    CAPTURE(json);
    const Decoded d = h.decode(json);
    CHECK(d.reason == FLOW_DECODE_MALFORMED_JSON);
    CHECK_FALSE(d.detail.empty());
  }
  CHECK(h.decode("").detail == "the record is empty");
  CHECK(h.decode("[1,2]").detail == "expected a JSON object, found an array");
  CHECK(h.decode(R"({"n":1} x)").detail ==
        "the record is not valid JSON: the record does not end with the object's closing `}` (truncated, or more "
        "after it?)");
  CHECK(h.decode(R"({"n":1}{"n":2})").detail == "the record goes on after its JSON object (at byte 7)");
  CHECK(h.decode(R"({"n":01})").detail == "field `n`: `01` is not valid JSON");
  CHECK(one_field(TypeKind::Bool).decode(R"({"v":tru})").reason == FLOW_DECODE_MALFORMED_JSON);

  // Blanks around and inside are fine.
  const Decoded spaced = h.decode(" \t{ \"n\" :\n 7 , \"m\" : [ ] }\r\n ");
  CHECK(spaced.reason == FLOW_DECODE_OK);
  CHECK(spaced.integer(0) == 7);
}

TEST_CASE("codec: invalid UTF-8 is its own reason") {
  Harness h({field("user", TypeKind::String), field("agent", TypeKind::String, true)}, {true, false});
  const Decoded d = h.decode("{\"user\":\"ab\xC3\x28\"}");  // 0xC3 starts a sequence that 0x28 does not continue
  CHECK(d.reason == FLOW_DECODE_INVALID_UTF8);
  CHECK(d.detail == "field `user`: the value is not valid UTF-8 (byte 0xC3 at offset 11 of the record)");
  for (std::string_view json : {std::string_view("{\"user\":\"\xC0\xAF\"}"),          // overlong `/`
                                std::string_view("{\"user\":\"\xED\xA0\x80\"}"),      // an encoded surrogate
                                std::string_view("{\"user\":\"\xF4\x90\x80\x80\"}"),  // beyond U+10FFFF
                                std::string_view("{\"user\":\"\xE2\x82\"}"),          // cut short
                                std::string_view("{\"user\":\"\x80\"}"),              // a lone continuation byte
                                std::string_view("{\"user\":\"\xFF\"}")}) {
    CAPTURE(json);
    CHECK(h.decode(json).reason == FLOW_DECODE_INVALID_UTF8);
  }
  // An escape that decodes to a lone surrogate has no UTF-8 form either.
  const Decoded lone = h.decode(R"({"user":"a\ud800b"})");
  CHECK(lone.reason == FLOW_DECODE_INVALID_UTF8);
  CHECK(lone.detail == "field `user`: the string is not valid UTF-8 (`\\ud800` is a lone surrogate)");
  CHECK(h.decode(R"({"user":"\udc00"})").reason == FLOW_DECODE_INVALID_UTF8);
  CHECK(h.decode(R"({"user":"\ud800\u0041"})").reason == FLOW_DECODE_INVALID_UTF8);

  // Invalid bytes where the decoder does not read are no reason to drop the record.
  const Decoded elsewhere = h.decode("{\"agent\":\"\xC3\x28\",\"user\":\"ok\",\"x\xFF\":1}");
  CHECK(elsewhere.reason == FLOW_DECODE_OK);
  CHECK(elsewhere.text(0) == "ok");
  CHECK(elsewhere.is_null(1));
  // ... and the next record, valid again, decodes as usual.
  CHECK(h.decode(R"({"user":"v"})").text(0) == "v");

  Harness ts = one_field(TypeKind::Timestamp);
  CHECK(ts.decode("{\"v\":\"2026-11-23T10:15:30Z\xFF\"}").reason == FLOW_DECODE_INVALID_UTF8);
  CHECK(ts.decode("{\"v\":12\xFF}").reason == FLOW_DECODE_INVALID_UTF8);  // outside a string, but in a needed value
  // Outside any value, an invalid byte is not JSON.
  CHECK(ts.decode("{\"v\":12,\xFF}").reason == FLOW_DECODE_MALFORMED_JSON);
}

TEST_CASE("codec: records larger than the maximum are refused unparsed") {
  Harness h({field("s", TypeKind::String)}, {}, 16);
  const std::string fits = R"({"s":"123456789"})";  // 17 bytes
  CHECK(fits.size() == 17);
  const Decoded d = h.decode(fits);
  CHECK(d.reason == FLOW_DECODE_TOO_LARGE);
  CHECK(d.detail == "the record is 17 bytes, more than the maximum of 16");
  CHECK(h.decode("{\"s\":\"12345678\"}").reason == FLOW_DECODE_OK);              // exactly 16
  CHECK(h.decode("xxxxxxxxxxxxxxxxxxxxxxxxx").reason == FLOW_DECODE_TOO_LARGE);  // not even looked at
}

TEST_CASE("codec: records of growing size reuse the decoder") {
  Harness h({field("s", TypeKind::String), field("n", TypeKind::Int)});
  for (std::size_t size : {10u, 100'000u, 20u, 300'000u, 5u}) {
    const std::string text(size, 'x');
    const Decoded d = h.decode(R"({"s":")" + text + R"(","n":)" + std::to_string(size) + "}");
    REQUIRE(d.reason == FLOW_DECODE_OK);
    CHECK(d.text(0) == text);
    CHECK(d.integer(1) == static_cast<int64_t>(size));
  }
}

TEST_CASE("codec: timestamps as integers and as RFC 3339 strings") {
  Harness h = one_field(TypeKind::Timestamp);
  CHECK(h.decode(R"({"v":1763892000123})").integer(0) == 1763892000123);
  CHECK(h.decode(R"({"v":-1})").integer(0) == -1);
  CHECK(h.decode(R"({"v":"2026-11-23T10:15:30Z"})").integer(0) == 1795428930000);
  CHECK(h.decode(R"({"v":"2026-11-23T10:15:30.123Z"})").integer(0) == 1795428930123);
  CHECK(h.decode(R"({"v":"2026-11-23T10:15:30+01:00"})").integer(0) == 1795425330000);
  CHECK(h.decode(R"({"v":"2026-11-23T10:15:30-05:30"})").integer(0) == 1795448730000);
  CHECK(h.decode(R"({"v":"2026-11-23T10:15:30\u005a"})").integer(0) == 1795428930000);  // an escaped `Z`

  const Decoded bad = h.decode(R"({"v":"2026-02-30T10:15:30Z"})");
  CHECK(bad.reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(bad.detail == "field `v`: `\"2026-02-30T10:15:30Z\"` is not an RFC 3339 timestamp: that day does not exist "
                      "in that month (or send integer milliseconds)");
  CHECK(h.decode(R"({"v":"yesterday"})").reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(h.decode(R"({"v":""})").reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(h.decode(R"({"v":"1763892000123"})").reason == FLOW_DECODE_WRONG_TYPE);  // digits in a string are not ms
}

TEST_CASE("codec: only needed fields are read") {
  Harness h({field("user", TypeKind::String),
             field("bytes", TypeKind::Int),
             field("ts", TypeKind::Timestamp),
             {"tags", Type::list(Type::scalar(TypeKind::String), 10)},
             field("agent", TypeKind::String)},
            {true, false, true, false, false});
  // `bytes` and `agent` have the wrong types and `tags` is no list: none of them is needed.
  const Decoded d = h.decode(R"({"user":"u1","bytes":"many","ts":5,"tags":{"x":[1,{"y":null}]},"agent":tru})");
  REQUIRE(d.reason == FLOW_DECODE_OK);
  CHECK(d.text(0) == "u1");
  CHECK(d.integer(2) == 5);
  CHECK(d.is_null(1));  // present, but not needed: left null
  CHECK(d.is_null(3));
  CHECK(d.is_null(4));
  // A field that is not needed may be missing even if its type is not nullable.
  CHECK(h.decode(R"({"user":"u1","ts":5})").reason == FLOW_DECODE_OK);
}

TEST_CASE("codec: unknown keys are ignored, and a field a query reads that comes twice is a dead letter") {
  Harness h({field("n", TypeKind::Int), field("unread", TypeKind::Int)}, {true, false});
  const Decoded d = h.decode(R"({"x":1,"n":1,"y":[],"x":2,"unread":1,"unread":2})");  // repeats of unread keys
  REQUIRE(d.reason == FLOW_DECODE_OK);
  CHECK(d.integer(0) == 1);
  // Two values for a field a query reads: neither is guessed (Jackson keeps the last, simdjson the first).
  const Decoded twice = h.decode(R"({"x":1,"n":1,"y":[],"n":"second"})");
  CHECK(twice.reason == FLOW_DECODE_MALFORMED_JSON);
  CHECK(twice.detail == "field `n` appears twice in the record; which value is meant is ambiguous");
  CHECK(h.decode(R"({"n":1,"\u006e":2})").reason == FLOW_DECODE_MALFORMED_JSON);  // the same key, escaped
  // A truncated record that repeats a key is reported as truncated: that is what is wrong with it.
  const Decoded truncated = h.decode(R"({"n":1,"n":2,"y":[)");
  CHECK(truncated.reason == FLOW_DECODE_MALFORMED_JSON);
  CHECK(truncated.detail.find("twice") == std::string::npos);
  CHECK(h.decode(R"({"N":1})").reason == FLOW_DECODE_MISSING_FIELD);  // keys are case-sensitive
  CHECK(h.decode(R"({"\u006e":3})").integer(0) == 3);                 // and compared unescaped
  CHECK(h.decode(R"({"n\"":3,"n":4})").integer(0) == 4);
}

TEST_CASE("codec: a UTF-8 byte-order mark is ignored, a UTF-16 or UTF-32 one names the encoding") {
  Harness h({field("n", TypeKind::Int)});
  const Decoded d = h.decode("\xEF\xBB\xBF{\"n\":7}");
  REQUIRE(d.reason == FLOW_DECODE_OK);
  CHECK(d.integer(0) == 7);
  const Decoded only = h.decode("\xEF\xBB\xBF");
  CHECK(only.reason == FLOW_DECODE_MALFORMED_JSON);
  CHECK(only.detail == "the record is only a byte-order mark");
  for (const char* wide : {"\xFE\xFF\x00{", "\xFF\xFE{\x00"}) {
    const Decoded utf16 = h.decode(std::string(wide, 4));
    CHECK(utf16.reason == FLOW_DECODE_MALFORMED_JSON);
    CHECK(utf16.detail == "the record starts with a UTF-16 or UTF-32 byte-order mark; JSON records must be UTF-8");
  }
}

TEST_CASE("codec: keys match names exactly, whatever their length") {
  const std::string long_name = "a_field_name_longer_than_sixteen_bytes";
  Harness h({field("user", TypeKind::Int, true), field("sixteen_bytes_ab", TypeKind::Int, true),
             field(long_name, TypeKind::Int, true)});
  const Decoded d =
      h.decode(R"({"use":1,"users":2,"User":3,"sixteen_bytes_a":4,"sixteen_bytes_abc":5,)"
               R"("a_field_name_longer_than_sixteen_byte":6,"a_field_name_longer_than_sixteen_bytess":7})");
  REQUIRE(d.reason == FLOW_DECODE_OK);
  for (std::size_t i = 0; i < 3; ++i) CHECK(d.is_null(i));
  const Decoded e = h.decode(
      R"({")" + long_name + R"(":30,"sixteen_bytes_ab":20,"user":10})");
  REQUIRE(e.reason == FLOW_DECODE_OK);
  CHECK(e.integer(0) == 10);
  CHECK(e.integer(1) == 20);
  CHECK(e.integer(2) == 30);
  // The escaped spelling of the same long key is the same key: twice.
  CHECK(h.decode(R"({")" + long_name + R"(":30,"a_field_name_\u006conger_than_sixteen_bytes":0})").reason ==
        FLOW_DECODE_MALFORMED_JSON);
  // A short key at the very end of a record: matching reads no further than the padding allows.
  CHECK(h.decode(R"({"u":1})").reason == FLOW_DECODE_OK);
}

TEST_CASE("codec: a wide schema, more needed fields than bits in a word") {
  Schema schema;
  std::string json = "{";
  for (int i = 0; i < 70; ++i) {
    schema.push_back(field("f" + std::to_string(i), TypeKind::Int));
    json += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":" + std::to_string(i * 10);
  }
  Harness h(schema);
  const Decoded d = h.decode(json + "}");
  REQUIRE(d.reason == FLOW_DECODE_OK);
  const Decoded again = h.decode(json + ",\"f67\":\"again\"}");  // a repeated key past the 64th
  CHECK(again.detail == "field `f67` appears twice in the record; which value is meant is ambiguous");
  for (std::size_t i = 0; i < 70; ++i) CHECK(d.integer(i) == static_cast<int64_t>(i) * 10);
  const std::size_t cut = json.find(",\"f68\"");
  const Decoded missing = h.decode(json.substr(0, cut) + json.substr(json.find(",\"f69\"")) + "}");
  CHECK(missing.reason == FLOW_DECODE_MISSING_FIELD);
  CHECK(missing.detail == "field `f68` is missing, and its type `int` is not nullable");
}

TEST_CASE("codec: keys in any order") {
  Harness h({field("a", TypeKind::Int), field("b", TypeKind::Int), field("c", TypeKind::Int)});
  for (const char* json : {R"({"a":1,"b":2,"c":3})", R"({"c":3,"b":2,"a":1})", R"({"b":2,"z":0,"c":3,"a":1})"}) {
    CAPTURE(json);
    const Decoded d = h.decode(json);
    REQUIRE(d.reason == FLOW_DECODE_OK);
    CHECK(d.integer(0) == 1);
    CHECK(d.integer(1) == 2);
    CHECK(d.integer(2) == 3);
  }
}

TEST_CASE("codec: make_decoder refuses what it cannot decode") {
  const Schema with_list = {field("user", TypeKind::String), {"tags", Type::list(Type::scalar(TypeKind::String), 10)}};
  CHECK_NOTHROW(flow::runtime::make_decoder(with_list, {true, true}, 1024));  // a list of scalars it reads
  const Schema nested = {{"tags", Type::list(Type::list(Type::scalar(TypeKind::String), 0), 0)}};
  CHECK_NOTHROW(flow::runtime::make_decoder(nested, {false}, 1024));
  try {
    flow::runtime::make_decoder(nested, {true}, 1024);
    FAIL("a needed list of lists must be refused");
  } catch (const std::invalid_argument& error) {
    CHECK(std::string(error.what()).find("source field `tags`") != std::string::npos);
    CHECK(std::string(error.what()).find("list<list<string>>") != std::string::npos);
  }
  CHECK_THROWS_AS(flow::runtime::make_decoder(with_list, {true}, 1024), std::invalid_argument);
  CHECK_THROWS_AS(flow::runtime::make_decoder(with_list, {true, false}, 0), std::invalid_argument);
  CHECK_THROWS_AS(flow::runtime::make_decoder({field("a", TypeKind::Int), field("a", TypeKind::Int)}, {true, true}, 64),
                  std::invalid_argument);
  CHECK_THROWS_AS(flow::runtime::make_decoder({{"r", Type::record({field("x", TypeKind::Int)})}}, {false}, 64),
                  std::invalid_argument);
  CHECK_THROWS_AS(flow::runtime::make_decoder({field("a\"b", TypeKind::Int)}, {true}, 64), std::invalid_argument);
}

TEST_CASE("codec: a schema with no needed field still checks the record") {
  Harness h({field("a", TypeKind::Int)}, {false});
  CHECK(h.decode(R"({"a":"x"})").reason == FLOW_DECODE_OK);
  CHECK(h.decode(R"({"a":1)").reason == FLOW_DECODE_MALFORMED_JSON);
  CHECK(h.decode(R"([])").reason == FLOW_DECODE_MALFORMED_JSON);
}

TEST_CASE("codec: decode reasons in words") {
  CHECK(flow::runtime::decode_reason_text(FLOW_DECODE_OK) == "ok");
  CHECK(flow::runtime::decode_reason_text(FLOW_DECODE_MALFORMED_JSON) == "malformed JSON");
  CHECK(flow::runtime::decode_reason_text(FLOW_DECODE_MISSING_FIELD) == "missing field");
  CHECK(flow::runtime::decode_reason_text(FLOW_DECODE_WRONG_TYPE) == "wrong type");
  CHECK(flow::runtime::decode_reason_text(FLOW_DECODE_INVALID_UTF8) == "invalid UTF-8");
  CHECK(flow::runtime::decode_reason_text(FLOW_DECODE_TOO_LARGE) == "record too large");
  CHECK(flow::runtime::decode_reason_text(FLOW_DECODE_OUT_OF_RANGE) == "number out of range");
  CHECK(flow::runtime::decode_reason_text(99) == "unknown decode failure");
}

namespace {

//! The benchmark's clicks (bench/codec): the schema, and the same schema with `agent` declared.
Schema clicks_schema() {
  return {field("user", TypeKind::String), field("url", TypeKind::String), field("bytes", TypeKind::Int),
          field("ts", TypeKind::Timestamp)};
}
Schema clicks_with_agent_schema() {
  Schema schema = clicks_schema();
  schema.push_back(field("agent", TypeKind::String));
  return schema;
}

//! All a decode decided, as one comparable line: the reason, the detail and every field (strings
//! by their bytes, since one decoder may point into the record where another copies).
std::string outcome(const Decoded& d, const Schema& schema) {
  std::string text = fmt::format("{} `{}`", d.reason, d.detail);
  for (std::size_t i = 0; i < schema.size(); ++i) {
    if (d.is_null(i))
      text += " null";
    else if (schema[i].type.kind == TypeKind::String)
      text += fmt::format(" \"{}\"", d.text(i));
    else
      text += fmt::format(" {}", d.integer(i));
  }
  return text;
}

//! `{`, blanks and `}`, `size` bytes in all: decoded just before a record of `size - 1` bytes, it
//! leaves its `}` where that record's padding starts.
std::string brace_at(std::size_t size) { return "{" + std::string(size - 2, ' ') + "}"; }

//! A realistic click record, as bench/codec/decode_bench.cpp makes them.
std::string random_click(std::mt19937_64& random) {
  static const char* const paths[] = {"/products/123?ref=home", "/cart",   "/checkout/step-2",
                                      "/search?q=red+shoes",    "/health", "/products/98765/reviews?page=3"};
  static const char* const agents[] = {
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "curl/8.4.0"};
  return fmt::format(R"({{"user":"u{:05}","url":"{}","bytes":{},"ts":{},"agent":"{}"}})", random() % 100'000,
                     paths[random() % 6], random() % 100'000, 1763892000123 + static_cast<int64_t>(random() % 100'000),
                     agents[random() % 3]);
}

//! `record` with 1 to 3 of its bytes among `{}[]",:` deleted, or such bytes inserted anywhere.
std::string mutated(std::string record, std::mt19937_64& random) {
  static constexpr std::string_view significant = "{}[]\",:";
  for (int mutations = 1 + static_cast<int>(random() % 3); mutations > 0; --mutations) {
    if (random() % 2 == 0) {
      std::vector<std::size_t> candidates;
      for (std::size_t i = 0; i < record.size(); ++i)
        if (significant.find(record[i]) != std::string_view::npos) candidates.push_back(i);
      if (!candidates.empty()) record.erase(candidates[random() % candidates.size()], 1);
    } else {
      record.insert(record.begin() + static_cast<std::ptrdiff_t>(random() % (record.size() + 1)),
                    significant[random() % significant.size()]);
    }
  }
  return record;
}

}  // namespace

TEST_CASE("codec: a value that does not start like a JSON value is malformed, even where nothing reads it") {
  // simdjson's on-demand parser, skipping a value nobody reads, takes a `,` or `:` there for the
  // start of an array, a `}` or `]` for an empty value and `"q":` for a key.
  const std::vector<std::string_view> malformed = {
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"x":,1,{"a":"b"}]})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"z":"q":[]}})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"x":}})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"x":]})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"x"::[]}})",
      R"({"user":"a","x":,"url":"/x","bytes":1,"ts":5})",
      R"({"user":"a","x":],"url":"/x","bytes":1,"ts":5,"y":[})",
      R"({"url":"/x","bytes":1,"ts":5,"user":"a":[]}})",  // a needed string, then a colon
      R"({"user":"a","url":"/x","bytes":1,"ts":"2026-11-23T10:15:30Z":{}}})",
      R"({"user":"a","url":"/x","bytes":1,"ts":"2026-11-23T10:15:30\u005a":{}}})",
  };
  Harness all(clicks_schema());
  Harness two(clicks_schema(), {false, true, true, false});  // url and bytes
  Harness none(clicks_schema(), {false, false, false, false});
  for (std::string_view json : malformed) {
    CAPTURE(json);
    for (Harness* h : {&all, &two, &none}) {
      const Decoded d = h->decode(json);
      CHECK(d.reason == FLOW_DECODE_MALFORMED_JSON);
      CHECK_FALSE(d.detail.empty());
    }
  }
  CHECK(all.decode(R"({"x":,"user":"a","url":"/x","bytes":1,"ts":5})").detail ==
        "the record is not valid JSON: a value is missing at byte 5");
  CHECK(all.decode(R"({"user":"a","z":"q":1,"url":"/x","bytes":1,"ts":5})").detail ==
        "the record is not valid JSON: a `:` after a value at byte 19");
  // What is inside a skipped array or object, and a skipped scalar, is still not looked at.
  const std::string_view lenient = R"({"x":tru,"y":[1 2},"z":{"a" 1 : ,},"user":"a","url":"/x","bytes":1,"ts":5})";
  CHECK(all.decode(lenient).reason == FLOW_DECODE_OK);
  CHECK(two.decode(lenient).reason == FLOW_DECODE_OK);
}

TEST_CASE("codec: a bracket that never closes is malformed JSON, whatever else is wrong") {
  Harness h(clicks_schema());
  const std::vector<std::string_view> unbalanced = {
      R"({"user":[,"url":"/x","bytes":1,"ts":5})",                         // and `user` is no string
      R"({"user":"a","url":"/x","bytes":"x","ts":5,"y":[})",               // and `bytes` is no integer
      R"({"user":"a","url":"/x","bytes":99999999999999999999,"ts":5,"y":{"z":[1}})",  // out of range
      R"({"user":null,"url":"/x","bytes":1,"ts":5,"y":[})",                // null
      R"({"user":"a","url":"/x","bytes":1,"ts":"yesterday","y":[[]})",     // no timestamp
      "{\"user\":\"a\xFF\",\"url\":\"/x\",\"bytes\":1,\"ts\":5,\"y\":[}",  // invalid UTF-8
      R"({"user":5,"url":"/x","bytes":1,"ts":5]})",                        // a bracket closed twice
  };
  for (std::string_view json : unbalanced) {
    CAPTURE(json);
    const Decoded d = h.decode(json);
    CHECK(d.reason == FLOW_DECODE_MALFORMED_JSON);
    CHECK_FALSE(d.detail.empty());
  }
  CHECK(h.decode(R"({"user":[,"url":"/x","bytes":1,"ts":5})").detail ==
        "the record is not valid JSON: a `[` or `{` is never closed (truncated?)");
  CHECK(h.decode(R"({"user":5,"url":"/x","bytes":1,"ts":5]})").detail ==
        "the record is not valid JSON: a `]` or `}` closes nothing");
  // Brackets that balance: the first problem in the record decides.
  CHECK(h.decode(R"({"user":5,"url":"/x","bytes":1,"ts":5,"x":[1 2}})").reason == FLOW_DECODE_WRONG_TYPE);
}

TEST_CASE("codec: a record's verdict depends on its bytes alone, not on the records decoded before") {
  const std::vector<std::string> records = {
      R"({"user":[,"url":"/x","bytes":1,"ts":5})",
      R"({"user":"a","url":"/x","bytes":"x","ts":5,"y":[})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"x":,1,{"a":"b"}]})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"z":"q":[]}})",
      R"({"x":,"user":"a","url":"/x","bytes":1,"ts":5})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"y":{"z":1})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5}})",
      R"({"user":"a","url":"/x","bytes":1})",
      R"({"user":"a","url":"/x","bytes":1,"ts":5,"agent":"\u0041"})",
  };
  const std::string longest = R"({"user":")" + std::string(300, 'u') + R"(","url":"/x","bytes":1,"ts":5})";
  const std::string shortest = R"({"user":"a","url":"/x","bytes":1,"ts":5})";
  for (const std::vector<bool>& needed : {std::vector<bool>{true, true, true, true}, {false, true, true, false}}) {
    Harness reused(clicks_schema(), needed);
    for (const std::string& json : records) {
      CAPTURE(json);
      const std::string fresh = outcome(Harness(clicks_schema(), needed).decode(json), clicks_schema());
      // After a longer record, after one whose `}` lies just past this one, after a shorter one.
      for (const std::string& before : {longest, brace_at(json.size() + 1), shortest}) {
        CAPTURE(before);
        reused.decode(before);
        CHECK(outcome(reused.decode(json), clicks_schema()) == fresh);
      }
    }
  }
}

TEST_CASE("codec: mutated click records decode alike with a reused and with a fresh decoder") {
  // Mutants of realistic records, each decoded by a decoder that has read other records (the
  // original, and sometimes a record one byte longer than the mutant) and by a fresh one.
  std::mt19937_64 random(20261124);
  const std::vector<bool> all_needed(5, true);  // every key of the records
  const std::vector<bool> two_needed = {false, true, true, false, false};  // url and bytes
  const Schema schema = clicks_with_agent_schema();
  Harness all(schema, all_needed);
  Harness two(schema, two_needed);
  simdjson::dom::parser strict;
  int failures = 0;
  int decoded = 0;
  int malformed = 0;
  for (int round = 0; round < 3000 && failures < 5; ++round) {
    const std::string original = random_click(random);
    const std::string json = mutated(original, random);
    const bool longer_before = random() % 2 == 0;
    CAPTURE(original);
    CAPTURE(json);
    for (const bool every_field : {true, false}) {
      Harness& reused = every_field ? all : two;
      reused.decode(original);
      if (longer_before) reused.decode(brace_at(json.size() + 1));
      const Decoded d = reused.decode(json);
      const Decoded fresh = Harness(schema, every_field ? all_needed : two_needed).decode(json);
      const bool same = outcome(d, schema) == outcome(fresh, schema);
      CHECK_MESSAGE(same, "reused: ", outcome(d, schema), "\n  fresh: ", outcome(fresh, schema));
      // With every key of the records needed, what decodes was read whole: it is valid JSON.
      simdjson::dom::element root;
      const bool valid = strict.parse(json).get(root) == simdjson::SUCCESS;
      if (every_field) CHECK_MESSAGE((d.reason != FLOW_DECODE_OK || valid), "decoded, but not valid JSON");
      if (!same || (every_field && d.reason == FLOW_DECODE_OK && !valid)) ++failures;
      decoded += d.reason == FLOW_DECODE_OK;
      malformed += d.reason == FLOW_DECODE_MALFORMED_JSON;
    }
  }
  CHECK(failures == 0);
  CHECK(decoded > 400);     // of the 6,000 decodes, some still decode (814 with this seed),
  CHECK(malformed > 4000);  // most are malformed (5,002)
}

namespace {

//! The elements of list field `i` of the last decode (alive until the next one) as text.
std::vector<std::string> elements_of(const Decoded& d, std::size_t i, TypeKind element) {
  std::vector<std::string> out;
  const flow_value& list = d.values.at(i);
  const auto* items = reinterpret_cast<const flow_value*>(static_cast<intptr_t>(list.bits));
  for (int64_t e = 0; e < list.len; ++e)
    out.push_back(items[e].is_null                 ? std::string("null")
                  : element == TypeKind::String    ? string_of(items[e])
                                                   : std::to_string(items[e].bits));
  return out;
}

using Texts = std::vector<std::string>;

}  // namespace

TEST_CASE("codec: list fields are JSON arrays of their element type, elements in the arena") {
  Harness h({field("id", TypeKind::Int), {"tags", Type::list(Type::scalar(TypeKind::String), 0)},
             {"scores", Type::list(Type::scalar(TypeKind::Int, true), 0).as_nullable()}});
  const std::string json = R"({"id":1,"tags":["a","b\u00e9",""],"scores":[1,null,-3]})";
  Decoded d = h.decode(json);
  REQUIRE(d.reason == FLOW_DECODE_OK);
  CHECK(elements_of(d, 1, TypeKind::String) == Texts{"a", "bé", ""});
  CHECK(elements_of(d, 2, TypeKind::Int) == Texts{"1", "null", "-3"});
  CHECK(static_cast<uint64_t>(d.values[1].bits) % alignof(flow_value) == 0);
  // A string without escapes points into the record, like a string field.
  const auto* tags = reinterpret_cast<const flow_value*>(static_cast<intptr_t>(d.values[1].bits));
  CHECK(reinterpret_cast<const char*>(static_cast<intptr_t>(tags[0].bits)) == json.data() + json.find("\"a\"") + 1);

  d = h.decode(R"({"id":2,"tags":[]})");  // empty, and a nullable list absent
  REQUIRE(d.reason == FLOW_DECODE_OK);
  CHECK(d.values[1].is_null == 0);
  CHECK(d.values[1].len == 0);
  CHECK(d.is_null(2));
  d = h.decode(R"({"id":3,"tags":["x"],"scores":null})");
  REQUIRE(d.reason == FLOW_DECODE_OK);
  CHECK(d.is_null(2));
}

TEST_CASE("codec: a list that does not fit its type is dead-lettered, naming the field") {
  Harness h({{"tags", Type::list(Type::scalar(TypeKind::String), 0)}});
  struct Case {
    const char* json;
    int32_t reason;
    const char* detail;
  };
  for (const Case& c : {
           Case{R"({"tags":"a"})", FLOW_DECODE_WRONG_TYPE, "field `tags`: expected an array, found a string"},
           Case{R"({"tags":[1]})", FLOW_DECODE_WRONG_TYPE, "field `tags[]`: expected a string, found a number"},
           Case{R"({"tags":[null]})", FLOW_DECODE_MISSING_FIELD,
                "field `tags[]` is null, and its type `string` is not nullable"},
           Case{R"({})", FLOW_DECODE_MISSING_FIELD, "field `tags` is missing, and its type `list<string>` is not nullable"},
           Case{R"({"tags":null})", FLOW_DECODE_MISSING_FIELD,
                "field `tags` is null, and its type `list<string>` is not nullable"},
       }) {
    CAPTURE(c.json);
    const Decoded d = h.decode(c.json);
    CHECK(d.reason == c.reason);
    CHECK(d.detail == c.detail);
  }
  Harness bounded({{"tags", Type::list(Type::scalar(TypeKind::Int), 2)}});
  CHECK(bounded.decode(R"({"tags":[1,2]})").reason == FLOW_DECODE_OK);
  const Decoded over = bounded.decode(R"({"tags":[1,2,3]})");
  CHECK(over.reason == FLOW_DECODE_WRONG_TYPE);
  CHECK(over.detail == "field `tags`: 3 elements, more than the 2 of its type `list<int>(max 2)`");
  // More elements than the arena holds: too large, not a shorter list.
  Harness small({{"tags", Type::list(Type::scalar(TypeKind::Int), 0)}}, {}, 1 << 20, 256);
  std::string many = R"({"tags":[)";
  for (int i = 0; i < 40; ++i) many += (i ? ",1" : "1");
  many += "]}";
  const Decoded d = small.decode(many);
  CHECK(d.reason == FLOW_DECODE_TOO_LARGE);
  CHECK(d.detail.find("field `tags`: its 40 elements") != std::string::npos);
}
