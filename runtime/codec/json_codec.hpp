// The JSON codecs behind flow_json_decode and flow_json_encode (runtime/abi/flow_abi.h), built
// from plan schemas. Everything a producer or consumer of a topic can observe is decided here:
//
// Decoding a record (flow_json_decode)
// - A record is one JSON object, blanks around it allowed. An empty record, any other JSON value,
//   anything after the object (even a second object) and a truncated object are
//   FLOW_DECODE_MALFORMED_JSON. A record longer than max_record_bytes is FLOW_DECODE_TOO_LARGE,
//   decided from its length before any parsing.
// - Only the needed fields are decoded; the others, and unknown keys, are skipped without reading
//   their values, so `{"n":tru}` with `n` not needed decodes fine. Fields not needed are left null.
// - What is checked of the whole record all the same: the object's own syntax (quoted keys, `:`
//   and `,` where they belong); that every value, skipped or not, starts like one (`{"x":,1]}`,
//   `{"x":}}` and `{"x":"q":[]}}` are FLOW_DECODE_MALFORMED_JSON); that strings are closed and
//   hold no unescaped control character; that brackets and braces balance. Not checked: skipped
//   scalars (`tru`), and inside a skipped array or object anything but its strings and its
//   balance (brackets are counted, not matched: `[1 2}` passes), nor the escapes of a key that
//   names no field.
// - A record with several problems fails for the first of them in this order: what simdjson's
//   first pass finds over the whole record (an unclosed string, an unescaped control character,
//   nothing but blanks, a value that is no object, a record that does not end with `}`); then
//   brackets or braces that do not balance (a truncated record, whatever else is wrong with it);
//   then the first problem met reading the record in order (a needed field's value, a misplaced
//   `:` or `,`, a value missing, anything after the object); then a missing field. The reason
//   and the detail depend on the record's bytes alone, never on the records decoded before.
// - A field the queries read that comes twice is FLOW_DECODE_MALFORMED_JSON (`field `x` appears
//   twice…`): its two values are ambiguous (Jackson keeps the last, simdjson the first), and a
//   silent pick is a wrong answer nobody sees. Keys no query reads are not compared, so their
//   repeats pass. Keys match case-sensitively after unescaping (`"\u0075ser"` is `user`).
// - A UTF-8 byte-order mark before the object is ignored (RFC 8259 section 8.1 allows it; Jackson
//   does it too); a UTF-16 or UTF-32 one is FLOW_DECODE_MALFORMED_JSON naming the encoding.
// - An absent field, or JSON `null`: null if the type is nullable, else FLOW_DECODE_MISSING_FIELD.
// - int, duration: a JSON integer (no fraction, no exponent) within 64 bits; beyond is
//   FLOW_DECODE_OUT_OF_RANGE. `5.0` or `1e3` is FLOW_DECODE_WRONG_TYPE, not truncated to an int:
//   a float in an int field is a schema mismatch to see in the dead letters, not to round
//   silently (declare the field `float` to accept such values).
// - float: any JSON number, integers included (rounded to the nearest double beyond 2^53); a
//   magnitude beyond a double's range (`1e400`) is FLOW_DECODE_OUT_OF_RANGE, underflow gives 0.
// - bool: `true` or `false` only. string: a JSON string.
// - timestamp: integer milliseconds since the epoch (as int), or an RFC 3339 string such as
//   `2026-11-23T10:15:30Z`, `…30.123Z` or `…30+01:00`, converted to UTC milliseconds (details in
//   rfc3339.hpp); any other string, or an impossible date, is FLOW_DECODE_WRONG_TYPE.
// - list<T> of a scalar T: a JSON array (of any length: the record's size bounds it), each element
//   decoded as a field of type T would be (a detail names it `field[]`); the elements are
//   flow_values in the arena (flow_abi.h), a list the arena cannot hold is FLOW_DECODE_TOO_LARGE.
//   `[]` is the empty list, `null` (or no member) null when the list is nullable. The generated
//   fast path leaves a record with a needed list field to flow_json_decode. A list of lists or
//   records: make_decoder throws when a query reads one (the checker refuses such a program
//   first). A list field no query reads is skipped like any other.
// - Strings without escapes point into the caller's record bytes (no copy); strings with escapes
//   are unescaped into the arena. If the arena is full the string is empty and the arena's
//   `out_of_space` flag is set, which the runtime checks after every record, as for the stdlib.
// - Invalid UTF-8: simdjson validates the whole record before parsing and can only say "not
//   UTF-8". On that (rare) path the decoder finds the invalid bytes itself with a strict scalar
//   check, masks them in its private copy, and parses again: a needed field's value containing
//   one is FLOW_DECODE_INVALID_UTF8, naming the field and the byte offset. Invalid bytes in fields
//   that are not needed, like their other contents, do not fail the record; between values they
//   are FLOW_DECODE_MALFORMED_JSON. An escape that decodes to a lone surrogate (`"\ud800"`) is
//   FLOW_DECODE_INVALID_UTF8 too. A control character not escaped inside any string is
//   FLOW_DECODE_MALFORMED_JSON (simdjson rejects it while validating the record). Decoded strings
//   are therefore always valid UTF-8.
// - On failure, `detail` names the field and what was wrong, e.g. "field `bytes`: expected an
//   integer, found a string", in the arena (the empty string when the arena is full); on success
//   it is the empty string.
// - A decoder is not thread-safe: it reuses one simdjson parser and one padded copy of the record,
//   grown to the largest record seen (so the steady state allocates nothing), although the ABI
//   passes it as const. Each partition task owns its decoder. Every call sets all of `fields`
//   (one slot per schema field) and `*detail`. Reuse changes no verdict: the padding byte that
//   simdjson reads after a record is reset for each one (see JsonDecoder::decode).
// - simdjson's first pass (validation, structure) picks the best kernel for the CPU at run time;
//   the on-demand pass uses the kernel chosen at compile time, which without `-march` flags is
//   simdjson's portable one. It only walks the structure and parses the needed numbers, where
//   the difference is small.
//
// Encoding a record (flow_json_encode)
// - One JSON object, fields in schema order, no blanks: `{"user":"u1","bytes":5,"ok":true}`.
// - null is `null` whatever the type. int and duration are integers; a timestamp is integer
//   milliseconds since the epoch (the form the decoder reads first, lossless and cheapest).
// - A float is written in the shortest form that reads back to the same double (std::to_chars),
//   with `.0` added to an integral value (`5.0`) so readers still see a float; NaN and infinities
//   are `null`, since JSON has no such numbers.
// - Strings: `"`, `\` and control characters are escaped (`\n`, `\t`, … or `\u001f`); all other
//   characters, multi-byte UTF-8 included, are written as they are. A byte that is not valid UTF-8
//   (the decoder never produces one) is written as U+FFFD so the output is always valid JSON.
// - list fields (of scalars) are JSON arrays, from evaluated values (encode_values) and from
//   flow_values alike (a list flow_value points at its elements, flow_abi.h). Record fields and
//   lists of lists: make_encoder throws. (Known gap.)
// - The object goes into the arena; if it does not fit, the result is the empty string, the
//   arena's `out_of_space` flag is set and nothing of the partial object stays in the arena.
// - An encoder is immutable once built: any number of threads may share it.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "runtime/eval/value.hpp"
#include "compiler/plan/type.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::runtime {

struct DecoderDeleter {
  void operator()(flow_decoder* decoder) const noexcept;
};
struct EncoderDeleter {
  void operator()(flow_encoder* encoder) const noexcept;
};
using DecoderPtr = std::unique_ptr<flow_decoder, DecoderDeleter>;
using EncoderPtr = std::unique_ptr<flow_encoder, EncoderDeleter>;

//! The decoder of a source with `schema`; `needed[i]` says whether a query reads field i.
//! Throws std::invalid_argument, with a message naming the field, for a needed list of lists, a
//! field of a type no source can have, a repeated field name or one with `"` or `\` in it, a
//! `needed` of the wrong size or a max_record_bytes that is not positive.
DecoderPtr make_decoder(const compiler::plan::Schema& schema, std::vector<bool> needed, int64_t max_record_bytes);

//! The encoder of records with `schema`. Throws std::invalid_argument, naming the field, for a
//! list or record field.
EncoderPtr make_encoder(const compiler::plan::Schema& schema);

//! Encodes evaluated values (the outputs of keyed state, which may hold lists of scalars).
flow_str encode_values(const flow_encoder* encoder, const std::vector<eval::Value>& fields,
                       flow_arena* arena);

//! A FLOW_DECODE_* reason in words, as the `flow.error` header of a dead letter says it.
std::string_view decode_reason_text(int32_t reason);

}  // namespace flow::runtime
