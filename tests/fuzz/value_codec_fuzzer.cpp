// libFuzzer target for the state value codec (runtime/state/value_codec.hpp): any bytes as what a
// LevelDB value holds. Reading them must end in values or StateCorruption — never a crash, a hang
// or a read out of bounds — and what is read must round-trip: a value written again reads back
// equal, its bytes stable. The typed reader (abi_value, what compiled handlers load state with)
// runs over the same bytes for a few types, with an arena too small at times. Run with
// scripts/fuzz value_codec (docs/testing.md).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/state/value_codec.hpp"

using namespace flow::runtime;
using flow::compiler::plan::Type;
using flow::compiler::plan::TypeKind;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    ValueReader reader(bytes);
    while (!reader.at_end()) {
      eval::Value value = reader.value();
      std::string once;
      append_value(once, value);
      ValueReader again(once);
      eval::Value back = again.value();
      std::string twice;
      append_value(twice, back);
      if (!again.at_end() || once != twice) {
        std::fprintf(stderr, "value_codec_fuzzer: a value does not round-trip\n");
        std::abort();
      }
    }
  } catch (const StateCorruption&) {
  }
  static const std::vector<Type> types = {
      Type::scalar(TypeKind::Int), Type::scalar(TypeKind::String, true), Type::scalar(TypeKind::Float),
      Type::list(Type::scalar(TypeKind::String), 10), Type::list(Type::list(Type::scalar(TypeKind::Int), 10), 10)};
  static char arena_buffer[256];
  for (const Type& type : types) {
    flow_arena arena;
    flow_arena_init(&arena, arena_buffer, size % 2 ? 48 : sizeof arena_buffer);
    try {
      ValueReader reader(bytes);
      while (!reader.at_end()) {
        flow_value value = reader.abi_value(type, &arena);
        if (type.kind == TypeKind::String && !value.is_null &&
            (value.len < 0 || reinterpret_cast<const char*>(value.bits) < bytes.data() ||
             reinterpret_cast<const char*>(value.bits) + value.len > bytes.data() + bytes.size())) {
          std::fprintf(stderr, "value_codec_fuzzer: a string outside the bytes read\n");
          std::abort();
        }
      }
    } catch (const StateCorruption&) {
    }
  }
  return 0;
}
