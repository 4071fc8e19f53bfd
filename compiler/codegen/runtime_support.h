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

#ifdef __cplusplus
}
#endif

#endif
