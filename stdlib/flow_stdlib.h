/* The C ABI of flow's built-in functions: what generated (LLVM JIT) code calls. Pure C so that
 * codegen can declare every function from this header alone; semantics are in docs/stdlib.md. */
#ifndef FLOW_STDLIB_H
#define FLOW_STDLIB_H

#include <stdint.h>

/* Every function is total: no exception, abort or undefined behaviour for any argument value.
 * In C++ that promise is checked by the compiler. */
#ifdef __cplusplus
#define FLOW_STDLIB_NOEXCEPT noexcept
extern "C" {
#else
#define FLOW_STDLIB_NOEXCEPT
#endif

/* A UTF-8 string that is not NUL-terminated. `len <= 0` or `data == NULL` is the empty string.
 * A returned flow_str never has `data == NULL`; it points into one of the argument strings, into
 * the arena, or at a static empty string, so it is valid as long as the arguments and the arena's
 * current contents are. */
typedef struct flow_str {
  const char* data;
  int64_t len;
} flow_str;

/* A bump allocator over a caller-owned buffer, so the per-record path never calls malloc. The
 * runtime resets it between records. When a result does not fit, the function returns the empty
 * string and sets `out_of_space`, which stays set until the next reset: the runtime checks it
 * after a record and can retry with a bigger buffer or dead-letter the record. */
typedef struct flow_arena {
  char* buffer;
  int64_t capacity;
  int64_t used;
  int32_t out_of_space;
} flow_arena;

/* A list of strings (split, regexp_split): `count` items in the arena, 8-byte aligned. An item is
 * laid out as the runtime ABI's flow_value holding a string (runtime/abi/flow_abi.h: `data` is its
 * `bits`; `is_null` is always 0), so generated code reads the list as a `list<string>` value
 * without a copy. The items are views into the string that was split. */
typedef struct flow_str_item {
  const char* data;
  int64_t len;
  int8_t is_null;
} flow_str_item;
typedef struct flow_str_list {
  const flow_str_item* items;
  int64_t count;
} flow_str_list;

/* 0 is false, 1 is true; no function returns anything else. */
typedef uint8_t flow_bool;

/* Units for date_trunc, as returned by flow_time_unit_parse. */
enum {
  FLOW_TIME_UNIT_INVALID = 0,
  FLOW_TIME_UNIT_SECOND = 1,
  FLOW_TIME_UNIT_MINUTE = 2,
  FLOW_TIME_UNIT_HOUR = 3,
  FLOW_TIME_UNIT_DAY = 4,
  FLOW_TIME_UNIT_WEEK = 5,
  FLOW_TIME_UNIT_MONTH = 6,
  FLOW_TIME_UNIT_QUARTER = 7,
  FLOW_TIME_UNIT_YEAR = 8
};

/* ---- arena ---------------------------------------------------------------------------------- */
void flow_arena_init(flow_arena* arena, char* buffer, int64_t capacity) FLOW_STDLIB_NOEXCEPT;
void flow_arena_reset(flow_arena* arena) FLOW_STDLIB_NOEXCEPT;

/* ---- string --------------------------------------------------------------------------------- */
int64_t flow_str_len(flow_str s) FLOW_STDLIB_NOEXCEPT;
flow_str flow_str_lower(flow_arena* arena, flow_str s) FLOW_STDLIB_NOEXCEPT;
flow_str flow_str_upper(flow_arena* arena, flow_str s) FLOW_STDLIB_NOEXCEPT;
flow_bool flow_str_contains(flow_str s, flow_str needle) FLOW_STDLIB_NOEXCEPT;
flow_bool flow_str_starts_with(flow_str s, flow_str prefix) FLOW_STDLIB_NOEXCEPT;
flow_bool flow_str_ends_with(flow_str s, flow_str suffix) FLOW_STDLIB_NOEXCEPT;
/* `start` is 1-based in code points; substr(s, start) without a length passes INT64_MAX. */
flow_str flow_str_substr(flow_str s, int64_t start, int64_t length) FLOW_STDLIB_NOEXCEPT;
flow_str flow_str_concat(flow_arena* arena, flow_str a, flow_str b) FLOW_STDLIB_NOEXCEPT;
/* concat of `count` strings in one copy, for concat(a, b, c, ...). */
flow_str flow_str_concat_n(flow_arena* arena, const flow_str* parts, int64_t count) FLOW_STDLIB_NOEXCEPT;
/* `n` is 1-based; a negative `n` counts from the end. */
flow_str flow_str_split_part(flow_str s, flow_str delimiter, int64_t n) FLOW_STDLIB_NOEXCEPT;
/* The pieces of `s` between the occurrences of `separator`, matched literally left to right, empty
 * pieces kept ("a,,b" -> "a", "", "b"; "" -> one empty piece). An empty separator (which the checker
 * rejects) gives `s` as the one piece. When the items do not fit, the empty list and `out_of_space`. */
flow_str_list flow_str_split(flow_arena* arena, flow_str s, flow_str separator) FLOW_STDLIB_NOEXCEPT;

/* ---- regular expressions: RE2, so matching takes time linear in the input, whatever the pattern --
 * A compiled pattern is opaque. Each call site of generated code owns a `slot` (a pointer, null at
 * first); the first call fills it from a process-wide cache keyed by the pattern's text, so each
 * pattern is compiled once per process and never per record. Calls with a NULL slot (the
 * reference evaluator) find the pattern in a per-thread map in front of the cache. The checker compiles every pattern first
 * (flow::stdlib::compile_regex), so the patterns generated code passes always compile; one that
 * does not never matches. */
typedef struct flow_regex flow_regex;
/* Whether `pattern` matches anywhere in `s` (a partial match, like Spark's `rlike`). */
flow_bool flow_regex_matches(const flow_regex** slot, flow_str pattern, flow_str s) FLOW_STDLIB_NOEXCEPT;
/* The text of capturing `group` (0 = the whole match) in the first match, a view into `s`. When
 * the pattern does not match, or the group took no part in the match, `len` is -1 (null). */
flow_str flow_regex_extract(const flow_regex** slot, flow_str pattern, flow_str s, int64_t group) FLOW_STDLIB_NOEXCEPT;
/* `s` with every non-overlapping match replaced by `replacement`, where `\0` to `\9` insert a group
 * and `\\` a backslash (RE2's rewrite syntax, checked by the checker). An empty match right after
 * the previous match is skipped, as RE2::GlobalReplace does. `s` itself when nothing matches. */
flow_str flow_regex_replace(flow_arena* arena, const flow_regex** slot, flow_str pattern, flow_str s,
                            flow_str replacement) FLOW_STDLIB_NOEXCEPT;
/* How many matches flow_regex_replace would replace. */
int64_t flow_regex_count(const flow_regex** slot, flow_str pattern, flow_str s) FLOW_STDLIB_NOEXCEPT;
/* The pieces of `s` around the matches flow_regex_replace would replace: one more piece than
 * flow_regex_count, empty pieces kept. When the items do not fit, the empty list and `out_of_space`. */
flow_str_list flow_regex_split(flow_arena* arena, const flow_regex** slot, flow_str pattern,
                               flow_str s) FLOW_STDLIB_NOEXCEPT;

/* ---- time: `ts` is milliseconds since 1970-01-01T00:00:00Z; all fields are in UTC ------------ */
int64_t flow_time_hour(int64_t ts) FLOW_STDLIB_NOEXCEPT;
int64_t flow_time_minute(int64_t ts) FLOW_STDLIB_NOEXCEPT;
/* ISO: Monday = 1 ... Sunday = 7. */
int64_t flow_time_day_of_week(int64_t ts) FLOW_STDLIB_NOEXCEPT;
/* Case-insensitive unit name to FLOW_TIME_UNIT_*; FLOW_TIME_UNIT_INVALID if it is not one. The
 * compiler resolves a literal unit once, so the per-record call takes the number. */
int32_t flow_time_unit_parse(flow_str name) FLOW_STDLIB_NOEXCEPT;
/* Rounds `ts` down to the start of its `unit`; an invalid unit returns `ts` unchanged. */
int64_t flow_time_date_trunc(int32_t unit, int64_t ts) FLOW_STDLIB_NOEXCEPT;
flow_str flow_time_format_time(flow_arena* arena, int64_t ts, flow_str pattern) FLOW_STDLIB_NOEXCEPT;

/* ---- math ----------------------------------------------------------------------------------- */
int64_t flow_math_abs_int(int64_t x) FLOW_STDLIB_NOEXCEPT;
double flow_math_abs_float(double x) FLOW_STDLIB_NOEXCEPT;
double flow_math_round_float(double x) FLOW_STDLIB_NOEXCEPT;
double flow_math_round_float_digits(double x, int64_t digits) FLOW_STDLIB_NOEXCEPT;
int64_t flow_math_round_int_digits(int64_t x, int64_t digits) FLOW_STDLIB_NOEXCEPT;
double flow_math_floor_float(double x) FLOW_STDLIB_NOEXCEPT;
double flow_math_ceil_float(double x) FLOW_STDLIB_NOEXCEPT;
int64_t flow_math_least_int(int64_t a, int64_t b) FLOW_STDLIB_NOEXCEPT;
double flow_math_least_float(double a, double b) FLOW_STDLIB_NOEXCEPT;
int64_t flow_math_greatest_int(int64_t a, int64_t b) FLOW_STDLIB_NOEXCEPT;
double flow_math_greatest_float(double a, double b) FLOW_STDLIB_NOEXCEPT;

/* ---- lists: sort, sum, list_min, list_max; the sets' add and remove -----------------------------
 * A list is `count` elements at `items`, each laid out as runtime/abi/flow_abi.h's flow_value
 * (three words: bits, len, is_null). `kind` says how elements compare: FLOW_LIST_BITS compares
 * `bits` as int64 (int, timestamp, duration; bool as 0/1), FLOW_LIST_FLOAT as doubles, FLOW_LIST_STRING
 * the bytes (`bits` their address, `len` their count) bytewise. A list result is a new array in
 * the arena (8-byte aligned) returned as { items, count }; when it does not fit, { NULL, 0 } and
 * the arena's `out_of_space` is set. Results point at the argument's string bytes, never copy them. */
enum { FLOW_LIST_BITS = 0, FLOW_LIST_FLOAT = 1, FLOW_LIST_STRING = 2 };
typedef struct flow_list_item {
  int64_t bits;
  int64_t len;
  int8_t is_null;
} flow_list_item;
typedef struct flow_list {
  const flow_list_item* items;
  int64_t count;
} flow_list;
/* Ascending and stable: nulls first, then by value (NaN after every number; -0.0 and 0.0 are equal,
 * so they keep their order). */
flow_list flow_list_sort(flow_arena* arena, const flow_list_item* items, int64_t count,
                         int32_t kind) FLOW_STDLIB_NOEXCEPT;
/* The sum of the non-null elements in order (ints wrap); 0 for none. */
int64_t flow_list_sum_int(const flow_list_item* items, int64_t count) FLOW_STDLIB_NOEXCEPT;
double flow_list_sum_float(const flow_list_item* items, int64_t count) FLOW_STDLIB_NOEXCEPT;
/* The position of the smallest (`largest` 0) or largest (`largest` 1) non-null element, -1 for
 * none: as least/greatest pick (NaN is larger than every number), the earlier of equal ones. */
int64_t flow_list_extreme(const flow_list_item* items, int64_t count, int32_t kind,
                          int32_t largest) FLOW_STDLIB_NOEXCEPT;
/* Set equality: as group values are equal (== , NaN with NaN, -0.0 with 0.0). `add` gives the set
 * itself when `*element` is in it, else the newest `max - 1` elements (all when `max` is 0 or not
 * reached) and then the element: a full set evicts its oldest element. `remove` gives the set
 * without the element (itself when it is absent). */
flow_list flow_set_add(flow_arena* arena, const flow_list_item* items, int64_t count, const flow_list_item* element,
                       int32_t kind, int64_t max) FLOW_STDLIB_NOEXCEPT;
flow_list flow_set_remove(flow_arena* arena, const flow_list_item* items, int64_t count,
                          const flow_list_item* element, int32_t kind) FLOW_STDLIB_NOEXCEPT;

/* ---- hash: XXH64 with seed 0, the same on every run and machine ------------------------------ */
int64_t flow_hash_str(flow_str s) FLOW_STDLIB_NOEXCEPT;
int64_t flow_hash_int(int64_t x) FLOW_STDLIB_NOEXCEPT;
int64_t flow_hash_float(double x) FLOW_STDLIB_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* FLOW_STDLIB_H */
