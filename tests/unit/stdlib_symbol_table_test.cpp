// The JIT's symbol table of the stdlib: complete, unique names, and the right addresses.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>

#include "stdlib/flow_stdlib.h"
#include "stdlib/symbol_table.hpp"

namespace {

const void* address_of(std::string_view name) {
  for (const flow::stdlib::Symbol& symbol : flow::stdlib::symbols())
    if (symbol.name == name) return symbol.address;
  return nullptr;
}

}  // namespace

TEST_CASE("stdlib symbol table: one entry per function of flow_stdlib.h") {
  // A function added to the header without a table entry would be unreachable from generated code;
  // update this count together with both.
  CHECK(flow::stdlib::symbols().size() == 44);
  std::set<std::string_view> names;
  std::set<const void*> addresses;
  for (const flow::stdlib::Symbol& symbol : flow::stdlib::symbols()) {
    CHECK_MESSAGE(symbol.name.starts_with("flow_"), std::string(symbol.name));
    CHECK(symbol.address != nullptr);
    names.insert(symbol.name);
    addresses.insert(symbol.address);
  }
  CHECK(names.size() == flow::stdlib::symbols().size());
  CHECK(addresses.size() == flow::stdlib::symbols().size());
}

TEST_CASE("stdlib symbol table: names map to their functions") {
  CHECK(address_of("flow_str_lower") == reinterpret_cast<const void*>(&flow_str_lower));
  CHECK(address_of("flow_time_date_trunc") == reinterpret_cast<const void*>(&flow_time_date_trunc));
  CHECK(address_of("flow_hash_str") == reinterpret_cast<const void*>(&flow_hash_str));
  CHECK(address_of("flow_list_sort") == reinterpret_cast<const void*>(&flow_list_sort));
  CHECK(address_of("flow_set_add") == reinterpret_cast<const void*>(&flow_set_add));
  CHECK(address_of("flow_no_such_function") == nullptr);
}
