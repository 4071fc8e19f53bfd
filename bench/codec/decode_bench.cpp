// How fast flow_json_decode reads a realistic click record (about 150 bytes, 5 keys, 4 declared
// fields), with every declared field needed and with 2, next to simdjson's DOM parser on the same
// records in the same run. Build and run from the repository root (one line; see README.md here):
//   g++ -std=c++20 -O2 -DNDEBUG -I. bench/codec/decode_bench.cpp runtime/codec/*.cpp compiler/plan/type.cpp
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
#include <vector>

#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"
#include "runtime/codec/json_codec.hpp"

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
  const flow::runtime::DecoderPtr all = flow::runtime::make_decoder(schema, {true, true, true, true}, 1 << 20);
  const flow::runtime::DecoderPtr two = flow::runtime::make_decoder(schema, {false, true, true, false}, 1 << 20);
  const flow::runtime::EncoderPtr encoder = flow::runtime::make_encoder(schema);

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
