// The C ABI of the JSON codecs (flow_json_decode, flow_json_encode) and the factories the runtime
// builds them with. The ABI's opaque structs wrap the C++ decoder and encoder.
#include "runtime/codec/json_codec.hpp"

#include "runtime/codec/json_decoder.hpp"
#include "runtime/codec/json_encoder.hpp"

struct flow_decoder {
  flow::runtime::JsonDecoder decoder;
};

struct flow_encoder {
  flow::runtime::JsonEncoder encoder;
};

extern "C" int32_t flow_json_decode(const flow_decoder* decoder, const char* json, int64_t len, flow_value* fields,
                                    flow_arena* arena, flow_str* detail) {
  // Generated code holds the decoder as const because it never changes what is decoded; the
  // decoder's scratch buffers do change with every record (one thread at a time, see JsonDecoder).
  return const_cast<flow_decoder*>(decoder)->decoder.decode(json, len, fields, arena, detail);
}

extern "C" int64_t flow_json_max_record_bytes(const flow_decoder* decoder) {
  return decoder->decoder.max_record_bytes();
}

extern "C" flow_str flow_json_encode(const flow_encoder* encoder, const flow_value* fields, flow_arena* arena) {
  return encoder->encoder.encode(fields, arena);
}

namespace flow::runtime {

void DecoderDeleter::operator()(flow_decoder* decoder) const noexcept { std::default_delete<flow_decoder>()(decoder); }

flow_str encode_values(const flow_encoder* encoder, const std::vector<eval::Value>& fields,
                       flow_arena* arena) {
  return encoder->encoder.encode_values(fields, arena);
}

void EncoderDeleter::operator()(flow_encoder* encoder) const noexcept { std::default_delete<flow_encoder>()(encoder); }

DecoderPtr make_decoder(const compiler::plan::Schema& schema, std::vector<bool> needed, int64_t max_record_bytes) {
  return DecoderPtr(
      std::make_unique<flow_decoder>(flow_decoder{JsonDecoder(schema, std::move(needed), max_record_bytes)}).release());
}

EncoderPtr make_encoder(const compiler::plan::Schema& schema) {
  return EncoderPtr(std::make_unique<flow_encoder>(flow_encoder{JsonEncoder(schema)}).release());
}

std::string_view decode_reason_text(int32_t reason) {
  switch (reason) {
    case FLOW_DECODE_OK: return "ok";
    case FLOW_DECODE_MALFORMED_JSON: return "malformed JSON";
    case FLOW_DECODE_MISSING_FIELD: return "missing field";
    case FLOW_DECODE_WRONG_TYPE: return "wrong type";
    case FLOW_DECODE_INVALID_UTF8: return "invalid UTF-8";
    case FLOW_DECODE_TOO_LARGE: return "record too large";
    case FLOW_DECODE_OUT_OF_RANGE: return "number out of range";
    case FLOW_EVENT_TIME_AHEAD: return "event time too far ahead";
    default: return "unknown decode failure";
  }
}

}  // namespace flow::runtime
