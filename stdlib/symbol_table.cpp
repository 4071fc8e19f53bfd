// The name-to-address table of stdlib/flow_stdlib.h; a function added to the header is added here.
#include "stdlib/symbol_table.hpp"

#include "stdlib/flow_stdlib.h"

namespace flow::stdlib {
namespace {

#define FLOW_STDLIB_SYMBOL(function) Symbol{#function, reinterpret_cast<const void*>(&function)}

const Symbol table[] = {
    FLOW_STDLIB_SYMBOL(flow_arena_init),
    FLOW_STDLIB_SYMBOL(flow_arena_reset),
    FLOW_STDLIB_SYMBOL(flow_str_len),
    FLOW_STDLIB_SYMBOL(flow_list_sort),
    FLOW_STDLIB_SYMBOL(flow_list_sum_int),
    FLOW_STDLIB_SYMBOL(flow_list_sum_float),
    FLOW_STDLIB_SYMBOL(flow_list_extreme),
    FLOW_STDLIB_SYMBOL(flow_set_add),
    FLOW_STDLIB_SYMBOL(flow_set_remove),
    FLOW_STDLIB_SYMBOL(flow_str_lower),
    FLOW_STDLIB_SYMBOL(flow_str_upper),
    FLOW_STDLIB_SYMBOL(flow_str_contains),
    FLOW_STDLIB_SYMBOL(flow_str_starts_with),
    FLOW_STDLIB_SYMBOL(flow_str_ends_with),
    FLOW_STDLIB_SYMBOL(flow_str_substr),
    FLOW_STDLIB_SYMBOL(flow_str_concat),
    FLOW_STDLIB_SYMBOL(flow_str_concat_n),
    FLOW_STDLIB_SYMBOL(flow_str_split_part),
    FLOW_STDLIB_SYMBOL(flow_str_split),
    FLOW_STDLIB_SYMBOL(flow_regex_matches),
    FLOW_STDLIB_SYMBOL(flow_regex_extract),
    FLOW_STDLIB_SYMBOL(flow_regex_replace),
    FLOW_STDLIB_SYMBOL(flow_regex_count),
    FLOW_STDLIB_SYMBOL(flow_regex_split),
    FLOW_STDLIB_SYMBOL(flow_time_hour),
    FLOW_STDLIB_SYMBOL(flow_time_minute),
    FLOW_STDLIB_SYMBOL(flow_time_day_of_week),
    FLOW_STDLIB_SYMBOL(flow_time_unit_parse),
    FLOW_STDLIB_SYMBOL(flow_time_date_trunc),
    FLOW_STDLIB_SYMBOL(flow_time_format_time),
    FLOW_STDLIB_SYMBOL(flow_math_abs_int),
    FLOW_STDLIB_SYMBOL(flow_math_abs_float),
    FLOW_STDLIB_SYMBOL(flow_math_round_float),
    FLOW_STDLIB_SYMBOL(flow_math_round_float_digits),
    FLOW_STDLIB_SYMBOL(flow_math_round_int_digits),
    FLOW_STDLIB_SYMBOL(flow_math_floor_float),
    FLOW_STDLIB_SYMBOL(flow_math_ceil_float),
    FLOW_STDLIB_SYMBOL(flow_math_least_int),
    FLOW_STDLIB_SYMBOL(flow_math_least_float),
    FLOW_STDLIB_SYMBOL(flow_math_greatest_int),
    FLOW_STDLIB_SYMBOL(flow_math_greatest_float),
    FLOW_STDLIB_SYMBOL(flow_hash_str),
    FLOW_STDLIB_SYMBOL(flow_hash_int),
    FLOW_STDLIB_SYMBOL(flow_hash_float),
};

#undef FLOW_STDLIB_SYMBOL

}  // namespace

std::span<const Symbol> symbols() noexcept { return table; }

}  // namespace flow::stdlib
