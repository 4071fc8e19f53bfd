/* Small C functions generated code calls besides the stdlib: helpers of the lowering itself, not
 * user-visible built-ins. Registered with the JIT like the stdlib. */
#ifndef FLOW_CODEGEN_RUNTIME_SUPPORT_H
#define FLOW_CODEGEN_RUNTIME_SUPPORT_H

#include <stdint.h>

#include "stdlib/flow_stdlib.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytewise lexicographic comparison: negative, zero or positive. */
int32_t flow_cg_str_compare(const char* a, int64_t a_len, const char* b, int64_t b_len) FLOW_STDLIB_NOEXCEPT;
/* Decimal text of an integer / shortest round-trip text of a float, in the arena (message keys). */
flow_str flow_cg_format_int(flow_arena* arena, int64_t value) FLOW_STDLIB_NOEXCEPT;
flow_str flow_cg_format_float(flow_arena* arena, double value) FLOW_STDLIB_NOEXCEPT;
/* `append` to a state list: a new list in the arena holding the newest elements of the `count`
 * at `items` and then `*element`, at most `max` of them (0: no bound). Returned as { elements,
 * count }; { NULL, 0 } with the arena's `out_of_space` set when it does not fit. */
flow_str flow_cg_list_append(flow_arena* arena, const void* items, int64_t count, const void* element,
                             int64_t max) FLOW_STDLIB_NOEXCEPT;

/* The decoder fast path's scanning steps (compiler/codegen/decoder_lowering.hpp). Each reads
 * only bytes [at, len) of `json` (records are not padded) and returns the position after what it
 * read, or -1 to give up (the record then goes to flow_json_decode). */
/* A string's content from `at` (just after its opening quote): the position of its closing
 * quote; -1 on a backslash, a control character, invalid UTF-8 or the record's end. */
//! Whether one of `count` flow_values (non-null elements only) equals the value: kind 0 compares
//! bits (int, timestamp, duration, bool), 1 doubles (`==`: -0.0 equals 0.0, NaN nothing), 2 the
//! bytes of a string (`bits` its address, `len` its length).
int32_t flow_cg_list_contains(const void* items, int64_t count, int32_t kind, int64_t bits,
                              int64_t len) FLOW_STDLIB_NOEXCEPT;

int64_t flow_cg_scan_string(const char* json, int64_t len, int64_t at) FLOW_STDLIB_NOEXCEPT;
/* An integer in plain form (optional `-`, no leading zeros, not `-0`, at most 18 digits) into
 * `*out`; -1 for anything else, including a fraction or exponent after the digits. */
int64_t flow_cg_parse_int(const char* json, int64_t len, int64_t at, int64_t* out) FLOW_STDLIB_NOEXCEPT;
/* The same integers, at most 15 digits, as an exactly equal double. */
int64_t flow_cg_parse_float(const char* json, int64_t len, int64_t at, double* out) FLOW_STDLIB_NOEXCEPT;
/* `true` 1, `false` 2, `null` 3 at `at`, else 0 (the caller advances by 4, 5 or 4). */
int32_t flow_cg_literal(const char* json, int64_t len, int64_t at) FLOW_STDLIB_NOEXCEPT;
/* A value not decoded: a string as above, a literal, or a JSON number; -1 for anything else. */
int64_t flow_cg_skip_scalar(const char* json, int64_t len, int64_t at) FLOW_STDLIB_NOEXCEPT;
/* The first position from `at` that is not a JSON blank (space, tab, CR, LF), at most `len`. */
int64_t flow_cg_skip_blanks(const char* json, int64_t len, int64_t at) FLOW_STDLIB_NOEXCEPT;
/* From a key's closing quote at `quote`: blanks, `:`, blanks; the value's first position, or -1
 * when there is no colon. */
int64_t flow_cg_colon(const char* json, int64_t len, int64_t quote) FLOW_STDLIB_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif
