// libFuzzer target for the record decoders: any bytes as a Kafka record's value, through both
// paths that decode it — flow_json_decode (simdjson, runtime/codec, built here with the fuzzer's
// coverage, AddressSanitizer and UBSan) and the generated fast path in front of it (the batch
// function of a JIT-compiled `select`, compiler/codegen/decoder_lowering). For each input and
// each of a few schemas (every type, nullable or not, all fields needed or some; lists of scalars):
// - the reference decode must end with a known reason, a detail exactly when it failed, strings
//   and list elements inside the record or the arena, a list no longer than its bound, and give
//   the same result twice (the result depends on the record's bytes alone);
// - the batch function must give exactly what the reference gives: the same output record, or
//   the same dead letter with the same reason and detail.
// Run with scripts/fuzz decode (docs/testing.md).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"
#include "compiler/driver/check_file.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "runtime/codec/json_codec.hpp"
#include "runtime/host/recording_host.hpp"

using namespace flow;

namespace {

[[noreturn]] void fail(const char* what, const std::string& record, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "decode_fuzzer: %s\nrecord: %s\nexpected: %s\ngot:      %s\n", what, record.c_str(), a.c_str(),
               b.c_str());
  std::abort();
}

//! One schema and the `select` that reads some of its fields, compiled once.
struct Case {
  compiler::plan::Plan plan;
  std::unique_ptr<compiler::codegen::JitProgram> program;
  runtime::DecoderPtr decoder, reference;
  runtime::EncoderPtr encoder;
  std::vector<int> columns;

  Case(const std::string& fields, const std::vector<std::string>& select, int64_t max_record_bytes) {
    std::string list;
    for (const auto& column : select) list += (list.empty() ? "" : ", ") + column;
    std::string text = "source src from kafka \"src\" as json { " + fields +
                       " } with (partitions = 1);\nsink out to stdout;\nquery q {\n    from src\n    | select " + list +
                       "\n    | into out\n}\n";
    compiler::CheckedFile checked = compiler::check_text("fuzz.flow", text);
    if (!checked.ok() || !checked.plan) fail("the fuzzer's own program does not check", text, checked.rendered(), "");
    plan = std::move(*checked.plan);
    std::string error;
    program = compiler::codegen::JitProgram::compile(plan, runtime::RecordingHost::symbols(), error);
    if (!program) fail("the fuzzer's own program does not compile", text, error, "");
    const auto& source = plan.sources.front();
    std::vector<bool> needed = compiler::physical::needed_fields(plan, "src");
    decoder = runtime::make_decoder(source.schema, needed, max_record_bytes);
    reference = runtime::make_decoder(source.schema, needed, max_record_bytes);
    encoder = runtime::make_encoder(plan.queries.front().operators.back()->output);
    for (const auto& column : select) columns.push_back(compiler::plan::find_field(source.schema, column));
  }
};

std::vector<std::unique_ptr<Case>>& cases() {
  static std::vector<std::unique_ptr<Case>> all = [] {
    std::vector<std::unique_ptr<Case>> out;
    const std::string strict = "i: int, flag: bool, ts: timestamp, d: duration, f: float, s: string";
    const std::string nullable = "i: int?, flag: bool?, ts: timestamp?, d: duration?, f: float?, s: string?";
    out.push_back(std::make_unique<Case>(strict, std::vector<std::string>{"i", "flag", "ts", "d", "f", "s"}, 1 << 20));
    out.push_back(std::make_unique<Case>(strict, std::vector<std::string>{"s", "ts"}, 1 << 20));
    out.push_back(std::make_unique<Case>(nullable, std::vector<std::string>{"i", "flag", "ts", "d", "f", "s"}, 1 << 20));
    out.push_back(std::make_unique<Case>(nullable, std::vector<std::string>{"f"}, 64));  // small: too-large records
    // Lists of scalars (JSON arrays), which the fast path leaves to the reference decoder.
    out.push_back(std::make_unique<Case>("i: int?, s: list<string>, n: list<int?>(max 4)?, ts: list<timestamp>?",
                                         std::vector<std::string>{"s", "n", "ts", "i"}, 1 << 20));
    return out;
  }();
  return all;
}

struct Reference {
  int32_t status;
  std::string text;  //!< the detail when it failed, else the encoded output
};

Reference decode_reference(Case& c, const std::string& record, std::vector<char>& buffer) {
  flow_arena arena;
  flow_arena_init(&arena, buffer.data(), static_cast<int64_t>(buffer.size()));
  const auto& schema = c.plan.sources.front().schema;
  std::vector<flow_value> slots(schema.size());
  flow_str detail{};
  int32_t status = flow_json_decode(c.reference.get(), record.data(), static_cast<int64_t>(record.size()),
                                    slots.data(), &arena, &detail);
  if (status < FLOW_DECODE_OK || status > FLOW_DECODE_OUT_OF_RANGE) fail("unknown reason", record, "", std::to_string(status));
  if ((status != FLOW_DECODE_OK) != (detail.len > 0)) fail("a detail without a failure, or none with one", record, "", "");
  if (status != FLOW_DECODE_OK) return {status, std::string(detail.data, static_cast<size_t>(detail.len))};
  auto in_memory = [&](const flow_value& value, int64_t bytes) {
    const char* at = reinterpret_cast<const char*>(value.bits);
    bool in_record = at >= record.data() && at + bytes <= record.data() + record.size();
    bool in_arena = at >= buffer.data() && at + bytes <= buffer.data() + buffer.size();
    return bytes == 0 || in_record || in_arena;
  };
  for (size_t f = 0; f < schema.size(); ++f) {
    const auto& type = schema[f].type;
    if (slots[f].is_null) continue;
    if (type.kind == compiler::plan::TypeKind::String && (slots[f].len < 0 || !in_memory(slots[f], slots[f].len)))
      fail("a string outside the record and the arena", record, "", schema[f].name);
    if (type.kind != compiler::plan::TypeKind::List) continue;
    // A list's elements are flow_values in the arena; its strings in the record or the arena.
    const auto* items = reinterpret_cast<const flow_value*>(slots[f].bits);
    if (slots[f].len < 0 || (slots[f].len > 0 && !in_memory(slots[f], slots[f].len * int64_t{sizeof(flow_value)})))
      fail("a list outside the arena", record, "", schema[f].name);
    if (type.max_length > 0 && slots[f].len > type.max_length) fail("a list longer than its bound", record, "", schema[f].name);
    for (int64_t e = 0; e < slots[f].len; ++e)
      if (type.element.front().kind == compiler::plan::TypeKind::String && !items[e].is_null &&
          (items[e].len < 0 || !in_memory(items[e], items[e].len)))
        fail("a list's string outside the record and the arena", record, "", schema[f].name);
  }
  std::vector<flow_value> output;
  for (int index : c.columns) output.push_back(slots[index]);
  flow_str encoded = flow_json_encode(c.encoder.get(), output.data(), &arena);
  return {status, std::string(encoded.data, static_cast<size_t>(encoded.len))};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string record(reinterpret_cast<const char*>(data), size);
  static std::vector<char> buffer(1 << 20);
  static runtime::RecordingHost host(1 << 20);
  for (auto& c : cases()) {
    Reference first = decode_reference(*c, record, buffer);
    Reference again = decode_reference(*c, "{\"s\":\"\\u00e9\",\"i\":1}", buffer);  // another record between
    (void)again;
    Reference second = decode_reference(*c, record, buffer);
    if (first.status != second.status || first.text != second.text)
      fail("decoding the same record twice differs", record, first.text, second.text);

    host.clear();
    flow_record kafka_record{record.data(), static_cast<int64_t>(record.size()), nullptr, 0, 0, 0};
    const flow_encoder* encoders[] = {c->encoder.get()};
    c->program->batch_function("src")(host.task(), c->decoder.get(), encoders, &kafka_record, 1);
    if (first.status == FLOW_DECODE_OK) {
      if (host.emitted.size() != 1 || !host.dead_letters.empty())
        fail("the batch function did not emit the record the decoder accepts", record, first.text, "");
      if (host.emitted[0].value != first.text) fail("the batch function's output differs", record, first.text,
                                                    host.emitted[0].value);
    } else {
      if (host.dead_letters.size() != 1 || !host.emitted.empty())
        fail("the batch function did not dead-letter the record the decoder refuses", record, first.text, "");
      if (host.dead_letters[0].reason != first.status || host.dead_letters[0].detail != first.text)
        fail("the batch function's dead letter differs", record, first.text, host.dead_letters[0].detail);
    }
  }
  return 0;
}
