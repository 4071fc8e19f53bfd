// How fast flow_json_decode reads a realistic click record (about 150 bytes, 5 keys, 4 declared
// fields), with every declared field needed and with 2, next to simdjson's DOM parser and to a
// decoder written for the clicks schema alone (clicks_decoder.hpp, what a code generator could emit
// instead), on the same records in the same run. Before timing anything it checks that the
// per-schema decoder decides every record of the batch, and a list of edge and malformed records,
// exactly as flow_json_decode does, and exits 1 if not. Build and run from the repository root (one
// line; see README.md here):
//   g++ -std=c++20 -O2 -DNDEBUG -I. bench/codec/decode_bench.cpp bench/codec/single_pass_decoder.cpp
//       runtime/codec/*.cpp compiler/plan/type.cpp compiler/plan/json_writer.cpp runtime/eval/value.cpp
//       stdlib/arena.cpp -lsimdjson -lfmt -o /tmp/codec_bench && /tmp/codec_bench
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/codec/clicks_decoder.hpp"
#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"
#include "runtime/codec/json_codec.hpp"
#include "runtime/codec/json_decoder.hpp"
#include "bench/codec/single_pass_decoder.hpp"

namespace {

using flow::compiler::plan::Schema;
using flow::compiler::plan::Type;
using flow::compiler::plan::TypeKind;

constexpr std::size_t record_count = 100'000;  // about 15 MB: more than the caches hold
constexpr int rounds = 15;                     // each case runs once per round; its best round counts

//! The records back to back, as a Kafka batch would hold them.
struct Batch {
  std::string bytes;
  std::vector<std::size_t> offsets;  // record i is bytes[offsets[i], offsets[i + 1])
};

Batch make_clicks() {
  static const char* const paths[] = {"/products/123?ref=home", "/cart",   "/checkout/step-2",
                                      "/search?q=red+shoes",    "/health", "/products/98765/reviews?page=3"};
  static const char* const agents[] = {
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "curl/8.4.0"};
  std::mt19937_64 random(42);
  Batch batch;
  for (std::size_t i = 0; i < record_count; ++i) {
    batch.offsets.push_back(batch.bytes.size());
    char record[512];
    const int size = std::snprintf(
        record, sizeof record, R"({"user":"u%05u","url":"%s","bytes":%u,"ts":%lld,"agent":"%s"})",
        static_cast<unsigned>(random() % 100'000), paths[random() % 6], static_cast<unsigned>(random() % 100'000),
        static_cast<long long>(1763892000123 + static_cast<int64_t>(i) * 7), agents[random() % 3]);
    batch.bytes.append(record, static_cast<std::size_t>(size));
  }
  batch.offsets.push_back(batch.bytes.size());
  return batch;
}

//! One thing measured: a pass over the whole batch, returning a checksum of what it read.
struct Case {
  const char* name;
  std::function<int64_t(const Batch&)> pass;
  double best_seconds = 1e300;
};

//! A pass that calls `decode_one` on every record; the per-record call is inlined.
template <typename DecodeOne> std::function<int64_t(const Batch&)> over_records(DecodeOne decode_one) {
  return [decode_one](const Batch& batch) mutable {
    int64_t checksum = 0;
    for (std::size_t i = 0; i < record_count; ++i)
      checksum += decode_one(batch.bytes.data() + batch.offsets[i], batch.offsets[i + 1] - batch.offsets[i]);
    return checksum;
  };
}

//! Runs the cases in turn, round after round, so that they all see the same machine load (the
//! development machine is shared), and keeps each one's fastest pass.
void measure(const Batch& batch, std::vector<Case>& cases) {
  int64_t checksum = 0;
  for (int round = 0; round < rounds; ++round) {
    for (Case& c : cases) {
      const auto start = std::chrono::steady_clock::now();
      checksum += c.pass(batch);
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      c.best_seconds = std::min(c.best_seconds, elapsed.count());
    }
  }
  if (checksum == 42) std::puts("");  // keeps the work observable
}

// ---- Whether the per-schema decoder decides every record as flow_json_decode does ----

using flow::bench::ClicksDecoder;
using flow::bench::ClicksField;
using flow::bench::needs;

constexpr int64_t max_record_bytes = 1 << 20;
constexpr unsigned all_four = needs(flow::bench::clicks_user) | needs(flow::bench::clicks_url) |
                              needs(flow::bench::clicks_bytes) | needs(flow::bench::clicks_ts);
constexpr unsigned url_and_bytes = needs(flow::bench::clicks_url) | needs(flow::bench::clicks_bytes);
constexpr std::size_t field_count = flow::bench::clicks_field_count;

//! What one decoder made of one record, strings copied out before the arena is reused.
struct Outcome {
  int32_t reason = -1;
  std::string detail;
  flow_value fields[field_count] = {};
  std::string strings[field_count];  //!< the string fields' bytes, wherever they point
};

template <typename Decode> Outcome outcome_of(Decode&& decode, std::string_view json, flow_arena& arena) {
  flow_arena_reset(&arena);
  Outcome out;
  flow_str detail{"", 0};
  out.reason = decode(json.data(), static_cast<int64_t>(json.size()), out.fields, &arena, &detail);
  out.detail.assign(detail.data, static_cast<std::size_t>(detail.len));
  for (const ClicksField field : {flow::bench::clicks_user, flow::bench::clicks_url})
    if (!out.fields[field].is_null && out.fields[field].len > 0)
      out.strings[field].assign(reinterpret_cast<const char*>(static_cast<intptr_t>(out.fields[field].bits)),
                                static_cast<std::size_t>(out.fields[field].len));
  return out;
}

//! How `per_schema` differs from `flow` as the runtime sees it: the reason and, for a decoded
//! record, every field; empty if in nothing. Strings are compared by their bytes, since one decoder
//! may copy where the other points into the record. Details are worded alike but not compared.
std::string difference(const Outcome& flow, const Outcome& per_schema) {
  auto reason = [](const Outcome& o) {
    return fmt::format("{} ({}: {})", o.reason, flow::runtime::decode_reason_text(o.reason), o.detail);
  };
  if (flow.reason != per_schema.reason)
    return fmt::format("flow_json_decode: {}\n  per-schema decoder: {}", reason(flow), reason(per_schema));
  if (flow.reason != FLOW_DECODE_OK) return {};
  static const char* const names[] = {"user", "url", "bytes", "ts"};
  for (std::size_t i = 0; i < field_count; ++i) {
    const flow_value& a = flow.fields[i];
    const flow_value& b = per_schema.fields[i];
    const bool is_string = i == flow::bench::clicks_user || i == flow::bench::clicks_url;
    const bool same_value = is_string ? flow.strings[i] == per_schema.strings[i] : a.bits == b.bits && a.len == b.len;
    if (a.is_null != b.is_null || !same_value)
      return fmt::format(
          "field `{}`: flow_json_decode {{{}, {}, null {}}} \"{}\", per-schema decoder {{{}, {}, null {}}} \"{}\"",
          names[i], a.bits, a.len, a.is_null, flow.strings[i], b.bits, b.len, b.is_null, per_schema.strings[i]);
  }
  return {};
}

//! A record as a message shows it: bytes that are not printable ASCII as \xHH, at most 160 bytes.
std::string printable(std::string_view json) {
  std::string out;
  for (const char c : json.substr(0, 160)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte >= 0x20 && byte < 0x7F ? std::string(1, c) : fmt::format("\\x{:02X}", byte);
  }
  return json.size() > 160 ? out + fmt::format("... ({} bytes)", json.size()) : out;
}

//! What the batch does not hold: escapes, Unicode, blanks, other key orders, nested and repeated
//! keys, timestamps as text, what simdjson does not check in values it skips, and every way to fail.
std::vector<std::string> edge_records() {
  std::vector<std::string> records = {
      // Decoded
      R"({"user":"u\"1\\","url":"\/a\nb\tc\r\b\f","bytes":1,"ts":2})",
      R"({"user":"caf\u00e9 \uD83D\uDE00 \u0000","url":"/\u65e5\u672c","bytes":1,"ts":2})",
      "{\"user\":\"h\xC3\xA9llo \xF0\x9F\x98\x80\",\"url\":\"/\xE6\x97\xA5?q=\xE2\x82\xAC\",\"bytes\":1,\"ts\":2}",
      R"({"user":"a user name longer than 16 bytes, with an escape at its end\"","url":"123456789abcdef\\","bytes":3,)"
      R"("ts":4})",
      "{\"user\":\"0123456789abcd\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\","
      "\"url\":\"0123456789abcdef0123456789\xC3\xA9\",\"ts\":5,\"bytes\":1}",
      " \t{ \"user\" :\n \"a\" , \"url\":\"b\",\r\n\"bytes\" : 7 ,\"ts\":\t2 }\n ",
      R"({"ts":2,"bytes":1,"agent":"x","url":"b","user":"a"})",
      R"({"user":"a","ctx":{"tags":["x","y]",{"z":[1,2.5e3,null,true]}],"s":"}\"{"},"url":"b","bytes":1,"ts":2,)"
      R"("more":[[],{}]})",
      R"({"user":"a","url":"b","bytes":1,"ts":2,"bytes":"second","user":null})",
      R"({"\u0075ser":"a","url":"b","bytes":1,"t\u0073":2,"user":"second"})",
      R"({"us\qr":1,"user":"a","url":"b","bytes":1,"ts":2,"\ud800":3})",
      R"({"User":"no","user":"a","urls":"no","url":"b","bytes":1,"ts":2,"t":0,"tss":0})",
      R"({"user":"","url":"b","bytes":-0,"ts":"2026-11-23T10:15:30.123+01:00"})",
      R"({"user":"a","url":"b","bytes":-9223372036854775808,"ts":"2026-11-23T10:15:30\u005a"})",
      R"({"user":"a","url":"b","bytes":9223372036854775807,"ts":-1})",
      R"({"x":tru,"y":[1 2},"z":{"a" 1 : ,},"user":"a","url":"b","bytes":1,"ts":2})",  // skipped, not checked
      "{\"agent\":\"\xC3\x28\",\"user\":\"a\",\"url\":\"b\",\"bytes\":1,\"ts\":2,\"x\xFF\":[\xFF]}",
      R"({"user":"a","url":"b","bytes":12 ,"ts":2 })",
      // Missing, null, of the wrong type, out of range
      R"({"user":"a","url":"b","bytes":1})",
      R"({"user":null,"url":"b","bytes":1,"ts":2})",
      R"({})",
      R"({"user":"a","url":"b","bytes":"5","ts":2})",
      R"({"user":"a","url":"b","bytes":5.0,"ts":2})",
      R"({"user":"a","url":"b","bytes":1e3,"ts":2})",
      R"({"user":5,"url":"b","bytes":1,"ts":2})",
      R"({"user":"a","url":"b","bytes":1,"ts":true})",
      R"({"user":"a","url":"b","bytes":[1],"ts":2})",
      R"({"user":{"a":1},"url":"b","bytes":1,"ts":2})",
      R"({"user":"a","url":"b","bytes":1,"ts":"yesterday"})",
      R"({"user":"a","url":"b","bytes":1,"ts":"2026-02-30T10:15:30Z"})",
      R"({"user":"a","url":"b","bytes":1,"ts":1763892000123.5})",
      R"({"user":"a","url":"b","bytes":9223372036854775808,"ts":2})",
      R"({"user":"a","url":"b","bytes":1,"ts":-99999999999999999999})",
      // Malformed
      "",
      "  \n",
      R"([1,2])",
      R"("text")",
      R"({"user":"a","url":"b","bytes":1,"ts":2)",
      R"({"user":"a","url":"b","bytes":1,"ts":)",
      R"({"user":"a","url":"b","by)",
      R"({"user":"a","url":"b","bytes":1,"ts":2,"x":{"y":[1,2})",
      R"({"user":"a","url":"b","bytes":1,"ts":2,"x":[})",
      R"({"user":"a","url":"b","bytes":1,"ts":2,"x":"unclosed})",
      R"({"user":"a","url":"b","bytes":1,"ts":2} x)",
      R"({"user":"a","url":"b","bytes":1,"ts":2}{})",
      R"({"user":"a","url":"b","bytes":1,"ts":2,})",
      R"({"user" "a","url":"b","bytes":1,"ts":2})",
      R"({"user":"a" "url":"b","bytes":1,"ts":2})",
      R"({user:"a","url":"b","bytes":1,"ts":2})",
      R"({"x":,"user":"a","url":"b","bytes":1,"ts":2})",
      R"({"user":"a","url":"b","bytes":tru,"ts":2})",
      R"({"user":"a","url":"b","bytes":nul,"ts":2})",
      R"({"user":"a","url":"b","bytes":01,"ts":2})",
      R"({"user":"a","url":"b","bytes":-,"ts":2})",
      R"({"user":"a","url":"b","bytes":12x,"ts":2})",
      R"({"user":"a","url":"b","bytes":12"x","ts":2})",
      R"({"user":"a"x,"url":"b","bytes":1,"ts":2})",
      R"({"user":"a\q","url":"b","bytes":1,"ts":2})",
      R"({"user":"a","url":"\u12","bytes":1,"ts":2})",
      R"({"user":"a","url":"b","bytes":1,"ts":"2026-11-23T10:15:30\x"})",
      "{\"user\":\"a\",\"url\":\"b\",\"bytes\":1,\"ts\":2,\"agent\":\"a\x01z\"}",
      // Invalid UTF-8
      "{\"user\":\"ab\xC3\x28\",\"url\":\"b\",\"bytes\":1,\"ts\":2}",
      "{\"user\":\"a\",\"url\":\"\xC0\xAF\",\"bytes\":1,\"ts\":2}",
      "{\"user\":\"a\",\"url\":\"\xED\xA0\x80\",\"bytes\":1,\"ts\":2}",
      "{\"user\":\"a\",\"url\":\"b\",\"bytes\":12\xFF,\"ts\":2}",
      "{\"user\":\"a\",\"url\":\"b\",\"bytes\":1,\"ts\":\"x\xFF\"}",
      R"({"user":"a\ud800b","url":"b","bytes":1,"ts":2})",
      R"({"user":"a","url":"\udc00\q","bytes":1,"ts":2})",
      // Several problems: simdjson's first pass, over the whole record, decides
      R"({"user":"a","url":"b","bytes":"x","ts":2,"agent":"unclosed})",
      "{\"user\":\"a\xFF\",\"url\":\"b\",\"bytes\":1,\"ts\":2,\"agent\":\"\x1F\"}",
      R"({"user":"a","url":"b","bytes":"x","ts":2)",
  };
  records.push_back(std::string(static_cast<std::size_t>(max_record_bytes), ' ') + "{}");  // too large
  return records;
}

//! Decodes every record of the batch and every edge record with both decoders, needing the fields
//! in `Needed`; prints the first disagreement and returns false if there is one.
template <unsigned Needed>
bool decoders_agree(const Schema& schema, const std::vector<bool>& needed, const Batch& batch,
                    const std::vector<std::string>& edges) {
  ClicksDecoder<Needed> per_schema(max_record_bytes);
  std::vector<char> flow_buffer(1 << 16), per_schema_buffer(1 << 16);
  flow_arena flow_side_arena, per_schema_arena;
  flow_arena_init(&flow_side_arena, flow_buffer.data(), static_cast<int64_t>(flow_buffer.size()));
  flow_arena_init(&per_schema_arena, per_schema_buffer.data(), static_cast<int64_t>(per_schema_buffer.size()));
  // The reference is JsonDecoder (simdjson on demand), whatever make_decoder returns.
  auto agree = [&](std::string_view json, flow::runtime::JsonDecoder& flow_decoder) {
    const Outcome by_flow = outcome_of(
        [&](const char* bytes, int64_t len, flow_value* fields, flow_arena* arena, flow_str* detail) {
          return flow_decoder.decode(bytes, len, fields, arena, detail);
        },
        json, flow_side_arena);
    const Outcome by_per_schema = outcome_of(
        [&](const char* bytes, int64_t len, flow_value* fields, flow_arena* arena, flow_str* detail) {
          return per_schema.decode(bytes, len, fields, arena, detail);
        },
        json, per_schema_arena);
    const std::string problem = difference(by_flow, by_per_schema);
    if (!problem.empty())
      std::printf("FAILED: the decoders disagree (%s of 4 fields needed) on\n  %s\n  %s\n",
                  Needed == all_four ? "4" : "2", printable(json).c_str(), problem.c_str());
    return problem.empty();
  };
  flow::runtime::JsonDecoder decoder(schema, needed, max_record_bytes);
  for (std::size_t i = 0; i < record_count; ++i)
    if (!agree(std::string_view(batch.bytes).substr(batch.offsets[i], batch.offsets[i + 1] - batch.offsets[i]),
               decoder))
      return false;
  // flow_json_decode's verdict on some malformed records depends on the records its decoder parsed
  // before (with simdjson 3.0.1, `{"user":[,...}` is a wrong type for a fresh decoder and malformed
  // JSON after some others), so each edge record gets a fresh one.
  for (const std::string& json : edges) {
    flow::runtime::JsonDecoder fresh(schema, needed, max_record_bytes);
    if (!agree(json, fresh)) return false;
  }
  return true;
}

}  // namespace

int main() {
  const Batch batch = make_clicks();
  std::printf("%zu click records, %.1f bytes each on average, e.g.\n  %.*s\n", record_count,
              static_cast<double>(batch.bytes.size()) / record_count, static_cast<int>(batch.offsets[1]),
              batch.bytes.data());
  std::printf("simdjson %s, active implementation %s\n\n", SIMDJSON_STRINGIFY(SIMDJSON_VERSION),
              simdjson::get_active_implementation()->name().c_str());

  const Schema schema = {{"user", Type::scalar(TypeKind::String)},
                         {"url", Type::scalar(TypeKind::String)},
                         {"bytes", Type::scalar(TypeKind::Int)},
                         {"ts", Type::scalar(TypeKind::Timestamp)}};
  std::vector<char> arena_buffer(1 << 16);
  flow_arena arena;
  flow_arena_init(&arena, arena_buffer.data(), static_cast<int64_t>(arena_buffer.size()));
  flow_value fields[4];
  flow_str detail;

  auto flow_decode = [&](const flow_decoder* decoder) {
    return over_records([&, decoder](const char* json, std::size_t len) -> int64_t {
      flow_arena_reset(&arena);
      const int32_t reason = flow_json_decode(decoder, json, static_cast<int64_t>(len), fields, &arena, &detail);
      if (reason != FLOW_DECODE_OK) std::abort();
      return fields[2].bits + fields[1].len;
    });
  };
  const std::vector<bool> all_needed = {true, true, true, true};
  const std::vector<bool> two_needed = {false, true, true, false};  // url and bytes
  const flow::runtime::DecoderPtr all = flow::runtime::make_decoder(schema, all_needed, max_record_bytes);
  const flow::runtime::DecoderPtr two = flow::runtime::make_decoder(schema, two_needed, max_record_bytes);
  const flow::runtime::EncoderPtr encoder = flow::runtime::make_encoder(schema);

  // The two decoders' figures compare like with like only if they decide records alike.
  const std::vector<std::string> edges = edge_records();
  if (!decoders_agree<all_four>(schema, all_needed, batch, edges) ||
      !decoders_agree<url_and_bytes>(schema, two_needed, batch, edges))
    return 1;
  std::printf("The per-schema decoder decides all %zu records and %zu edge records as flow_json_decode does, with 4 "
              "and with 2 of 4 fields needed.\n\n",
              record_count, edges.size());
  ClicksDecoder<all_four> per_schema_all(max_record_bytes);
  ClicksDecoder<url_and_bytes> per_schema_two(max_record_bytes);
  auto per_schema_decode = [&](auto& decoder) {
    return over_records([&](const char* json, std::size_t len) -> int64_t {
      flow_arena_reset(&arena);
      if (decoder.decode(json, static_cast<int64_t>(len), fields, &arena, &detail) != FLOW_DECODE_OK) std::abort();
      return fields[2].bits + fields[1].len;
    });
  };

  // Baselines: simdjson's DOM parser over the same records, copied into one reused padded buffer
  // the way the flow decoder copies them; once parsing only, once also reading the 4 fields.
  simdjson::dom::parser dom;
  std::vector<char> padded(4096 + simdjson::SIMDJSON_PADDING);
  std::vector<Case> cases;
  cases.push_back({"simdjson DOM: parse + read 4 fields (baseline)",
                   over_records([&](const char* json, std::size_t len) -> int64_t {
                     std::memcpy(padded.data(), json, len);
                     simdjson::dom::object root;
                     if (dom.parse(padded.data(), len, false).get(root) != simdjson::SUCCESS) std::abort();
                     std::string_view user, url;
                     int64_t bytes = 0, ts = 0;
                     if (root["user"].get(user) || root["url"].get(url) || root["bytes"].get(bytes) ||
                         root["ts"].get(ts))
                       std::abort();
                     return bytes + static_cast<int64_t>(url.size()) + static_cast<int64_t>(user.size()) + ts;
                   })});
  cases.push_back({"simdjson DOM: parse only", over_records([&](const char* json, std::size_t len) -> int64_t {
                     std::memcpy(padded.data(), json, len);
                     simdjson::dom::element root;
                     if (dom.parse(padded.data(), len, false).get(root) != simdjson::SUCCESS) std::abort();
                     return 1;
                   })});
  // The floor of any on-demand decoder: copy, simdjson's first pass (validation and structure).
  simdjson::ondemand::parser on_demand;
  cases.push_back(
      {"simdjson on demand: first pass only (floor)", over_records([&](const char* json, std::size_t len) -> int64_t {
         std::memcpy(padded.data(), json, len);
         simdjson::ondemand::document document;
         if (on_demand.iterate(padded.data(), len, padded.size()).get(document) != simdjson::SUCCESS) std::abort();
         return 1;
       })});
  cases.push_back({"flow_json_decode: 4 of 4 fields needed", flow_decode(all.get())});
  cases.push_back({"flow_json_decode: 2 of 4 fields needed", flow_decode(two.get())});
  // The two decoders make_decoder can return, called directly.
  flow::runtime::JsonDecoder json_all(schema, all_needed, max_record_bytes), json_two(schema, two_needed, max_record_bytes);
  flow::runtime::SinglePassDecoder single_all(schema, all_needed, max_record_bytes),
      single_two(schema, two_needed, max_record_bytes);
  cases.push_back({"JsonDecoder (simdjson): 4 of 4 fields needed", per_schema_decode(json_all)});
  cases.push_back({"JsonDecoder (simdjson): 2 of 4 fields needed", per_schema_decode(json_two)});
  cases.push_back({"SinglePassDecoder: 4 of 4 fields needed", per_schema_decode(single_all)});
  cases.push_back({"SinglePassDecoder: 2 of 4 fields needed", per_schema_decode(single_two)});
  cases.push_back({"per-schema decoder: 4 of 4 fields needed", per_schema_decode(per_schema_all)});
  cases.push_back({"per-schema decoder: 2 of 4 fields needed", per_schema_decode(per_schema_two)});
  // The way back, for scale: the 4 decoded fields of each record as a JSON object.
  cases.push_back(
      {"flow_json_decode + flow_json_encode, 4 fields", over_records([&](const char* json, std::size_t len) -> int64_t {
         flow_arena_reset(&arena);
         if (flow_json_decode(all.get(), json, static_cast<int64_t>(len), fields, &arena, &detail) != FLOW_DECODE_OK)
           std::abort();
         return flow_json_encode(encoder.get(), fields, &arena).len;
       })});

  measure(batch, cases);
  const double baseline = cases.front().best_seconds;
  for (const Case& c : cases)
    std::printf("%-46s %7.1f ns/record %8.1f MB/s   %5.2fx the baseline's time\n", c.name,
                c.best_seconds * 1e9 / record_count, static_cast<double>(batch.bytes.size()) / c.best_seconds / 1e6,
                c.best_seconds / baseline);
  return 0;
}
