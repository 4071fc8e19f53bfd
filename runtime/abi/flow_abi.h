/* The C ABI between generated code and the runtime: records in, values, callbacks out. Generated
 * code (JIT or a `flowc build` shared object) and the runtime meet here and nowhere else; the
 * built-in functions it calls are declared in stdlib/flow_stdlib.h.
 *
 * Values. Every decoded field, computed value and state field is a flow_value: three words that
 * LLVM sees as { i64, i64, i8 }.
 *   int, timestamp (ms since the epoch, UTC), duration (ms): `bits`
 *   float: `bits` holds the IEEE-754 double's bits
 *   bool:  `bits` is 0 or 1
 *   string: `bits` is the address of UTF-8 bytes (not NUL-terminated), `len` their count; the
 *           bytes live in the record buffer or the task's arena, valid until the batch ends
 *   list: `bits` is the address of `len` flow_values, the elements, in the arena (a decoded list
 *           field, `split`, `append`) or the runtime's copy of the key's state; a list is never
 *           changed in place, `append` makes a new one
 *   any type: `is_null` is 1 for null (then the other words are 0)
 * Runtime semantics of operators on these values are in docs/language.md ("Evaluation"). */
#ifndef FLOW_ABI_H
#define FLOW_ABI_H

#include <stdint.h>

#include "stdlib/flow_stdlib.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct flow_value {
  int64_t bits;
  int64_t len;
  int8_t is_null;
} flow_value;

/* One Kafka record as the runtime hands it over. */
typedef struct flow_record {
  const char* value;
  int64_t value_len;
  const char* key;
  int64_t key_len;
  int64_t offset;
  int64_t timestamp_ms; /* the Kafka timestamp */
} flow_record;

/* Why a record was dead-lettered (the `flow.error` header says it in words). */
enum {
  FLOW_DECODE_OK = 0,
  FLOW_DECODE_MALFORMED_JSON = 1, /* not JSON, or not a JSON object */
  FLOW_DECODE_MISSING_FIELD = 2,  /* a non-nullable field is absent or null */
  FLOW_DECODE_WRONG_TYPE = 3,     /* a field's JSON value does not fit its declared type */
  FLOW_DECODE_INVALID_UTF8 = 4,   /* a string is not valid UTF-8 */
  FLOW_DECODE_TOO_LARGE = 5,      /* the record exceeds the configured maximum size */
  FLOW_DECODE_OUT_OF_RANGE = 6,   /* a number does not fit its declared type */
  FLOW_EVENT_TIME_AHEAD = 7       /* the event time is too far past the wall clock */
};

/* JSON codecs, built by the runtime from the plan (runtime/codec/json_codec.hpp). A decoder reads
 * the fields of one source's schema that its queries use (only those) into `fields`, indexed like
 * the schema; fields not needed are left null. It returns FLOW_DECODE_OK or a reason, with a
 * human-readable `detail` (in the arena). An encoder writes one JSON object from `fields`, indexed
 * like its schema, into the arena. */
typedef struct flow_decoder flow_decoder;
typedef struct flow_encoder flow_encoder;
int32_t flow_json_decode(const flow_decoder* decoder, const char* json, int64_t len, flow_value* fields,
                         flow_arena* arena, flow_str* detail);
flow_str flow_json_encode(const flow_encoder* encoder, const flow_value* fields, flow_arena* arena);
/* The decoder's record size limit: generated code's own fast path for simple records
 * (compiler/codegen/decoder_lowering.hpp) leaves longer ones to flow_json_decode. */
int64_t flow_json_max_record_bytes(const flow_decoder* decoder);

/* The runtime side of one partition task. Generated code passes it back to these callbacks. */
typedef struct flow_task flow_task;

/* Called by generated code. `query` is the query's index in the plan; `metric` the metric's.
 * Contract: a callback reads its pointer arguments (and copies what it keeps) and changes only the
 * runtime's own state — never the records, slots or arena contents generated code is reading — so
 * the optimiser may keep values in registers across calls. */
void flow_rt_emit(flow_task* task, int32_t query, const char* key, int64_t key_len, const char* value,
                  int64_t value_len, int64_t event_time_ms);
void flow_rt_dead_letter(flow_task* task, const flow_record* record, int32_t reason, const char* detail,
                         int64_t detail_len);
void flow_rt_tally(flow_task* task, int32_t metric, int64_t count);
/* Hands a record that passed a query's stateless operators to the keyed state that follows them
 * (a `process`; an `aggregate` after a union): the current key, the record's fields (indexed like
 * the schema that reaches the stateful operator), its event time and the source record it came
 * from (written to the source's `late` topic if the aggregate drops it as late). */
void flow_rt_to_state(flow_task* task, int32_t query, const flow_value* key, const flow_value* fields,
                      int64_t field_count, int64_t event_time_ms, const flow_record* record);
/* Hands a record that passed a query's stateless operators to the `aggregate` that follows them,
 * already evaluated: `values` holds the `group by` values (each of the aggregate's output type
 * for it), then one argument per aggregate call (null for `count()`), of the argument's type;
 * `record` is the source record, as for flow_rt_to_state. */
void flow_rt_to_aggregate(flow_task* task, int32_t query, const flow_value* values, int64_t count,
                          int64_t event_time_ms, const flow_record* record);
flow_arena* flow_rt_arena(flow_task* task);
/* The latest event time the batch being run accepts: its source's `max_event_time_ahead` past the
 * wall clock. Called once per batch, by the batches of sources that feed keyed state (where event
 * time moves watermarks, closes windows and fires timeouts). */
int64_t flow_rt_event_time_limit(flow_task* task);
/* A record whose event time is past that limit: the runtime dead-letters it with the reason, and
 * generated code goes on with the next record (it reaches no query). */
void flow_rt_event_time_ahead(flow_task* task, const flow_record* record, int64_t event_time_ms);

/* Keyed state in generated code. For every `process` handler the code generator emits
 *   int32_t flow_handler_Q_H(flow_handler_call* call, flow_value* state, const flow_value* key,
 *                            const flow_value* record, flow_arena* arena);
 * (Q: the query's index, H: the handler's index in the operator). The runtime loads the key's
 * state fields into `state` (indexed like the operator's state), runs the handler, which updates
 * them in place, and writes them back. `record` holds the incoming record's fields (indexed like
 * the schema reaching the handler; null for `on timeout`). New strings and lists go into `arena`;
 * when it runs out of room (`out_of_space`), the runtime restores the state, grows the arena and
 * runs the handler again, so a handler must have no effect but its state, emits and tallies.
 * Returns 1 when the handler ends with the state cleared (the runtime drops the key), else 0. */
typedef struct flow_handler_call flow_handler_call;
typedef int32_t (*flow_handler_fn)(flow_handler_call* call, flow_value* state, const flow_value* key,
                                   const flow_value* record, flow_arena* arena);
/* An `emit` in a handler: one record of the operator's output schema. */
void flow_rt_handler_emit(flow_handler_call* call, const flow_value* fields, int64_t count);
/* A `tally` in a handler. */
void flow_rt_handler_tally(flow_handler_call* call, int32_t metric);

/* The operators after keyed state. For every stateful stage S of query Q whose rows run through
 * stateless operators (`where`, `select`, `tally`, `key by`) before the next stage or the sink, the
 * code generator emits
 *   int32_t flow_stage_Q_S(int64_t* tallies, const flow_value* fields, const flow_value* key,
 *                          flow_value* out, flow_value* out_key, flow_arena* arena);
 * (S: the stage's index in the physical plan's stages of the query). It runs those operators on
 * one row the stage emitted: `fields` holds the row (indexed like the stage's output schema),
 * `key` its key (a null flow_value when it has none, or when it is the record of several `group by`
 * fields: generated code never reads such a key). Each `tally` adds its count to `tallies[M]` (M:
 * the metric's index in the plan). A row a `where` drops returns FLOW_STAGE_DROPPED; one that
 * passes is written to `out` (indexed like the schema of the last of those operators) and returns
 * FLOW_STAGE_PASSED, with FLOW_STAGE_KEYED set when a `key by` wrote the new key to `*out_key` (else
 * the row keeps its key). New strings go into `arena`; the function has no other effect, so when
 * the arena runs out of room (`out_of_space`) nothing but its counts has happened. */
enum { FLOW_STAGE_DROPPED = 0, FLOW_STAGE_PASSED = 1, FLOW_STAGE_KEYED = 2 };
typedef int32_t (*flow_stage_fn)(int64_t* tallies, const flow_value* fields, const flow_value* key, flow_value* out,
                                 flow_value* out_key, flow_arena* arena);

/* Generated per source: runs every stateless pipeline of every query reading that source over a
 * batch of records from one partition, in one fused loop. `decoder` is the source's; `encoders`
 * holds one encoder per query of the plan (indexed by query). */
typedef void (*flow_batch_fn)(flow_task* task, const flow_decoder* decoder, const flow_encoder* const* encoders,
                              const flow_record* records, int64_t count);

#ifdef __cplusplus
}
#endif

#endif /* FLOW_ABI_H */
