// The per-schema fast path in front of flow_json_decode: generated code that decodes the common,
// simple shape of a source's records itself — one flat JSON object, keys without escapes, values
// that are plain strings, plain integers, `true`, `false` or `null` — with the schema's key names,
// types and field indices compiled in, and gives up on anything else. A record it gives up on
// goes to flow_json_decode as before, so every failure reason and detail stays the decoder's.
//
// What the fast path accepts, it decodes exactly as flow_json_decode would (json_codec.hpp):
// - The record is one object, blanks (space, tab, CR, LF) allowed around tokens; no more than
//   the decoder's max_record_bytes.
// - Every key and string is scanned to its closing quote; a backslash, a control character or
//   invalid UTF-8 gives up (the decoder's masking and unescaping stay its own). So a record the
//   fast path accepts is valid UTF-8 and valid JSON.
// - Every scalar field of the schema is checked, needed or not: a value of the wrong form for its
//   type, a repeated field key, a missing non-nullable field or a `null` in one gives up. This
//   makes the result independent of which fields the runtime's decoder was told are needed:
//   whatever the decoder would reject, the fast path leaves to it. Only the `needed` fields are
//   stored; the others stay null, as the decoder leaves them.
// - int, duration, timestamp: a plain integer (optional `-`, no leading zero, not `-0`, at most 18
//   digits). float: such an integer of at most 15 digits (exact as a double). Fractions,
//   exponents, timestamps in text and longer numbers give up. bool: `true`/`false`. string: the
//   bytes between the quotes, pointing into the record (no copy), as the decoder does.
// - Keys that name no scalar field are skipped if their value is a string, a literal or a JSON
//   number; an array or object anywhere gives up.
#pragma once

#include <string>
#include <vector>

#include "compiler/codegen/lowering_context.hpp"
#include "compiler/plan/type.hpp"

namespace flow::compiler::codegen {

//! Adds the fast path of `schema` to the module as its own function, named `name`:
//!   i1 (ptr json, i64 length, i64 max_record_bytes, ptr fields)
//! true when it decoded the record into `fields` (one flow_value slot per schema field), false when
//! it gave up (the caller then calls flow_json_decode). It is kept out of line (noinline): the
//! optimiser then works on the decoder's member loop alone rather than on it nested in the batch
//! function's record loop, which made compiling several times slower for a call per record.
llvm::Function* lower_fast_decode(LoweringContext& cx, const plan::Schema& schema, const std::vector<bool>& needed,
                                  const std::string& name);

}  // namespace flow::compiler::codegen
